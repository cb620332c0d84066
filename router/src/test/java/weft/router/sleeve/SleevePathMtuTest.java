package weft.router.sleeve;

import org.junit.jupiter.api.Test;
import weft.router.sleeve.PathMtu.Change;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The path MTU core, driven by hand: time is a number, probes land in a list, acknowledgements are called in. */
class SleevePathMtuTest {
    private static final long SECOND = 1_000_000_000L, WAIT = SECOND, INTERVAL = 600 * SECOND, RETRY = 5 * SECOND;
    private static final long CHECK = 10 * SECOND;

    /** A path that carries {@code carries} bytes; the kernel refuses above {@code kernelKnows} (0: it knows nothing). */
    private static final class SimulatedPath implements PathMtu.Prober {
        int carries, kernelKnows;
        final List<Integer> sent = new ArrayList<>(), arrived = new ArrayList<>();
        int round;

        SimulatedPath(int carries, int kernelKnows) {
            this.carries = carries;
            this.kernelKnows = kernelKnows;
        }

        @Override
        public int probe(int probeRound, int mtu) {
            round = probeRound;
            if (kernelKnows != 0 && mtu > kernelKnows) return kernelKnows;
            sent.add(mtu);
            if (mtu <= carries) arrived.add(mtu);
            return SENT;
        }

        @Override
        public int kernelMtu() {
            return kernelKnows;
        }

        void acknowledgeAll(PathMtu path) {
            arrived.forEach(mtu -> path.onAcknowledged(round, mtu, 0));
            arrived.clear();
            sent.clear();
        }
    }

    @Test
    void shouldLowerToTheLargestAcknowledgedProbeWhenTheRoundCloses() {
        PathMtu path = new PathMtu(1500, 0, WAIT, INTERVAL, RETRY, CHECK);
        SimulatedPath wire = new SimulatedPath(1280, 0);
        assertEquals(Change.NONE, path.tick(0, wire));
        assertEquals(1500, (int) wire.sent.getFirst());
        assertEquals(576, (int) wire.sent.getLast());
        wire.acknowledgeAll(path);
        assertEquals(1500, path.mtu(), "nothing changes before the round closes");
        assertEquals(Change.NONE, path.tick(WAIT - 1, wire));
        assertEquals(Change.LOWERED, path.tick(WAIT, wire));
        assertEquals(1280, path.mtu());
        assertEquals(1280 - 76, path.datagramPayload());
    }

    @Test
    void aNarrowerPathTheKernelLearntBetweenRoundsLowersTheMtuWithinASecondAndARoundConfirmsIt() {
        PathMtu path = new PathMtu(1500, 0, WAIT, INTERVAL, RETRY, CHECK);
        SimulatedPath wire = new SimulatedPath(1500, 0);
        path.tick(0, wire);
        wire.acknowledgeAll(path);
        assertEquals(Change.NONE, path.tick(WAIT, wire));
        assertEquals(1500, path.mtu());

        wire.carries = 1400; // the path shrinks, and an ICMP tells the kernel
        wire.kernelKnows = 1400;
        long shrank = 10 * SECOND;
        assertEquals(Change.LOWERED, path.tick(shrank, wire), "checked once a second between rounds");
        assertEquals(1400, path.mtu());
        assertEquals(Change.NONE, path.tick(shrank + PathMtu.KERNEL_CHECK_NANOS / 2, wire));
        assertEquals(Change.NONE, path.tick(shrank + RETRY - 1, wire), "the confirming round waits for the retry time");
        assertEquals(Change.NONE, path.tick(shrank + RETRY, wire)); // round starts
        wire.acknowledgeAll(path);
        assertEquals(Change.NONE, path.tick(shrank + RETRY + WAIT, wire), "the round confirms 1400");
        assertEquals(1400, path.mtu());
    }

    @Test
    void aKernelThatKnowsNothingOrAWiderPathChangesNothing() {
        PathMtu path = new PathMtu(1500, 0, WAIT, INTERVAL, RETRY, CHECK);
        SimulatedPath wire = new SimulatedPath(1500, 0);
        path.tick(0, wire);
        wire.acknowledgeAll(path);
        path.tick(WAIT, wire);
        wire.kernelKnows = 9000;
        assertEquals(Change.NONE, path.tick(10 * SECOND, wire));
        assertEquals(1500, path.mtu());
    }

    @Test
    void shouldLowerAtOnceWhenTheKernelRefusesAProbeAsTooBig() {
        PathMtu path = new PathMtu(1500, 0, WAIT, INTERVAL, RETRY, CHECK);
        SimulatedPath wire = new SimulatedPath(1290, 1290);
        assertEquals(Change.LOWERED, path.tick(0, wire));
        assertEquals(1290, path.mtu());
        assertEquals(1290, (int) wire.sent.getFirst(), "the size the kernel reported is probed too");
        wire.acknowledgeAll(path);
        assertEquals(Change.NONE, path.tick(WAIT, wire));
        assertEquals(1290, path.mtu());
    }

    @Test
    void shouldKeepTheMtuAndRetrySoonWhenNothingIsAcknowledged() {
        PathMtu path = new PathMtu(1500, 0, WAIT, INTERVAL, RETRY, CHECK);
        SimulatedPath wire = new SimulatedPath(1500, 0);
        path.tick(0, wire);
        wire.sent.clear();
        assertEquals(Change.NONE, path.tick(WAIT, wire));
        assertEquals(1500, path.mtu());
        path.tick(WAIT + RETRY - 1, wire);
        assertTrue(wire.sent.isEmpty(), "not before the retry is due");
        path.tick(WAIT + RETRY, wire);
        assertEquals(1500, (int) wire.sent.getFirst());
    }

    @Test
    void shouldIgnoreAcknowledgementsOfAnEarlierRound() {
        PathMtu path = new PathMtu(1500, 0, WAIT, INTERVAL, RETRY, CHECK);
        SimulatedPath wire = new SimulatedPath(1500, 0);
        path.tick(0, wire);
        int stale = path.round();
        path.tick(WAIT, wire); // closes with nothing acknowledged
        path.tick(WAIT + RETRY, wire);
        path.onAcknowledged(stale, 1500, WAIT + RETRY);
        path.onAcknowledged(path.round(), 1400, WAIT + RETRY);
        path.tick(2 * WAIT + RETRY, wire);
        assertEquals(1400, path.mtu());
    }

    @Test
    void shouldRememberWhenTheLastAcknowledgementCameWhateverItsRound() {
        PathMtu path = new PathMtu(1500, 0, WAIT, INTERVAL, RETRY, CHECK);
        SimulatedPath wire = new SimulatedPath(1500, 0);
        path.tick(0, wire);
        assertFalse(path.everAcknowledged());
        int first = path.round();
        path.tick(WAIT, wire);
        path.tick(WAIT + RETRY, wire);
        path.onAcknowledged(first, 1500, WAIT + RETRY + 7); // late, for the round before: the round trip still works
        assertTrue(path.everAcknowledged());
        assertEquals(WAIT + RETRY + 7, path.lastAcknowledgedNanos());
        path.onAcknowledged(path.round(), 99, WAIT + RETRY + 9); // no size a probe has: not an acknowledgement
        assertEquals(WAIT + RETRY + 7, path.lastAcknowledgedNanos());
    }

    @Test
    void shouldConfirmALoweringSoonAndRaiseItAgainWhenTheLargeProbesWereLostByChance() {
        PathMtu path = new PathMtu(9000, 0, WAIT, INTERVAL, RETRY, CHECK);
        SimulatedPath wire = new SimulatedPath(1500, 0);
        path.tick(0, wire);
        wire.acknowledgeAll(path);
        assertEquals(Change.LOWERED, path.tick(WAIT, wire));
        wire.carries = 9000;
        path.tick(WAIT + RETRY - 1, wire);
        assertTrue(wire.sent.isEmpty(), "the confirming round waits for the retry");
        path.tick(WAIT + RETRY, wire);
        assertEquals(9000, (int) wire.sent.getFirst());
        wire.acknowledgeAll(path);
        assertEquals(Change.RAISED, path.tick(2 * WAIT + RETRY, wire));
        assertEquals(9000, path.mtu());
    }

    @Test
    void shouldGrowBackWhenARoundAfterTheIntervalFindsTheWiderPath() {
        PathMtu path = new PathMtu(1500, 0, WAIT, INTERVAL, RETRY, CHECK);
        SimulatedPath wire = new SimulatedPath(1280, 0);
        path.tick(0, wire);
        wire.acknowledgeAll(path);
        path.tick(WAIT, wire);
        path.tick(WAIT + RETRY, wire);
        wire.acknowledgeAll(path);
        long confirmed = 2 * WAIT + RETRY;
        assertEquals(Change.NONE, path.tick(confirmed, wire), "the confirming round finds the same path");
        wire.carries = 1500;
        List<Integer> probed = new ArrayList<>();
        long raised = run(path, wire, confirmed, confirmed + INTERVAL + 2 * WAIT, Change.RAISED, probed);
        assertTrue(raised >= confirmed + INTERVAL, "the next round waits for the interval: raised at " + raised);
        assertTrue(probed.subList(0, probed.indexOf(1500)).stream().allMatch(mtu -> mtu == 1280),
                "until then only checks of the path believed: " + probed.subList(0, 5));
        assertEquals(1500, path.mtu());
    }

    /**
     * Ticks every 100 ms from {@code from} to {@code to}, as the forwarder does, the neighbour acknowledging each probe
     * that arrives; collects the sizes probed and returns when {@code awaited} happens (or {@code to}).
     */
    private static long run(PathMtu path, SimulatedPath wire, long from, long to, Change awaited, List<Integer> probed) {
        for (long now = from; now <= to; now += SECOND / 10) {
            Change change = path.tick(now, wire);
            probed.addAll(wire.sent);
            wire.acknowledgeAll(path);
            if (change == awaited) return now;
        }
        return to;
    }

    @Test
    void aPathThatShrinksWithoutAnIcmpIsFoundByTheNextCheckWithinSeconds() {
        PathMtu path = new PathMtu(1500, 0, WAIT, INTERVAL, RETRY, CHECK);
        SimulatedPath wire = new SimulatedPath(1500, 0);
        List<Integer> probed = new ArrayList<>();
        run(path, wire, 0, 60 * SECOND, Change.LOWERED, probed);
        assertEquals(1500, path.mtu());
        assertEquals(5, probed.stream().filter(mtu -> mtu == 1500).count() - 1,
                "one round, then one probe of the believed MTU every 10 s: " + probed.size() + " probes");

        wire.carries = 1280; // a black hole: nothing tells the kernel
        long shrank = 60 * SECOND;
        long found = run(path, wire, shrank, shrank + 60 * SECOND, Change.LOWERED, probed);
        assertEquals(1280, path.mtu());
        assertTrue(found - shrank <= CHECK + 2 * WAIT, "found " + (found - shrank) / 1e9 + " s after it shrank");
    }

    @Test
    void shouldProbeAgainAtTheNextTickWhenASendWasTooBig() {
        PathMtu path = new PathMtu(1500, 0, WAIT, INTERVAL, RETRY, CHECK);
        SimulatedPath wire = new SimulatedPath(1500, 0);
        path.tick(0, wire);
        wire.acknowledgeAll(path);
        path.tick(WAIT, wire);
        wire.kernelKnows = 1400;
        path.rediscover();
        assertEquals(Change.LOWERED, path.tick(WAIT + 1, wire));
        assertEquals(1400, path.mtu());
    }

    @Test
    void shouldNeverBelieveLessThanTheIpv4Minimum() {
        PathMtu path = new PathMtu(1500, 0, WAIT, INTERVAL, RETRY, CHECK);
        path.tick(0, new SimulatedPath(1500, 300));
        assertEquals(PathMtu.MIN_MTU, path.mtu());
    }
}

package weft.router.fastpath;

import org.junit.jupiter.api.Test;
import weft.crypto.EspKey;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FastPathTableTest {
    private static final long MS = 1_000_000L;
    private static final int FULL = 1424;
    private static final FastPathTable.Peer B = peer(0xBL, Optional.empty());

    private static FastPathTable.Peer peer(long name, Optional<String> ineligible) {
        return new FastPathTable.Peer(name, "peer-" + name, InetAddress.getLoopbackAddress(), ineligible, Optional.empty(), Optional.empty());
    }

    private static final FastPathTable.Peer ENCRYPTED = new FastPathTable.Peer(0xEL, "peer-e", InetAddress.getLoopbackAddress(),
            Optional.empty(), Optional.of(new EspKeys(new EspKey(new byte[36], 0x101), new EspKey(new byte[36], 0x102), false)), Optional.empty());

    @Test
    void anEncryptedPairWaitsForItsEspStateAndThenGoesFastLikeAnyOther() {
        FastPathTable table = new FastPathTable(Optional.empty(), FULL);
        table.connected(ENCRYPTED, 0);
        assertEquals(List.of(), table.candidates(), "no heartbeats before its SAs exist: they would leave in clear");
        assertFalse(table.heard(ENCRYPTED.name(), false, true, 0));
        assertEquals("sleeve: data is encrypted, and its ESP state is not installed yet", table.describe(ENCRYPTED.name(), 0));

        table.espInstalled(ENCRYPTED.name());
        assertEquals(List.of(ENCRYPTED), table.candidates());
        assertTrue(table.describe(ENCRYPTED.name(), 100 * MS).startsWith("fast: no heartbeats from the peer in 0.1 s (ESP, IP protocol 50, blocked"),
                table.describe(ENCRYPTED.name(), 100 * MS));
        both(table, ENCRYPTED.name(), true, 200 * MS);
        List<FastPathTable.Transition> changed = table.evaluate(200 * MS);
        assertEquals("heartbeats flow both ways, encrypted by kernel ESP", changed.getFirst().reason());
        assertEquals(List.of(ENCRYPTED), table.fast());
        assertEquals("fast (ESP)", table.describe(ENCRYPTED.name(), 200 * MS));
    }

    @Test
    void anEncryptedPairWhoseFullSizeHeartbeatsDoNotFitSaysEspTakesRoomToo() {
        FastPathTable table = new FastPathTable(Optional.empty(), FULL);
        table.connected(ENCRYPTED, 0);
        table.espInstalled(ENCRYPTED.name());
        assertTrue(table.heard(ENCRYPTED.name(), false, true, 100 * MS));
        assertEquals("fast: full-size heartbeats (1424 B) lost while small ones arrive: the underlay path MTU is below "
                + "the overlay MTU + 50 + 37 for ESP, on sleeve", table.describe(ENCRYPTED.name(), 1_000 * MS));
    }

    @Test
    void anEncryptedPairWhoseEspStateTheKernelRefusedStaysOnSleeveWithTheReason() {
        FastPathTable table = new FastPathTable(Optional.empty(), FULL);
        table.connected(ENCRYPTED, 0);
        table.espFailed(ENCRYPTED.name(), "data is encrypted, and the kernel refused its ESP state: XFRM_MSG_NEWSA ... failed");
        assertEquals(List.of(), table.candidates());
        assertEquals("sleeve: data is encrypted, and the kernel refused its ESP state: XFRM_MSG_NEWSA ... failed",
                table.describe(ENCRYPTED.name(), 0));
        table.connected(ENCRYPTED, 10 * MS);
        assertEquals("sleeve: data is encrypted, and its ESP state is not installed yet", table.describe(ENCRYPTED.name(), 10 * MS),
                "a reconnection tries again");
    }

    private static FastPathTable withB() {
        FastPathTable table = new FastPathTable(Optional.empty(), FULL);
        table.connected(B, 0);
        return table;
    }

    private static void both(FastPathTable table, long sender, boolean hearsUs, long now) {
        assertTrue(table.heard(sender, false, hearsUs, now));
        assertTrue(table.heard(sender, true, hearsUs, now));
    }

    @Test
    void aNewPeerIsOnSleeveUntilItsHeartbeatsSayItHearsUs() {
        FastPathTable table = withB();
        assertEquals(List.of(), table.evaluate(100 * MS));
        assertTrue(table.describe(B.name(), 100 * MS).startsWith("fast: no heartbeats from the peer in 0.1 s"), table.describe(B.name(), 100 * MS));
        assertTrue(table.describe(B.name(), 100 * MS).endsWith(", on sleeve"));

        both(table, B.name(), false, 200 * MS);
        assertTrue(table.hearing(B.name(), 200 * MS), "we hear it: our heartbeats will say so");
        assertEquals(List.of(), table.evaluate(200 * MS));
        assertEquals("fast: the peer does not hear our heartbeats, on sleeve", table.describe(B.name(), 200 * MS));

        both(table, B.name(), true, 700 * MS);
        List<FastPathTable.Transition> changed = table.evaluate(700 * MS);
        assertEquals(1, changed.size());
        assertTrue(changed.getFirst().fast());
        assertEquals(List.of(B), table.fast());
        assertEquals("fast", table.describe(B.name(), 700 * MS));
    }

    @Test
    void silenceMovesThePairToSleeveAfterThreeMissedHeartbeatsAndOneHeartbeatEachWayBringsItBack() {
        FastPathTable table = withB();
        both(table, B.name(), true, 0);
        table.evaluate(0);
        assertEquals(List.of(B), table.fast());

        assertEquals(List.of(), table.evaluate(1_499 * MS), "still within the grace");
        List<FastPathTable.Transition> lost = table.evaluate(1_500 * MS);
        assertEquals(1, lost.size());
        assertFalse(lost.getFirst().fast());
        assertEquals("heartbeats lost 1.5 s ago", lost.getFirst().reason());
        assertEquals("fast: heartbeats lost 2.1 s ago, on sleeve", table.describe(B.name(), 2_100 * MS));
        assertFalse(table.hearing(B.name(), 2_100 * MS));

        both(table, B.name(), true, 5_000 * MS);
        assertTrue(table.evaluate(5_000 * MS).getFirst().fast());
    }

    @Test
    void aPairSettlesTwoSecondsAfterItBecameFast() {
        FastPathTable table = withB();
        both(table, B.name(), true, 0);
        table.evaluate(0);
        for (long t = 500; t <= 2_000; t += 500) both(table, B.name(), true, t * MS);
        assertEquals(List.of(), table.settled(1_999 * MS));
        assertEquals(List.of(B), table.settled(2_000 * MS));
    }

    @Test
    void smallHeartbeatsWithoutFullSizeOnesPointAtThePathMtu() {
        FastPathTable table = withB();
        both(table, B.name(), true, 0);
        table.evaluate(0);
        for (long t = 500; t <= 2_000; t += 500) assertTrue(table.heard(B.name(), false, true, t * MS));
        List<FastPathTable.Transition> changed = table.evaluate(2_000 * MS);
        assertEquals(1, changed.size());
        assertEquals("full-size heartbeats (1424 B) lost while small ones arrive: the underlay path MTU is below the overlay MTU + 50",
                changed.getFirst().reason());
        assertFalse(table.hearing(B.name(), 2_000 * MS), "so the peer leaves the fast path too");
    }

    @Test
    void anEncryptedPairIsNoCandidateAndSaysWhy() {
        FastPathTable table = new FastPathTable(Optional.empty(), FULL);
        FastPathTable.Peer sealed = peer(0xCL, Optional.of("encrypted, and this kernel has no ESP"));
        table.connected(sealed, 0);
        assertFalse(table.heard(sealed.name(), true, true, 0), "its heartbeats are counted as unexpected");
        assertEquals(List.of(), table.candidates());
        assertEquals(List.of(), table.evaluate(0));
        assertEquals("sleeve: encrypted, and this kernel has no ESP", table.describe(sealed.name(), 0));
        table.connected(B, 0);
        assertEquals(java.util.Map.of(sealed.name(), "sleeve: encrypted, and this kernel has no ESP",
                B.name(), "fast: no heartbeats from the peer in 0.0 s (UDP 6784 blocked, or the peer runs without a fast path), on sleeve"),
                table.describeAll(0), "the status describes the pairs that are no candidates too");
    }

    @Test
    void aHostWithoutFastPathKeepsEveryPairOnSleeveWithItsReason() {
        FastPathTable table = new FastPathTable(Optional.of("fast path off (--no-fastdp)"), FULL);
        table.connected(B, 0);
        assertFalse(table.heard(B.name(), true, true, 0));
        assertEquals(List.of(), table.candidates());
        assertEquals("sleeve: fast path off (--no-fastdp)", table.describe(B.name(), 0));
    }

    @Test
    void aReconnectedPeerStartsOverAndAGoneOneIsForgotten() {
        FastPathTable table = withB();
        both(table, B.name(), true, 0);
        table.evaluate(0);
        table.connected(B, 100 * MS);
        assertEquals(List.of(), table.fast());
        assertEquals(Optional.of(B), table.disconnected(B.name(), 150 * MS));
        assertEquals(Optional.empty(), table.disconnected(B.name(), 150 * MS));
        assertFalse(table.heard(B.name(), true, true, 200 * MS));
        assertEquals("sleeve", table.describe(B.name(), 200 * MS));
    }

    @Test
    void aConnectionReplacedAtOnceKeepsThePairsHealthButALaterOrDifferentOneStartsOver() throws Exception {
        FastPathTable table = withB();
        both(table, B.name(), true, 0);
        table.evaluate(0);
        table.disconnected(B.name(), 100 * MS);
        table.connected(B, 101 * MS); // the duplicate connection that both dialled replaced the first
        assertEquals(List.of(B), table.fast(), "same peer, same path: still fast");

        table.disconnected(B.name(), 200 * MS);
        table.connected(B, 200 * MS + FastPathTable.REJOIN_NANOS);
        assertEquals(List.of(), table.fast(), "back after a while: proven again");

        both(table, B.name(), true, 2_000 * MS);
        table.evaluate(2_000 * MS);
        table.disconnected(B.name(), 2_100 * MS);
        table.connected(new FastPathTable.Peer(B.name(), "b", InetAddress.getByAddress(new byte[]{10, 0, 0, 9}), Optional.empty(), Optional.empty(), Optional.empty()), 2_101 * MS);
        assertEquals(List.of(), table.fast(), "another underlay address: another path");
    }
}

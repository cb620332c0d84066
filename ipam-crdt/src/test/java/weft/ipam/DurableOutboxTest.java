package weft.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import weft.gossip.PeerName;
import weft.gossip.channel.Gossip;
import weft.gossip.channel.GossipData;
import weft.gossip.wire.Decoding;

class DurableOutboxTest {
    static final AddressRange UNIVERSE = AddressRange.parse("10.32.0.0/24");
    static final PeerName A = new PeerName(0xa);
    static final PeerName B = new PeerName(0xb);
    static final PeerName C = new PeerName(0xc);

    final AllocatorState state = new AllocatorState(A,
            new AllocatorConfig(UNIVERSE, UNIVERSE, new InitMode.Seed(List.of(A)), Duration.ofSeconds(10)),
            new Space(UNIVERSE), null, Ring.empty(UNIVERSE));
    final List<String> sent = new ArrayList<>();
    final List<Snapshot> saved = new ArrayList<>();
    boolean diskWorks = true;
    final DurableOutbox outbox = new DurableOutbox(state, SnapshotSaver.inline(snapshot -> {
        if (!diskWorks) {
            return Optional.of("disk full");
        }
        saved.add(snapshot);
        return Optional.empty();
    }));

    DurableOutboxTest() {
        outbox.connect(new Gossip() {
            @Override
            public void unicast(PeerName to, byte[] payload) {
                sent.add("to " + to + ": " + ((Decoding.Decoded<IpamMessage>) IpamCodec.decode(payload)).value());
            }

            @Override
            public void broadcast(GossipData data) {
                sent.add("broadcast " + data);
            }

            @Override
            public void gossip(GossipData data) {
                sent.add("gossip " + data);
            }
        });
    }

    @Test
    void shouldHoldEverythingWhileTheSaveFailsAndThenBroadcastFirst() {
        Ring seeded = Ring.seeded(UNIVERSE, RingId.ofSeeds(List.of(A)));
        state.setRing(seeded);
        state.peerAlive(C);
        outbox.changed();
        outbox.unicast(B, new IpamMessage.SpaceDenied(UNIVERSE));
        outbox.afterSave(() -> sent.add("result"));
        outbox.kickPeers();
        outbox.broadcastState();
        diskWorks = false;
        outbox.flush();
        assertEquals(List.of(), sent);
        assertEquals(Optional.of("disk full"), outbox.persistenceFailure());
        assertFalse(outbox.published().ring().isInitialised(), "an unsaved ring must not be gossiped");

        diskWorks = true;
        outbox.flush();
        IpamGossipData data = new IpamGossipData(new IpamMessage.State(seeded, ConsensusState.EMPTY));
        assertEquals(List.of("broadcast " + data, "to " + B + ": " + new IpamMessage.SpaceDenied(UNIVERSE), "result",
                "to " + C + ": " + new IpamMessage.Kick()), sent);
        assertEquals(Optional.empty(), outbox.persistenceFailure());
        assertEquals(seeded, outbox.published().ring());
        assertEquals(1, saved.size());
    }

    @Test
    void shouldSaveOnlyWhenSomethingChanged() {
        outbox.afterSave(() -> sent.add("result"));
        outbox.flush();
        assertEquals(List.of("result"), sent);
        assertTrue(saved.isEmpty());
    }

    @Test
    void shouldSendOurStateAsItIsWhenItLeaves() {
        outbox.unicastState(B);
        Ring seeded = Ring.seeded(UNIVERSE, RingId.ofSeeds(List.of(A)));
        state.setRing(seeded);
        outbox.changed();
        outbox.flush();
        assertEquals(List.of("to " + B + ": " + new IpamMessage.State(seeded, ConsensusState.EMPTY)), sent);
    }

    /** A saver whose saves finish when the test says: a writer thread, without the thread. */
    static final class DeferredSaver implements SnapshotSaver {
        final ArrayDeque<Snapshot> snapshots = new ArrayDeque<>();
        final ArrayDeque<Consumer<Optional<String>>> inFlight = new ArrayDeque<>();

        @Override
        public void save(Snapshot snapshot, Consumer<Optional<String>> done) {
            assertTrue(inFlight.isEmpty(), "one save in flight at most");
            snapshots.add(snapshot);
            inFlight.add(done);
        }

        void finish(Optional<String> failure) {
            inFlight.remove().accept(failure);
        }
    }

    final DeferredSaver writer = new DeferredSaver();
    final DurableOutbox later = new DurableOutbox(state, writer);

    private void connectLater() {
        later.connect(new Gossip() {
            @Override
            public void unicast(PeerName to, byte[] payload) {
                sent.add("to " + to + ": " + ((Decoding.Decoded<IpamMessage>) IpamCodec.decode(payload)).value());
            }

            @Override
            public void broadcast(GossipData data) {
                sent.add("broadcast " + data);
            }

            @Override
            public void gossip(GossipData data) {
                sent.add("gossip " + data);
            }
        });
    }

    @Test
    void shouldHoldWhatIsQueuedWhileASaveIsInFlightAndReleaseItWithTheStateThatWasSaved() {
        connectLater();
        Ring first = Ring.seeded(UNIVERSE, RingId.ofSeeds(List.of(A)));
        state.setRing(first);
        later.changed();
        later.broadcastState();
        later.unicastState(B);
        later.afterSave(() -> sent.add("result 1"));
        later.flush();
        assertTrue(later.saving());
        assertEquals(List.of(), sent, "nothing leaves before its save is done");

        Ring second = Ring.seeded(UNIVERSE, RingId.ofSeeds(List.of(A, B)));
        state.setRing(second);
        later.changed();
        later.afterSave(() -> sent.add("result 2"));
        later.unicastState(C);
        later.flush();
        later.afterSave(() -> sent.add("result 3")); // needs no save of its own, but may depend on one in flight
        later.flush();
        assertEquals(List.of(), sent);
        assertEquals(1, writer.snapshots.size(), "one save in flight");
        assertEquals(first, writer.snapshots.getFirst().ring());

        writer.finish(Optional.empty());
        IpamMessage.State firstState = new IpamMessage.State(first, ConsensusState.EMPTY);
        assertEquals(List.of("broadcast " + new IpamGossipData(firstState), "to " + B + ": " + firstState, "result 1"),
                sent, "the first save releases what was queued before it, with the state it saved, not the newer one");
        assertEquals(first, later.published().ring(), "only what is saved is gossiped");
        assertTrue(later.saving(), "the completion started the next save");
        assertEquals(second, writer.snapshots.getLast().ring());

        sent.clear();
        writer.finish(Optional.empty());
        assertEquals(List.of("result 2", "to " + C + ": " + new IpamMessage.State(second, ConsensusState.EMPTY),
                "result 3"), sent);
        assertEquals(second, later.published().ring());
        assertFalse(later.saving());
    }

    @Test
    void shouldHoldEverythingAfterASaveInFlightFailsAndSendItInOrderOnceASaveSucceeds() {
        connectLater();
        Ring seeded = Ring.seeded(UNIVERSE, RingId.ofSeeds(List.of(A)));
        state.setRing(seeded);
        later.changed();
        later.afterSave(() -> sent.add("first"));
        later.flush();
        later.broadcastState();
        later.afterSave(() -> sent.add("second"));
        later.flush();

        writer.finish(Optional.of("disk full"));
        assertEquals(List.of(), sent);
        assertEquals(Optional.of("disk full"), later.persistenceFailure());
        assertFalse(later.saving(), "no retry until the next flush: a broken disk is not hammered");
        assertFalse(later.published().ring().isInitialised());

        later.flush();
        writer.finish(Optional.empty());
        assertEquals(List.of("broadcast " + new IpamGossipData(new IpamMessage.State(seeded, ConsensusState.EMPTY)),
                "first", "second"), sent);
        assertEquals(Optional.empty(), later.persistenceFailure());
        assertEquals(2, writer.snapshots.size());
    }
}

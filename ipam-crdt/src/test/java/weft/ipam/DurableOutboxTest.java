package weft.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
    final DurableOutbox outbox = new DurableOutbox(state, snapshot -> {
        if (!diskWorks) {
            return Optional.of("disk full");
        }
        saved.add(snapshot);
        return Optional.empty();
    });

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
}

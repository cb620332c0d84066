package weft.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import weft.gossip.channel.ChannelMessage;
import weft.gossip.channel.Gossip;
import weft.gossip.channel.GossipChannels;
import weft.gossip.channel.GossipData;
import weft.gossip.channel.Gossiper;
import weft.gossip.topology.PeerLink;
import weft.gossip.topology.PeerRecord;
import weft.gossip.topology.Routes;
import weft.gossip.wire.MeshMessage;

/** The drain on its own: gossip channels for peer A, whose only neighbour B is an EmbeddedChannel. */
class ChannelDrainTest {
    private static final PeerName A = new PeerName(1);
    private static final PeerName B = new PeerName(2);

    record Text(String text) implements GossipData {
        @Override
        public byte[] encode() {
            return text.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public GossipData merge(GossipData other) {
            return new Text(text + "+" + ((Text) other).text);
        }
    }

    static final class Silent implements Gossiper {
        @Override
        public void onUnicast(PeerName from, byte[] payload) {}

        @Override
        public GossipData onBroadcast(PeerName from, byte[] payload) {
            return null;
        }

        @Override
        public GossipData completeState() {
            return new Text("all");
        }

        @Override
        public GossipData onGossip(byte[] payload) {
            return null;
        }
    }

    final EmbeddedChannel toB = new EmbeddedChannel();
    final Map<PeerName, Channel> connected = new HashMap<>();
    int queuedDrains;
    final GossipChannels channels = new GossipChannels(Routes.compute(Map.of(
            A, new PeerRecord(A, "a", 1, 1, 1, List.of(new PeerLink(B, "10.0.0.2:6783", true, true))),
            B, new PeerRecord(B, "b", 1, 1, 2, List.of(new PeerLink(A, "10.0.0.1:6783", false, true)))), A),
            new SplittableRandom(1), this::onPending, Duration.ofSeconds(30), Instant.parse("2025-01-01T00:00:00Z"));
    final ChannelDrain drain = new ChannelDrain(channels, peer -> Optional.ofNullable(connected.get(peer)));
    final Gossip gossip = channels.register("ipam", new Silent());

    private void onPending(PeerName neighbour) {
        if (drain.onPending(neighbour)) {
            queuedDrains++;
        }
    }

    @AfterEach
    void finish() {
        toB.finishAndReleaseAll();
    }

    private String nextWrittenToB() {
        var written = assertInstanceOf(MeshMessage.OfChannel.class, toB.readOutbound());
        return new String(assertInstanceOf(ChannelMessage.Gossip.class, written.message()).payload(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldQueueOneDrainForABurstOfWakeupsAndWriteTheMergedGossip() {
        connected.put(B, toB);
        gossip.gossip(new Text("x"));
        gossip.gossip(new Text("y"));
        assertEquals(1, queuedDrains, "one drain for the burst");

        drain.drainAll();
        assertEquals("x+y", nextWrittenToB());
        assertNull(toB.readOutbound());

        gossip.gossip(new Text("z"));
        assertEquals(2, queuedDrains, "a wake-up after the drain queues the next one");
    }

    @Test
    void shouldKeepANeighbourPendingUntilItsConnectionIsWritableAgain() {
        connected.put(B, toB);
        toB.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        gossip.gossip(new Text("x"));
        drain.drainAll();
        assertNull(toB.readOutbound(), "nothing written while the connection is not writable");

        toB.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        drain.onWritable(B);
        assertEquals("x", nextWrittenToB());
    }

    @Test
    void shouldWriteWhatWaitedForTheConnectionOnceTheNeighbourConnects() {
        gossip.gossip(new Text("x"));
        connected.put(B, toB);
        drain.onConnected();
        assertEquals("x", nextWrittenToB());
    }

    @Test
    void shouldDropWhatIsPendingForANeighbourWithoutAConnection() {
        gossip.gossip(new Text("x"));
        drain.drainAll();
        assertTrue(channels.poll(B).isEmpty(), "dropped, not left to grow");

        connected.put(B, toB);
        drain.onConnected();
        assertNull(toB.readOutbound());
    }
}

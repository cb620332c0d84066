package weft.gossip.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import weft.gossip.wire.Decoding;
import weft.gossip.PeerName;
import weft.gossip.topology.PeerLink;
import weft.gossip.topology.PeerRecord;
import weft.gossip.topology.Routes;

class GossipChannelsTest {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final PeerName A = new PeerName(1);
    private static final PeerName B = new PeerName(2);
    private static final PeerName C = new PeerName(3);

    /** A grow-only set of strings: the simplest CRDT. */
    record Names(TreeSet<String> names) implements GossipData {
        static Names of(String... names) {
            return new Names(new TreeSet<>(List.of(names)));
        }

        @Override
        public byte[] encode() {
            return String.join(",", names).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public GossipData merge(GossipData other) {
            TreeSet<String> union = new TreeSet<>(names);
            union.addAll(((Names) other).names);
            return new Names(union);
        }
    }

    static final class Recorder implements Gossiper {
        final List<String> unicasts = new ArrayList<>();
        final List<String> refused = new ArrayList<>();

        @Override
        public void onUnicastRefused(PeerName to, byte[] payload, String reason) {
            refused.add(to + ": " + reason);
        }

        @Override
        public void onUnicast(PeerName from, byte[] payload) {
            unicasts.add(from + ":" + new String(payload, StandardCharsets.UTF_8));
        }

        @Override
        public GossipData onBroadcast(PeerName from, byte[] payload) {
            return Names.of(new String(payload, StandardCharsets.UTF_8));
        }

        @Override
        public GossipData completeState() {
            return Names.of("all");
        }

        @Override
        public GossipData onGossip(byte[] payload) {
            return null;
        }
    }

    // a line A - B - C
    private static Map<PeerName, PeerRecord> line() {
        return Map.of(A, record(A, B), B, record(B, A, C), C, record(C, B));
    }

    private static PeerRecord record(PeerName name, PeerName... neighbours) {
        List<PeerLink> links = new ArrayList<>();
        for (PeerName n : neighbours) {
            links.add(new PeerLink(n, "10.0.0.1:6783", true, true));
        }
        return new PeerRecord(name, "n", 1, 1, 1, links);
    }

    private static GossipChannels channels(PeerName self) {
        return new GossipChannels(Routes.compute(line(), self), new SplittableRandom(1), n -> {}, Duration.ofSeconds(30), T0);
    }

    @Test
    void shouldMergePendingGossipForABusyConnectionInsteadOfQueueing() {
        GossipChannels channels = channels(A);
        Gossip gossip = channels.register("ipam", new Recorder());
        for (int i = 0; i < 1000; i++) {
            gossip.gossip(Names.of("r" + i));
        }
        ChannelMessage message = channels.poll(B).orElseThrow();
        assertEquals(1000, new String(((ChannelMessage.Gossip) message).payload(), StandardCharsets.UTF_8).split(",").length);
        assertEquals(Optional.empty(), channels.poll(B), "one merged message, no backlog");
    }

    @Test
    void shouldSendEveryChannelsCompleteStateToANewNeighbourAndOnlyToIt() {
        // A and C are cut off from B, then the partition heals: A and C each gain a neighbour
        GossipChannels a = new GossipChannels(Routes.compute(Map.of(A, record(A, C), C, record(C, A)), A),
                new SplittableRandom(1), n -> {}, Duration.ofSeconds(30), T0);
        a.register("dns", new Recorder());
        a.register("ipam", new Recorder());
        a.routes(Routes.compute(Map.of(A, record(A, C), B, record(B), C, record(C, A)), A));
        assertEquals(Optional.empty(), a.poll(C), "no new neighbour, nothing sent");
        a.routes(Routes.compute(Map.of(A, record(A, B, C), B, record(B, A), C, record(C, A)), A));
        List<String> sent = new ArrayList<>();
        for (Optional<ChannelMessage> m = a.poll(B); m.isPresent(); m = a.poll(B)) {
            ChannelMessage.Gossip gossip = assertInstanceOf(ChannelMessage.Gossip.class, m.get());
            sent.add(gossip.channel() + "=" + new String(gossip.payload(), StandardCharsets.UTF_8));
        }
        assertEquals(List.of("dns=all", "ipam=all"), sent);
        assertEquals(Optional.empty(), a.poll(C), "the old neighbour is not sent it again");
    }

    @Test
    void shouldRelayUnicastHopByHopAndBroadcastOnce() {
        GossipChannels a = channels(A);
        GossipChannels b = channels(B);
        GossipChannels c = channels(C);
        Recorder atC = new Recorder();
        a.register("dns", new Recorder()).unicast(C, "hello".getBytes(StandardCharsets.UTF_8));
        b.register("dns", new Recorder());
        c.register("dns", atC);
        b.onMessage(A, roundTrip(a.poll(B).orElseThrow()));
        c.onMessage(B, roundTrip(b.poll(C).orElseThrow()));
        assertEquals(List.of(A + ":hello"), atC.unicasts);

        b.register("ipam", new Recorder()).broadcast(Names.of("x"));
        c.register("ipam", new Recorder());
        a.register("ipam", new Recorder());
        assertTrue(b.poll(A).isPresent() && b.poll(C).isPresent());
        a.onMessage(B, new ChannelMessage.Broadcast("ipam", B, "x".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Optional.empty(), a.poll(B), "a leaf does not send the broadcast back");
    }

    @Test
    void shouldRefuseUnicastsBeyondTheBytesBoundOfTheirNextHopAndTellTheChannel() {
        GossipChannels a = channels(A);
        Recorder ipam = new Recorder();
        Gossip gossip = a.register("ipam", ipam);
        byte[] largest = new byte[ChannelCodec.MAX_PAYLOAD];
        for (int i = 0; i < 4; i++) {
            gossip.unicast(C, largest);
        }
        assertEquals(List.of(), ipam.refused, "four of the largest fit");
        gossip.unicast(C, new byte[1]);
        assertEquals(List.of(C + ": the queue to next hop " + B + " is full (4 unicasts, 4194304 bytes)"), ipam.refused);
        assertEquals(1, a.refusedUnicasts());
        assertEquals(1, a.dropped());

        assertTrue(a.poll(B).isPresent());
        gossip.unicast(C, largest);
        assertEquals(1, a.refusedUnicasts(), "a written one makes room again");
    }

    @Test
    void shouldCountButNotTellOfARelayedUnicastThatDoesNotFit() {
        GossipChannels b = channels(B);
        Recorder ipam = new Recorder();
        b.register("ipam", ipam);
        byte[] largest = new byte[ChannelCodec.MAX_PAYLOAD];
        for (int i = 0; i < 5; i++) {
            b.onMessage(A, new ChannelMessage.Unicast("ipam", A, C, largest));
        }
        assertEquals(1, b.refusedUnicasts());
        assertEquals(List.of(), ipam.refused, "the source is another peer: only counted here");
    }

    @Test
    void shouldTellTheChannelOfAUnicastToAnUnreachablePeer() {
        GossipChannels a = channels(A);
        Recorder ipam = new Recorder();
        PeerName nowhere = new PeerName(9);
        a.register("ipam", ipam).unicast(nowhere, new byte[1]);
        assertEquals(List.of(nowhere + ": peer " + nowhere + " is unreachable"), ipam.refused);
        assertEquals(0, a.refusedUnicasts());
        assertEquals(1, a.dropped());
    }

    @Test
    void shouldStillRefuseTheThousandAndTwentyFifthSmallUnicast() {
        GossipChannels a = channels(A);
        Recorder ipam = new Recorder();
        Gossip gossip = a.register("ipam", ipam);
        for (int i = 0; i <= GossipChannels.MAX_PENDING_UNICASTS; i++) {
            gossip.unicast(C, new byte[1]);
        }
        assertEquals(1, a.refusedUnicasts());
        assertEquals(1, ipam.refused.size());
    }

    private static ChannelMessage roundTrip(ChannelMessage message) {
        var decoded = assertInstanceOf(Decoding.Decoded.class, ChannelCodec.decode(ChannelCodec.encode(message)));
        return (ChannelMessage) decoded.value();
    }

    @Test
    void codecShouldNeverThrowOnRandomBytes() {
        SplittableRandom random = new SplittableRandom(3);
        Set<String> refusals = new TreeSet<>();
        for (int i = 0; i < 20000; i++) {
            byte[] bytes = new byte[random.nextInt(40)];
            random.nextBytes(bytes);
            if (bytes.length > 0) {
                bytes[0] = 1;
            }
            int index = i;
            refusals.add(checkedDecode(bytes, () -> "random input " + index));
        }
        // random bytes rarely get past the channel name: valid messages with a few bytes changed go further
        List<byte[]> valid = List.of(
                ChannelCodec.encode(new ChannelMessage.Unicast("dns", A, C, "hello".getBytes(StandardCharsets.UTF_8))),
                ChannelCodec.encode(new ChannelMessage.Broadcast("ipam", B, new byte[] {1, 2, 3})),
                ChannelCodec.encode(new ChannelMessage.Gossip("ipam", new byte[0])));
        for (int i = 0; i < 20000; i++) {
            byte[] bytes = valid.get(i % valid.size()).clone();
            for (int changes = 1 + random.nextInt(3); changes > 0; changes--) {
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            }
            int index = i;
            refusals.add(checkedDecode(bytes, () -> "changed input " + index));
        }
        for (byte[] message : valid) {
            for (int length = 0; length < message.length; length++) {
                byte[] cut = Arrays.copyOf(message, length);
                assertInstanceOf(Decoding.Refused.class, decodeWithoutThrowing(cut, () -> "a truncated message"),
                        () -> HexFormat.of().formatHex(cut) + ", the start of " + HexFormat.of().formatHex(message));
            }
        }
        assertTrue(refusals.containsAll(Set.of("truncated channel message", "truncated channel name",
                "channel name is not printable ASCII", "unknown channel message version N",
                "unknown channel message type N", "channel payload length N with N bytes left", "decoded")),
                "the inputs reach every check: " + refusals);
    }

    /**
     * Decodes {@code bytes}, which must not throw; a refusal must say why, and accepted bytes must be exactly
     * what the encoder writes for the message. Returns the refusal's reason with numbers as N, or "decoded".
     */
    private static String checkedDecode(byte[] bytes, Supplier<String> name) {
        Supplier<String> input = () -> name.get() + " (" + HexFormat.of().formatHex(bytes) + ")";
        return switch (decodeWithoutThrowing(bytes, input)) {
            case Decoding.Refused<ChannelMessage>(String reason) -> {
                assertFalse(reason.isBlank(), () -> input.get() + " was refused without a reason");
                yield reason.replaceAll("-?[0-9]+", "N");
            }
            case Decoding.Decoded<ChannelMessage>(ChannelMessage message) -> {
                assertArrayEquals(bytes, ChannelCodec.encode(message), () -> input.get() + " was accepted but is not canonical");
                yield "decoded";
            }
        };
    }

    private static Decoding<ChannelMessage> decodeWithoutThrowing(byte[] bytes, Supplier<String> input) {
        Decoding<ChannelMessage> result = assertDoesNotThrow(() -> ChannelCodec.decode(bytes), () -> input.get() + " threw");
        assertNotNull(result, () -> input.get() + " decoded to null");
        return result;
    }
}

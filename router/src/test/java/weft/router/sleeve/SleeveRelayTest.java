package weft.router.sleeve;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import weft.router.sleeve.SleeveCounters.Counter;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A line of three peers, A - B - C, where A and C have no connection: frames between them are relayed by B, and
 * sealed hop by hop. Driven one duty cycle at a time.
 */
class SleeveRelayTest {
    private static final long A = 0x0a0000000001L, B = 0x0b0000000002L, C = 0x0c0000000003L;
    private static final long MAC_A = 0x02aa00000001L, MAC_C = 0x02cc00000003L, BROADCAST = 0xffffffffffffL;

    /** Routes given as tables, as the topology would compute them for the line. */
    private record TableRoutes(Map<Long, SleevePeer> next, Map<Long, SleevePeer[]> broadcast) implements SleeveRoutes {
        @Override
        public SleevePeer nextHop(long destination) {
            return next.get(destination);
        }

        @Override
        public SleevePeer[] broadcastHops(long origin) {
            return broadcast.getOrDefault(origin, new SleevePeer[0]);
        }

        @Override
        public long[] destinations() {
            return next.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
        }
    }

    /** B's datagrams carry less than A's: a relay whose onward path is narrower than the one frames came by. */
    private static final int PAYLOAD_A = 1400, PAYLOAD_B = 600;
    private final Node a = new Node(A, PAYLOAD_A), b = new Node(B, PAYLOAD_B), c = new Node(C, PAYLOAD_A);

    private static final class Node {
        final long name;
        final QueueFramePort port = new QueueFramePort();
        final SleevePeers neighbours = new SleevePeers();
        final MacTable macs = new MacTable(60_000_000_000L);
        final SleeveCounters counters = new SleeveCounters();
        final DatagramChannel udp;
        final SleeveForwarder forwarder;

        Node(long name, int datagramPayload) {
            this.name = name;
            try {
                udp = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            forwarder = new SleeveForwarder(name, port, new ChannelSleeveSocket(udp), neighbours, macs, counters, () -> 0L, 9000, datagramPayload);
        }

        InetSocketAddress address() {
            try {
                return (InetSocketAddress) udp.getLocalAddress();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private SleevePeer abAtA, baAtB, bcAtB, cbAtC;

    @BeforeEach
    void wireTheLine() {
        // One cipher object per direction of a pair: the sealing side's and the opening side's are the same toy.
        ab = new ToyCipher();
        ToyCipher ba = new ToyCipher(), bc = new ToyCipher(), cb = new ToyCipher();
        abAtA = new SleevePeer(B, "b", b.address(), new Pair(ab, ba));
        baAtB = new SleevePeer(A, "a", a.address(), new Pair(ba, ab));
        bcAtB = new SleevePeer(C, "c", c.address(), new Pair(bc, cb));
        cbAtC = new SleevePeer(B, "b", b.address(), new Pair(cb, bc));
        a.neighbours.put(abAtA);
        b.neighbours.put(baAtB);
        b.neighbours.put(bcAtB);
        c.neighbours.put(cbAtC);
        a.forwarder.routes(new TableRoutes(Map.of(B, abAtA, C, abAtA), Map.of(A, new SleevePeer[]{abAtA})));
        b.forwarder.routes(new TableRoutes(Map.of(A, baAtB, C, bcAtB), Map.of(A, new SleevePeer[]{bcAtB}, C, new SleevePeer[]{baAtB})));
        c.forwarder.routes(new TableRoutes(Map.of(A, cbAtC, B, cbAtC), Map.of(C, new SleevePeer[]{cbAtC})));
    }

    private ToyCipher ab;

    /** Seals with our direction's cipher, opens with the peer's direction's. */
    private record Pair(ToyCipher out, ToyCipher in) implements SleeveCipher {
        @Override
        public void seal(java.lang.foreign.MemorySegment clear, java.lang.foreign.MemorySegment sealed, int frameLength, int lane) {
            out.seal(clear, sealed, frameLength, lane);
        }

        @Override
        public long fragmentToken() {
            return out.fragmentToken();
        }

        @Override
        public Opened admitFragment(long token, long sequence) {
            return in.admitFragment(token, sequence);
        }

        @Override
        public Opened open(java.lang.foreign.MemorySegment datagram, int frameLength, long sequence) {
            return in.open(datagram, frameLength, sequence);
        }
    }

    @AfterEach
    void close() throws InterruptedException {
        a.forwarder.close();
        b.forwarder.close();
        c.forwarder.close();
    }

    private static byte[] frame(long destination, long source, int length) {
        byte[] frame = new byte[length];
        for (int i = 0; i < 6; i++) {
            frame[i] = (byte) (destination >>> (40 - 8 * i));
            frame[6 + i] = (byte) (source >>> (40 - 8 * i));
        }
        for (int i = 12; i < length; i++) frame[i] = (byte) (i * 7);
        return frame;
    }

    @Test
    void unicastBetweenUnconnectedPeersIsRelayedByTheMiddleOne() throws Exception {
        a.macs.learn(MAC_C, C, 0);
        byte[] sent = frame(MAC_C, MAC_A, 300);
        a.port.fromBridge.add(sent);
        a.forwarder.pumpLocalFrame(1000);
        assertEquals(0, b.forwarder.receiveDatagram());
        assertEquals(1, b.counters.get(Counter.FRAMES_RELAYED));
        assertNull(b.port.toBridge.poll(), "the relay must not deliver a frame meant for another peer");
        assertEquals(1, c.forwarder.receiveDatagram());
        assertArrayEquals(sent, c.port.takeWritten());
        assertEquals(A, c.macs.lookup(MAC_A, 0), "C learns the frame's origin, not the relay");
    }

    @Test
    void whileTheFastPathReachesANeighbourAFloodGoesByItselfToTheOthersOnly() throws Exception {
        a.forwarder.fastPeers(new long[]{B}, new long[0]); // at once, not only once settled
        byte[] sent = frame(BROADCAST, MAC_A, 120);
        a.port.fromBridge.add(sent);
        a.forwarder.pumpLocalFrame(1000);
        assertEquals(0, b.forwarder.receiveDatagram(), "B has it from the kernel: the sleeve copy only passes through");
        assertNull(b.port.toBridge.poll());
        assertEquals(1, b.counters.get(Counter.FRAMES_RELAYED));
        assertEquals(1, c.forwarder.receiveDatagram());
        assertArrayEquals(sent, c.port.takeWritten());
        assertEquals(0, c.counters.get(Counter.FRAMES_RELAYED));
        assertEquals(1, a.counters.get(Counter.FRAMES_SENT), "one copy, addressed to C, through B");
    }

    @Test
    void aFrameForAPeerOnTheFastPathIsCarriedUntilThePairSettlesThenLeftToTheKernel() throws Exception {
        long macB = 0x02bb00000002L;
        a.macs.learn(macB, B, 0);
        a.forwarder.fastPeers(new long[]{B}, new long[0]);
        a.port.fromBridge.add(frame(macB, MAC_A, 200));
        a.forwarder.pumpLocalFrame(1000);
        assertEquals(1, b.forwarder.receiveDatagram(), "just fast: B may still send its replies by sleeve");
        assertEquals(0, a.counters.get(Counter.FRAMES_LEFT_TO_FAST_PATH));

        a.forwarder.fastPeers(new long[]{B}, new long[]{B});
        a.port.fromBridge.add(frame(macB, MAC_A, 200));
        a.forwarder.pumpLocalFrame(1000);
        assertEquals(1, a.counters.get(Counter.FRAMES_LEFT_TO_FAST_PATH));
        assertEquals(1, a.counters.get(Counter.FRAMES_SENT), "only the frame before the pair settled");

        a.macs.learn(MAC_C, C, 0);
        a.port.fromBridge.add(frame(MAC_C, MAC_A, 200));
        a.forwarder.pumpLocalFrame(1000);
        assertEquals(0, b.forwarder.receiveDatagram());
        assertEquals(1, c.forwarder.receiveDatagram(), "a peer beyond the fast one is still reached by sleeve");
    }

    @Test
    void broadcastReachesEveryPeerOnceAlongTheTree() throws Exception {
        byte[] sent = frame(BROADCAST, MAC_A, 120);
        a.port.fromBridge.add(sent);
        a.forwarder.pumpLocalFrame(1000);
        assertEquals(1, b.forwarder.receiveDatagram());
        assertArrayEquals(sent, b.port.takeWritten());
        assertEquals(1, c.forwarder.receiveDatagram());
        assertArrayEquals(sent, c.port.takeWritten());
        assertEquals(1, a.counters.get(Counter.FRAMES_SENT));
        assertEquals(1, b.counters.get(Counter.FRAMES_RELAYED));
        assertEquals(0, c.counters.get(Counter.FRAMES_RELAYED), "C is a leaf of A's tree");
    }

    @Test
    void aLargeFrameIsSealedOnceCutIntoFragmentsAndCutAgainForTheRelaysNarrowerPath() throws Exception {
        a.macs.learn(MAC_C, C, 0);
        byte[] sent = frame(MAC_C, MAC_A, 4000);
        a.port.fromBridge.add(sent);
        a.forwarder.pumpLocalFrame(1000);
        assertEquals(1, ab.sealed(), "the frame is sealed once, not once per fragment");
        int fromA = fragments(4000, PAYLOAD_A);
        assertEquals(fromA, a.counters.get(Counter.FRAGMENTS_SENT));
        for (int i = 0; i < fromA; i++) assertEquals(0, b.forwarder.receiveDatagram());
        assertEquals(1, b.counters.get(Counter.FRAMES_REASSEMBLED));
        assertEquals(1, b.counters.get(Counter.FRAMES_RELAYED));
        int fromB = fragments(4000, PAYLOAD_B);
        assertEquals(fromB, b.counters.get(Counter.FRAGMENTS_SENT), "B cuts the frame for its own path");
        for (int i = 0; i < fromB - 1; i++) assertEquals(0, c.forwarder.receiveDatagram());
        assertEquals(1, c.forwarder.receiveDatagram());
        assertArrayEquals(sent, c.port.takeWritten());
        assertEquals(A, c.macs.lookup(MAC_A, 0));
    }

    @Test
    void aBatchOfSmallFramesIsRelayedWholeAndDeliveredFrameByFrame() throws Exception {
        a.macs.learn(MAC_C, C, 0);
        java.util.List<byte[]> sent = java.util.List.of(frame(MAC_C, MAC_A, 64), frame(MAC_C, MAC_A, 150), frame(MAC_C, MAC_A, 90));
        a.port.fromBridge.addAll(sent);
        assertEquals(3, a.forwarder.pumpLocalFrame(1000));
        assertEquals(1, a.counters.get(Counter.FRAMES_SENT));
        assertEquals(0, b.forwarder.receiveDatagram());
        assertEquals(1, b.counters.get(Counter.FRAMES_RELAYED), "one datagram passed on");
        assertNull(b.port.toBridge.poll());
        assertEquals(A, b.macs.lookup(MAC_A, 0), "the relay learns the frames' source too");
        assertEquals(3, c.forwarder.receiveDatagram());
        for (byte[] frame : sent) assertArrayEquals(frame, c.port.takeWritten());
    }

    /** The fragments a sealed payload of {@code length} bytes needs where a whole datagram carries {@code payload} bytes. */
    private static int fragments(int length, int payload) {
        int share = payload + SleeveHeader.TAG_LENGTH - SleeveHeader.FRAGMENT_LENGTH;
        return (length + SleeveHeader.TAG_LENGTH + share - 1) / share;
    }

    @Test
    void fragmentsWithoutThePairsTokenTamperedOrReplayedNeverReachThePort() throws Exception {
        DatagramChannel capture = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        a.neighbours.put(new SleevePeer(B, "b", (InetSocketAddress) capture.getLocalAddress(), abAtA.cipher()));
        a.forwarder.routes(new DirectRoutes(A, a.neighbours));
        byte[] sent = frame(BROADCAST, MAC_A, 3000);
        a.port.fromBridge.add(sent);
        a.forwarder.pumpLocalFrame(1000);
        int count = fragments(3000, PAYLOAD_A);
        byte[][] fragments = new byte[count][];
        for (int i = 0; i < count; i++) {
            ByteBuffer captured = ByteBuffer.allocate(2048);
            capture.receive(captured);
            fragments[i] = java.util.Arrays.copyOf(captured.array(), captured.position());
        }
        DatagramChannel wire = DatagramChannel.open();

        for (byte[] fragment : fragments) {
            byte[] forged = fragment.clone();
            forged[SleeveHeader.TOKEN_OFFSET + 7] ^= 1;
            forged[SleeveHeader.LENGTH + SleeveHeader.FRAGMENT_LENGTH + 5] ^= 1;
            wire.send(ByteBuffer.wrap(forged), b.address());
            assertEquals(0, b.forwarder.receiveDatagram());
        }
        assertEquals(count, b.counters.get(Counter.DROPPED_WRONG_FRAGMENT_TOKEN), "refused before reassembly");

        byte[] tampered = fragments[count - 1].clone();
        tampered[tampered.length - 1] ^= 1;
        for (int i = 0; i < count; i++) {
            wire.send(ByteBuffer.wrap(i == count - 1 ? tampered : fragments[i]), b.address());
            assertEquals(0, b.forwarder.receiveDatagram());
        }
        assertEquals(1, b.counters.get(Counter.DROPPED_AUTHENTICATION_FAILED), "a fragment is authenticated with its frame");

        for (int i = 0; i < count; i++) {
            wire.send(ByteBuffer.wrap(fragments[i]), b.address());
            assertEquals(i == count - 1 ? 1 : 0, b.forwarder.receiveDatagram());
        }
        assertArrayEquals(sent, b.port.takeWritten());
        assertNull(b.port.toBridge.poll());

        for (byte[] fragment : fragments) {
            wire.send(ByteBuffer.wrap(fragment), b.address());
            assertEquals(0, b.forwarder.receiveDatagram());
        }
        assertEquals(count, b.counters.get(Counter.DROPPED_REPLAYED), "each replayed fragment, before reassembly");
        assertNull(b.port.toBridge.poll());
        wire.close();
        capture.close();
    }

    @Test
    void replayedTamperedAndClearDatagramsFromAnEncryptingNeighbourAreDropped() throws Exception {
        DatagramChannel capture = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        a.neighbours.put(new SleevePeer(B, "b", (InetSocketAddress) capture.getLocalAddress(), abAtA.cipher()));
        a.forwarder.routes(new DirectRoutes(A, a.neighbours));
        a.port.fromBridge.add(frame(BROADCAST, MAC_A, 100));
        a.forwarder.pumpLocalFrame(1000);
        ByteBuffer captured = ByteBuffer.allocate(2048);
        capture.receive(captured);
        captured.flip();
        byte[] datagram = new byte[captured.remaining()];
        captured.get(datagram);

        DatagramChannel wire = DatagramChannel.open();
        wire.send(ByteBuffer.wrap(datagram), b.address());
        assertEquals(1, b.forwarder.receiveDatagram());
        wire.send(ByteBuffer.wrap(datagram), b.address());
        assertEquals(0, b.forwarder.receiveDatagram());
        assertEquals(1, b.counters.get(Counter.DROPPED_REPLAYED));

        byte[] tampered = datagram.clone();
        tampered[SleeveHeader.LENGTH + 20] ^= 1;
        wire.send(ByteBuffer.wrap(tampered), b.address());
        assertEquals(0, b.forwarder.receiveDatagram());
        assertEquals(1, b.counters.get(Counter.DROPPED_AUTHENTICATION_FAILED));

        byte[] clear = new byte[SleeveHeader.LENGTH + 60];
        SleeveHeader.write(java.lang.foreign.MemorySegment.ofArray(clear), true, A, A, 0, 60);
        wire.send(ByteBuffer.wrap(clear), b.address());
        assertEquals(0, b.forwarder.receiveDatagram());
        assertEquals(1, b.counters.get(Counter.DROPPED_NOT_SEALED));
        wire.close();
        capture.close();
    }
}

package weft.router.sleeve;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import weft.router.sleeve.SleeveCounters.Counter;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Two sealed forwarders over loopback whose probes cross a simulated path; the clock is a number the test moves. */
class SleevePathDiscoveryTest {
    private static final long A = 0x0a0000000001L, B = 0x0b0000000002L;
    private static final long MAC_A = 0x02aa00000001L, MAC_B = 0x02bb00000002L;
    private static final long SECOND = 1_000_000_000L;

    private final SleevePeers peersA = new SleevePeers(), peersB = new SleevePeers();
    private final MacTable macsA = new MacTable(60 * SECOND), macsB = new MacTable(60 * SECOND);
    private final SleeveCounters countersA = new SleeveCounters(), countersB = new SleeveCounters();
    private final AtomicLong clock = new AtomicLong();
    private final QueueFramePort portA = new QueueFramePort(0), portB = new QueueFramePort(0);
    private SleeveForwarder a, b;

    /** Probes up to {@code carries} bytes arrive, larger ones vanish (a bridge port with a smaller MTU); above {@code kernelKnows} the kernel refuses. */
    private static final class SimulatedPath implements DontFragmentSender {
        final DatagramChannel channel;
        final int carries, kernelKnows;
        int delivered;

        SimulatedPath(int carries, int kernelKnows) throws IOException {
            channel = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            this.carries = carries;
            this.kernelKnows = kernelKnows;
        }

        @Override
        public int send(InetSocketAddress to, MemorySegment datagram, int length) {
            int mtu = length + 28;
            if (kernelKnows != 0 && mtu > kernelKnows) return kernelKnows;
            if (mtu > carries) return SENT;
            try {
                channel.send(datagram.asSlice(0, length).asByteBuffer(), to);
                delivered++;
                return SENT;
            } catch (IOException e) {
                return -1;
            }
        }

        @Override
        public int pathMtu(InetSocketAddress to) {
            return kernelKnows;
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing a test channel
            }
        }

        static final int SENT = PathMtu.Prober.SENT;
    }

    private SimulatedPath pathA, pathB;
    /** Whether the pair travels in clear (trusted subnets or no password) instead of sealed. */
    private boolean inClear;

    private void wire(int carriesAtoB, int kernelA, int carriesBtoA, int kernelB) throws IOException {
        wire(carriesAtoB, kernelA, carriesBtoA, kernelB, 1424, SleeveForwarder.DEFAULT_DATAGRAM_PAYLOAD);
    }

    /** @param datagramPayload what both forwarders believe a datagram may carry before probing a path */
    private void wire(int carriesAtoB, int kernelA, int carriesBtoA, int kernelB, int maxFrame, int datagramPayload) throws IOException {
        DatagramChannel udpA = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        DatagramChannel udpB = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        udpA.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
        udpB.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
        a = new SleeveForwarder(A, portA, new ChannelSleeveSocket(udpA), peersA, macsA, countersA, clock::get, maxFrame, datagramPayload);
        b = new SleeveForwarder(B, portB, new ChannelSleeveSocket(udpB), peersB, macsB, countersB, clock::get, maxFrame, datagramPayload);
        pathA = new SimulatedPath(carriesAtoB, kernelA);
        pathB = new SimulatedPath(carriesBtoA, kernelB);
        a.discoverPathMtu(pathA);
        b.discoverPathMtu(pathB);
        SealedPair[] pair = inClear ? new SealedPair[2] : SealedPairTest.pair();
        peersA.put(new SleevePeer(B, "b", (InetSocketAddress) udpB.getLocalAddress(), pair[0]));
        peersB.put(new SleevePeer(A, "a", (InetSocketAddress) udpA.getLocalAddress(), pair[1]));
        macsA.learn(MAC_B, B, 0);
    }

    @AfterEach
    void close() throws InterruptedException {
        if (a != null) a.close();
        if (b != null) b.close();
    }

    private static void receive(SleeveForwarder forwarder, int datagrams) throws IOException {
        for (int i = 0; i < datagrams; i++) forwarder.receiveDatagram();
    }

    /** An Ethernet frame of {@code length} bytes with an IPv4 header, don't-fragment set or not. */
    private static byte[] ipv4Frame(int length, boolean dontFragment) {
        ByteBuffer bytes = ByteBuffer.allocate(length);
        for (int i = 0; i < 6; i++) bytes.put((byte) (MAC_B >>> (40 - 8 * i)));
        for (int i = 0; i < 6; i++) bytes.put((byte) (MAC_A >>> (40 - 8 * i)));
        bytes.putShort((short) 0x0800).put((byte) 0x45).put((byte) 0).putShort((short) (length - 14)).putShort((short) 7)
                .putShort((short) (dontFragment ? 0x4000 : 0)).put((byte) 64).put((byte) 6).putShort((short) 0)
                .put(new byte[]{10, 97, 0, 1}).put(new byte[]{10, 97, 0, 2});
        while (bytes.hasRemaining()) bytes.put((byte) bytes.position());
        return bytes.array();
    }

    /** A learns a 1280 path to B that silently drops more: its probes round, B's acknowledgements, the round closing. */
    private void discoverBlackHoledPath() throws IOException {
        wire(1280, 0, 1500, 0);
        a.pumpLocalFrame(0);
        assertEquals(11, pathA.delivered, "probes of 1280 bytes and less arrive");
        receive(b, pathA.delivered);
        assertEquals(11, countersB.get(Counter.PMTU_PROBES_ANSWERED));
        receive(a, pathA.delivered);
        assertEquals(11, countersA.get(Counter.PMTU_PROBES_ACKNOWLEDGED));
        assertEquals(Map.of(B, 1500), a.pathMtus(), "believed until the round closes");
        clock.set(PathDiscovery.PROBE_ACK_WAIT_NANOS);
        a.pumpLocalFrame(0);
        assertEquals(Map.of(B, 1280), a.pathMtus());
        assertEquals(1, countersA.get(Counter.PATH_MTU_LOWERED));
    }

    @Test
    void shouldLearnAPathThatDropsLargeDatagramsFromTheAcknowledgedProbes() throws IOException {
        discoverBlackHoledPath();
    }

    @Test
    void shouldLearnAClearPathFromTheNeighboursAcknowledgementsAndNotFromForgedOnes() throws IOException {
        inClear = true;
        wire(1280, 0, 1500, 0);
        a.pumpLocalFrame(0);
        receive(b, pathA.delivered);
        assertEquals(11, countersB.get(Counter.PMTU_PROBES_ANSWERED), "probes leave A by another port than its endpoint's");
        byte[] forged = new byte[SleeveHeader.LENGTH + SleeveHeader.MIN_FRAME];
        SleeveHeader.writeProbe(MemorySegment.ofArray(forged), true, B, A, 1, 1500, SleeveHeader.MIN_FRAME);
        try (DatagramChannel forger = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            forger.send(ByteBuffer.wrap(forged), peersB.find(A).endpoint());
        }
        receive(a, pathA.delivered + 1);
        assertEquals(11, countersA.get(Counter.PMTU_PROBES_ACKNOWLEDGED));
        assertEquals(1, countersA.get(Counter.DROPPED_WRONG_SOURCE));
        clock.set(PathDiscovery.PROBE_ACK_WAIT_NANOS);
        a.pumpLocalFrame(0);
        assertEquals(Map.of(B, 1280), a.pathMtus(), "the forged acknowledgement of 1500 bytes in round 1 changed nothing");
    }

    @Test
    void shouldNotAnswerAProbeThatIsNotAsLargeAsTheMtuItClaims() throws IOException {
        inClear = true;
        wire(1280, 0, 1500, 0);
        a.pumpLocalFrame(0);
        receive(b, pathA.delivered);
        long answered = countersB.get(Counter.PMTU_PROBES_ANSWERED);
        // from A's host, as probes come, but short: it claims 9000 bytes and carries the least a datagram may
        byte[] forged = new byte[SleeveHeader.LENGTH + SleeveHeader.MIN_FRAME];
        SleeveHeader.writeProbe(MemorySegment.ofArray(forged), false, A, B, 1, 9000, SleeveHeader.MIN_FRAME);
        SleeveHeader.markClear(MemorySegment.ofArray(forged));
        try (DatagramChannel forger = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            forger.send(ByteBuffer.wrap(forged), peersA.find(B).endpoint());
        }
        receive(b, 1);
        assertEquals(answered, countersB.get(Counter.PMTU_PROBES_ANSWERED), "a short probe claiming 9000 bytes was acknowledged");
        assertEquals(1, countersB.get(Counter.DROPPED_BAD_PROBE));
    }

    @Test
    void shouldLowerAtOnceWhenTheKernelRefusesTheLargeProbes() throws IOException {
        wire(1500, 0, 1280, 1280);
        b.pumpLocalFrame(0);
        assertEquals(Map.of(A, 1280), b.pathMtus());
        assertEquals(1, countersB.get(Counter.PATH_MTU_LOWERED));
    }

    @Test
    void shouldAnswerAFrameWithDontFragmentTooLargeForThePathWithIcmp() throws Exception {
        discoverBlackHoledPath();
        long sentBefore = countersA.get(Counter.FRAMES_SENT);
        portA.fromBridge.add(ipv4Frame(1424, true));
        a.pumpLocalFrame(1000);
        byte[] reply = portA.takeWritten();
        assertEquals(70, reply.length);
        assertEquals(3, reply[34]);
        assertEquals(4, reply[35]);
        assertEquals(1280 - PathMtu.OVERHEAD - 14, ((reply[40] & 0xFF) << 8) | (reply[41] & 0xFF));
        assertEquals(1, countersA.get(Counter.FRAG_NEEDED_SENT));
        assertEquals(sentBefore, countersA.get(Counter.FRAMES_SENT), "the frame itself is not sent");
    }

    @Test
    void shouldSplitAFrameWithoutDontFragmentToFitThePath() throws Exception {
        discoverBlackHoledPath();
        assertArrivesWholeFromFragments(ipv4Frame(1424, false), 2);
        assertEquals(0, countersA.get(Counter.FRAG_NEEDED_SENT));
    }

    /** Sends {@code frame} from A's bridge; it must leave as {@code fragments} datagrams and reach B's bridge whole. */
    private void assertArrivesWholeFromFragments(byte[] frame, int fragments) throws Exception {
        portA.fromBridge.add(frame);
        a.pumpLocalFrame(1000);
        assertEquals(fragments, countersA.get(Counter.FRAGMENTS_SENT));
        receive(b, fragments);
        assertArrayEquals(frame, portB.takeWritten());
    }

    @Test
    void shouldFitAFrameUnderThePathInOneDatagramAsBefore() throws Exception {
        discoverBlackHoledPath();
        byte[] frame = ipv4Frame(1280 - PathMtu.OVERHEAD, true);
        portA.fromBridge.add(frame);
        a.pumpLocalFrame(1000);
        receive(b, 1);
        assertArrayEquals(frame, portB.takeWritten());
        assertEquals(0, countersA.get(Counter.FRAGMENTS_SENT));
        assertEquals(0, countersA.get(Counter.FRAG_NEEDED_SENT));
        assertEquals(Arrays.asList(), Arrays.asList(portA.toBridge.toArray()));
    }

    /** A jumbo overlay (9000-byte underlay: 8910 MTU, 8924-byte frames) towards B whose path carries only 1500 bytes. */
    private void discoverA1500PathFromAJumboUnderlay() throws IOException {
        wire(1500, 0, 9000, 0, JUMBO_FRAME, JUMBO_FRAME);
        a.pumpLocalFrame(0);
        assertEquals(25, pathA.delivered, "every probe but the 9000-byte one arrives");
        receive(b, pathA.delivered);
        receive(a, pathA.delivered);
        clock.set(PathDiscovery.PROBE_ACK_WAIT_NANOS);
        a.pumpLocalFrame(0);
        assertEquals(Map.of(B, 1500), a.pathMtus());
    }

    private static final int JUMBO_FRAME = 9000 - PathMtu.OVERHEAD;

    @Test
    void shouldCarryAJumboFrameWholeInOneDatagramOnAJumboPath() throws Exception {
        wire(9000, 0, 9000, 0, JUMBO_FRAME, JUMBO_FRAME);
        byte[] frame = ipv4Frame(JUMBO_FRAME, true);
        portA.fromBridge.add(frame);
        a.pumpLocalFrame(1000);
        receive(b, pathA.delivered + 1); // the first round's probes come first
        assertArrayEquals(frame, portB.takeWritten());
        assertEquals(0, countersA.get(Counter.FRAGMENTS_SENT));
    }

    @Test
    void shouldSplitAJumboFrameIntoSevenFragmentsForA1500Path() throws Exception {
        discoverA1500PathFromAJumboUnderlay();
        assertArrivesWholeFromFragments(ipv4Frame(JUMBO_FRAME, false), 7); // 8924 bytes in shares of at most 1500 - 76 - 8
        assertEquals(1, countersB.get(Counter.FRAMES_REASSEMBLED));
    }

    @Test
    void shouldAnswerAJumboFrameWithDontFragmentWithTheOverlayMtuOfA1500Path() throws Exception {
        discoverA1500PathFromAJumboUnderlay();
        portA.fromBridge.add(ipv4Frame(JUMBO_FRAME, true));
        a.pumpLocalFrame(1000);
        byte[] reply = portA.takeWritten();
        assertEquals(1410, ((reply[40] & 0xFF) << 8) | (reply[41] & 0xFF), "a 1500 path carries the 1410 overlay");
        assertEquals(0, countersA.get(Counter.FRAGMENTS_SENT));
    }
}

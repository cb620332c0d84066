package weft.router.sleeve;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import weft.router.sleeve.SleeveCounters.Counter;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Forwarders whose ports carry a virtio_net_hdr, as the TAP with offloads does, over loopback sockets. */
class SleeveOffloadTest {
    private static final long A = 0x0a0000000001L, B = 0x0b0000000002L;
    private static final long MAC_A = 0x02aa00000001L, MAC_B = 0x02bb00000002L;
    private static final long AGE = 60_000_000_000L;
    private static final int VNET = VnetHeader.LENGTH;

    private final SleevePeers peersA = new SleevePeers(), peersB = new SleevePeers();
    private final MacTable macsA = new MacTable(AGE), macsB = new MacTable(AGE);
    private final SleeveCounters countersA = new SleeveCounters(), countersB = new SleeveCounters();
    private QueueFramePort portA, portB;
    private DatagramChannel udpA, udpB;
    private SleeveForwarder a, b;

    private void wire(int vnetA, int vnetB, boolean sealed) throws IOException {
        portA = new QueueFramePort(vnetA);
        portB = new QueueFramePort(vnetB);
        udpA = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        udpB = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        udpB.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
        a = new SleeveForwarder(A, portA, new ChannelSleeveSocket(udpA), peersA, macsA, countersA,
                () -> 0L, 1424, SleeveForwarder.DEFAULT_DATAGRAM_PAYLOAD);
        b = new SleeveForwarder(B, portB, new ChannelSleeveSocket(udpB), peersB, macsB, countersB,
                () -> 0L, 1424, SleeveForwarder.DEFAULT_DATAGRAM_PAYLOAD);
        SealedPair[] pair = sealed ? SealedPairTest.pair() : new SealedPair[2];
        peersA.put(new SleevePeer(B, "b", (InetSocketAddress) udpB.getLocalAddress(), pair[0]));
        peersB.put(new SleevePeer(A, "a", (InetSocketAddress) udpA.getLocalAddress(), pair[1]));
        macsA.learn(MAC_B, B, 0);
    }

    @AfterEach
    void close() throws InterruptedException {
        if (a != null) a.close();
        if (b != null) b.close();
    }

    /** A virtio_net_hdr and an IPv4/TCP frame of {@code frameLength} bytes behind it. */
    private static byte[] withVnet(int flags, int gsoType, int gsoSize, int frameLength) {
        ByteBuffer bytes = ByteBuffer.allocate(VNET + frameLength);
        bytes.order(ByteOrder.LITTLE_ENDIAN);
        bytes.put((byte) flags).put((byte) gsoType).putShort((short) 54).putShort((short) gsoSize)
                .putShort((short) 34).putShort((short) 16); // csum_start: past Ethernet and IPv4; csum_offset: TCP's
        bytes.order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < 6; i++) bytes.put((byte) (MAC_B >>> (40 - 8 * i)));
        for (int i = 0; i < 6; i++) bytes.put((byte) (MAC_A >>> (40 - 8 * i)));
        bytes.putShort((short) 0x0800);
        for (int i = VNET + 14; i < bytes.capacity(); i++) bytes.put((byte) (i * 7));
        return bytes.array();
    }

    private int receiveUntilAFrame(SleeveForwarder forwarder, int atMost) throws IOException {
        for (int i = 1; i <= atMost; i++) {
            if (forwarder.receiveDatagram() == 1) return i;
        }
        throw new AssertionError("no frame within " + atMost + " datagrams: " + countersB.snapshot());
    }

    @Test
    void aSixtyFourKilobyteSegmentCrossesASealedPairWithItsVnetHeader() throws Exception {
        wire(VNET, VNET, true);
        byte[] sent = withVnet(VnetHeader.F_NEEDS_CSUM, 1, 1398, 65_535 - 20 + 14);
        portA.fromBridge.add(sent);
        assertEquals(1, a.pumpLocalFrame(1000));
        int fragments = (int) countersA.get(Counter.FRAGMENTS_SENT);
        assertEquals((sent.length + 1415) / 1416, fragments);
        assertEquals(fragments, receiveUntilAFrame(b, fragments));
        assertArrayEquals(sent, portB.takeWritten());
        assertEquals(1, countersB.get(Counter.FRAMES_REASSEMBLED));
        assertEquals(A, macsB.lookup(MAC_A, 0));
        assertEquals(0, countersB.get(Counter.DROPPED_AUTHENTICATION_FAILED));
    }

    @Test
    void aSmallFrameLeavesItsVnetHeaderBehindWithItsChecksumDone() throws Exception {
        wire(VNET, 0, false);
        byte[] sent = withVnet(VnetHeader.F_NEEDS_CSUM, 0, 0, 100);
        portA.fromBridge.add(sent);
        a.pumpLocalFrame(1000);
        assertEquals(1, b.receiveDatagram());
        byte[] received = portB.takeWritten();
        assertEquals(100, received.length);
        byte[] expected = Arrays.copyOfRange(sent, VNET, sent.length);
        // the one's complement sum over the TCP part, checksum included, is 0xFFFF once completed
        long sum = ((expected[50] & 0xFF) << 8) | (expected[51] & 0xFF); // the pseudo-header sum the kernel left there
        for (int i = 34; i < received.length; i += 2) sum += ((received[i] & 0xFF) << 8) | (i + 1 < received.length ? received[i + 1] & 0xFF : 0);
        while ((sum >>> 16) != 0) sum = (sum & 0xFFFF) + (sum >>> 16);
        assertEquals(0xFFFF, sum);
        received[50] = expected[50];
        received[51] = expected[51];
        assertArrayEquals(expected, received);
        assertEquals(0, countersA.get(Counter.FRAGMENTS_SENT));
    }

    @Test
    void aPortWithVnetHeadersGetsAnEmptyOneForAFrameFromAPlainPort() throws Exception {
        wire(0, VNET, true);
        byte[] frame = Arrays.copyOfRange(withVnet(0, 0, 0, 1424), VNET, VNET + 1424);
        portA.fromBridge.add(frame);
        a.pumpLocalFrame(1000);
        assertEquals(1, b.receiveDatagram());
        byte[] received = portB.takeWritten();
        assertArrayEquals(new byte[VNET], Arrays.copyOf(received, VNET));
        assertArrayEquals(frame, Arrays.copyOfRange(received, VNET, received.length));
    }

    @Test
    void aSegmentForAPortThatCannotSegmentIsCountedAndDropped() throws Exception {
        wire(VNET, 0, false);
        portA.fromBridge.add(withVnet(VnetHeader.F_NEEDS_CSUM, 1, 1398, 5000));
        a.pumpLocalFrame(1000);
        int fragments = (int) countersA.get(Counter.FRAGMENTS_SENT);
        for (int i = 0; i < fragments; i++) assertEquals(0, b.receiveDatagram());
        assertEquals(1, countersB.get(Counter.DROPPED_NEEDS_OFFLOAD));
    }

    @Test
    void aFrameMissingAFragmentIsGivenUpWhenTheSendersShareIsUsed() throws Exception {
        wire(VNET, VNET, true);
        for (int frame = 0; frame <= ReceiveLane.REASSEMBLY_PER_SENDER; frame++) {
            portA.fromBridge.add(withVnet(0, 1, 1398, 4000));
            a.pumpLocalFrame(1000);
            b.receiveDatagram(); // only the first fragment of each
            udpB.configureBlocking(false);
            while (udpB.receive(ByteBuffer.allocate(2048)) != null) {
                // the rest is lost
            }
            udpB.configureBlocking(true);
        }
        assertEquals(1, countersB.get(Counter.DROPPED_REASSEMBLY_GIVEN_UP));
        assertEquals(0, countersB.get(Counter.FRAMES_TO_TAP));
    }
}

package weft.router.sleeve;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import weft.router.sleeve.SleeveCounters.Counter;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small frames the port has ready together share a datagram; the peer delivers each, in order. */
class SleeveBatchTest {
    private static final long A = 0x0a0000000001L, B = 0x0b0000000002L, C = 0x0c0000000003L;
    private static final long MAC_A = 0x02aa00000001L, MAC_B = 0x02bb00000002L, MAC_C = 0x02cc00000003L;
    private static final long AGE = 60_000_000_000L;

    private final QueueFramePort portA = new QueueFramePort(), portB = new QueueFramePort();
    private final SleevePeers peersA = new SleevePeers(), peersB = new SleevePeers();
    private final MacTable macsA = new MacTable(AGE), macsB = new MacTable(AGE);
    private final SleeveCounters countersA = new SleeveCounters(), countersB = new SleeveCounters();
    private DatagramChannel udpA, udpB, udpC;
    private SleeveForwarder a, b;

    /** A and B, neighbours, sealed with a toy cipher or in clear; C a third peer whose datagrams land in a socket. */
    private void wire(boolean sealed) throws IOException {
        udpA = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        udpB = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        udpC = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        a = new SleeveForwarder(A, portA, new ChannelSleeveSocket(udpA), peersA, macsA, countersA,
                () -> 0L, 1500, SleeveForwarder.DEFAULT_DATAGRAM_PAYLOAD);
        b = new SleeveForwarder(B, portB, new ChannelSleeveSocket(udpB), peersB, macsB, countersB,
                () -> 0L, 1500, SleeveForwarder.DEFAULT_DATAGRAM_PAYLOAD);
        ToyCipher ab = sealed ? new ToyCipher() : null;
        peersA.put(new SleevePeer(B, "b", (InetSocketAddress) udpB.getLocalAddress(), ab));
        peersB.put(new SleevePeer(A, "a", (InetSocketAddress) udpA.getLocalAddress(), ab));
        peersA.put(new SleevePeer(C, "c", (InetSocketAddress) udpC.getLocalAddress()));
        macsA.learn(MAC_B, B, 0);
        macsA.learn(MAC_C, C, 0);
    }

    @AfterEach
    void close() throws Exception {
        a.close();
        b.close();
        udpC.close();
    }

    private static byte[] frame(long destination, long source, int length, int seed) {
        byte[] frame = new byte[length];
        for (int i = 0; i < 6; i++) {
            frame[i] = (byte) (destination >>> (40 - 8 * i));
            frame[6 + i] = (byte) (source >>> (40 - 8 * i));
        }
        frame[12] = 0x08;
        for (int i = 14; i < length; i++) frame[i] = (byte) (i * 31 + seed);
        return frame;
    }

    private List<byte[]> deliveredAtB(int datagrams) throws Exception {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < datagrams; i++) b.receiveDatagram();
        for (byte[] frame; (frame = portB.toBridge.poll()) != null; ) frames.add(frame);
        return frames;
    }

    @ParameterizedTest(name = "sealed {0}")
    @ValueSource(booleans = {false, true})
    void smallFramesReadyTogetherShareOneDatagramAndArriveEachInOrder(boolean sealed) throws Exception {
        wire(sealed);
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 5; i++) sent.add(frame(MAC_B, MAC_A, 60 + 40 * i, i));
        portA.fromBridge.addAll(sent);
        assertEquals(5, a.pumpLocalFrame(1000));
        assertEquals(1, countersA.get(Counter.FRAMES_SENT), "one datagram");
        assertEquals(5, countersA.get(Counter.FRAMES_BATCHED));
        List<byte[]> arrived = deliveredAtB(1);
        assertEquals(5, arrived.size());
        for (int i = 0; i < 5; i++) assertArrayEquals(sent.get(i), arrived.get(i), "frame " + i);
        assertEquals(A, macsB.lookup(MAC_A, 0));
    }

    @Test
    void aFrameThatComesAloneTravelsAsBefore() throws Exception {
        wire(false);
        DatagramChannel wire = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        peersA.put(new SleevePeer(B, "b", (InetSocketAddress) wire.getLocalAddress()));
        byte[] sent = frame(MAC_B, MAC_A, 100, 1);
        portA.fromBridge.add(sent);
        assertEquals(1, a.pumpLocalFrame(1000));
        ByteBuffer datagram = ByteBuffer.allocate(2048);
        wire.receive(datagram);
        datagram.flip();
        assertEquals(SleeveHeader.LENGTH + 100, datagram.remaining(), "the frame right behind the header, no length prefix");
        assertEquals(0, datagram.get(SleeveHeader.FLAGS_OFFSET));
        assertEquals(0, countersA.get(Counter.FRAMES_BATCHED));
        wire.close();
    }

    @Test
    void framesForAnotherPeerOrTooLargeToShareEndABatchAndKeepTheirOrder() throws Exception {
        wire(false);
        byte[] b1 = frame(MAC_B, MAC_A, 80, 1), b2 = frame(MAC_B, MAC_A, 90, 2), c1 = frame(MAC_C, MAC_A, 70, 3);
        byte[] b3 = frame(MAC_B, MAC_A, 1200, 4), b4 = frame(MAC_B, MAC_A, 100, 5), b5 = frame(MAC_B, MAC_A, 110, 6);
        portA.fromBridge.addAll(List.of(b1, b2, c1, b3, b4, b5));
        int moved = 0;
        while (moved < 6) moved += a.pumpLocalFrame(1000);
        // [b1 b2] [c1] [b3] [b4 b5]: four datagrams, three of them for B
        assertEquals(4, countersA.get(Counter.FRAMES_SENT));
        assertEquals(4, countersA.get(Counter.FRAMES_BATCHED));
        List<byte[]> arrived = deliveredAtB(3);
        assertEquals(5, arrived.size());
        List<byte[]> expected = List.of(b1, b2, b3, b4, b5);
        for (int i = 0; i < 5; i++) assertArrayEquals(expected.get(i), arrived.get(i), "frame " + i);
        udpC.configureBlocking(false);
        ByteBuffer atC = ByteBuffer.allocate(2048);
        assertEquals(true, udpC.receive(atC) != null);
        assertEquals(SleeveHeader.LENGTH + 70, atC.position(), "C's frame went alone");
    }

    @Test
    void aBatchFillsAtMostOneDatagramOfThePath() throws Exception {
        wire(true);
        for (int i = 0; i < 40; i++) portA.fromBridge.add(frame(MAC_B, MAC_A, 200, i));
        int moved = 0;
        while (moved < 40) moved += a.pumpLocalFrame(1000);
        // (2 + 200) * 7 = 1414 fits the 1424-byte payload of a 1500-byte path, an eighth would not: 5 x 7, then 5
        assertEquals(6, countersA.get(Counter.FRAMES_SENT));
        assertEquals(40, deliveredAtB(6).size());
    }

    @Test
    void aMalformedBatchIsCountedAndNothingOfItIsDelivered() throws Exception {
        wire(false);
        DatagramChannel neighbour = udpA; // in clear, only datagrams from A's endpoint count as A's
        byte[] datagram = new byte[SleeveHeader.LENGTH + 2 + 60 + 2 + 30];
        MemorySegment segment = MemorySegment.ofArray(datagram);
        SleeveHeader.write(segment, false, A, A, B, datagram.length - SleeveHeader.LENGTH);
        SleeveHeader.markBatch(segment);
        FrameBatch.putLength(segment, SleeveHeader.LENGTH, 60);
        FrameBatch.putLength(segment, SleeveHeader.LENGTH + 62, 31); // one byte past the end
        neighbour.send(ByteBuffer.wrap(datagram), udpB.getLocalAddress());
        assertEquals(0, b.receiveDatagram());
        assertEquals(1, countersB.get(Counter.DROPPED_BAD_BATCH));
        assertNull(portB.toBridge.poll());

        SleeveHeader.markVnet(segment, true);
        neighbour.send(ByteBuffer.wrap(datagram), udpB.getLocalAddress());
        assertEquals(0, b.receiveDatagram());
        assertEquals(1, countersB.get(Counter.DROPPED_BAD_FLAGS), "a batch never carries virtio_net_hdrs");
    }

    @Property(tries = 2000)
    void anyEntriesAreCountedOrRefusedNeverThrown(@ForAll @Size(max = 300) byte[] bytes) {
        MemorySegment payload = MemorySegment.ofArray(bytes);
        int count = FrameBatch.count(payload, 0, bytes.length);
        assertTrue(count >= -1);
        if (count > 0) {
            long at = 0;
            for (int i = 0; i < count; i++) at += FrameBatch.PREFIX + FrameBatch.frameLength(payload, at);
            assertEquals(bytes.length, at, "accepted entries fill the payload exactly");
        }
    }
}

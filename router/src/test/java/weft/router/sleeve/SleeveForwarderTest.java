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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Two forwarders on loopback sockets, driven one duty cycle at a time. */
class SleeveForwarderTest {
    private static final long A = 0x0a0000000001L, B = 0x0b0000000002L;
    private static final long MAC_A = 0x02aa00000001L, MAC_B = 0x02bb00000002L, BROADCAST = 0xffffffffffffL;
    private static final long AGE = 60_000_000_000L;

    private final QueueFramePort portA = new QueueFramePort(), portB = new QueueFramePort();
    private final SleevePeers peersA = new SleevePeers(), peersB = new SleevePeers();
    private final MacTable macsA = new MacTable(AGE), macsB = new MacTable(AGE);
    private final SleeveCounters countersA = new SleeveCounters(), countersB = new SleeveCounters();
    /** B's clock, which only the test of what B heard moves. */
    private final java.util.concurrent.atomic.AtomicLong clockB = new java.util.concurrent.atomic.AtomicLong();
    private DatagramChannel udpA, udpB;
    private SleeveForwarder a, b;

    @BeforeEach
    void wire() throws IOException {
        udpA = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        udpB = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        a = new SleeveForwarder(A, portA, new ChannelSleeveSocket(udpA), peersA, macsA, countersA,
                () -> 0L, 1500, SleeveForwarder.DEFAULT_DATAGRAM_PAYLOAD);
        b = new SleeveForwarder(B, portB, new ChannelSleeveSocket(udpB), peersB, macsB, countersB,
                clockB::get, 1500, SleeveForwarder.DEFAULT_DATAGRAM_PAYLOAD);
        peersA.put(new SleevePeer(B, "b", (InetSocketAddress) udpB.getLocalAddress()));
        peersB.put(new SleevePeer(A, "a", (InetSocketAddress) udpA.getLocalAddress()));
    }

    @AfterEach
    void close() throws InterruptedException {
        a.close();
        b.close();
    }

    private static byte[] frame(long destination, long source, int length) {
        byte[] frame = new byte[length];
        for (int i = 0; i < 6; i++) {
            frame[i] = (byte) (destination >>> (40 - 8 * i));
            frame[6 + i] = (byte) (source >>> (40 - 8 * i));
        }
        frame[12] = 0x08;
        for (int i = 14; i < length; i++) frame[i] = (byte) i;
        return frame;
    }

    @Test
    void framesFromEveryQueueOfAMultiQueuePortLeaveOnTheirOwnThreads() throws Exception {
        QueueFramePort second = new QueueFramePort();
        a.addQueue(second);
        macsA.learn(MAC_B, B, 0);
        a.start();
        b.start();
        assertThrows(IllegalStateException.class, () -> a.addQueue(new QueueFramePort()), "queues are added before start");
        for (int i = 0; i < 50; i++) {
            portA.fromBridge.add(frame(MAC_B, MAC_A, 300));
            second.fromBridge.add(frame(MAC_B, MAC_A, 400));
        }
        java.util.Map<Integer, Integer> arrived = new java.util.TreeMap<>();
        for (int i = 0; i < 100; i++) arrived.merge(portB.takeWritten().length, 1, Integer::sum);
        assertEquals(java.util.Map.of(300, 50, 400, 50), arrived, "every frame of both queues, none twice");
        assertEquals(100, countersA.get(Counter.FRAMES_FROM_TAP));
    }

    @Test
    void whatTheSleeveHeardFromANeighbourIsHowLongAgoItsLatestDatagramArrived() throws Exception {
        assertEquals(new HeardFrom(0, -1, -1), b.heard().get(A), "nothing yet: never, not zero seconds ago");
        clockB.set(5_000_000_000L);
        portA.fromBridge.add(frame(BROADCAST, MAC_A, 98));
        a.pumpLocalFrame(1000);
        b.receiveDatagram();
        clockB.set(7_500_000_000L);
        assertEquals(new HeardFrom(1, 2_500_000_000L, -1), b.heard().get(A), "no probe acknowledged: the round trip is unproven");
    }

    @Test
    void broadcastFromABridgeArrivesUnchangedAtThePeerAndTeachesItTheSource() throws Exception {
        byte[] sent = frame(BROADCAST, MAC_A, 98);
        portA.fromBridge.add(sent);
        assertEquals(1, a.pumpLocalFrame(1000));
        assertEquals(1, b.receiveDatagram());
        assertArrayEquals(sent, portB.takeWritten());
        assertEquals(A, macsB.lookup(MAC_A, 0));
        assertEquals(1, countersA.get(Counter.FRAMES_FLOODED));
    }

    @Test
    void unicastToALearnedMacGoesOnlyToItsPeer() throws Exception {
        macsA.learn(MAC_B, B, 0);
        DatagramChannel third = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        peersA.put(new SleevePeer(0x0c0000000003L, "c", (InetSocketAddress) third.getLocalAddress()));
        portA.fromBridge.add(frame(MAC_B, MAC_A, 200));
        a.pumpLocalFrame(1000);
        assertEquals(1, b.receiveDatagram());
        assertEquals(0, countersA.get(Counter.FRAMES_FLOODED));
        assertEquals(1, countersA.get(Counter.FRAMES_SENT));
        third.configureBlocking(false);
        assertEquals(null, third.receive(ByteBuffer.allocate(2048)));
        third.close();
    }

    @Test
    void garbageAndStrangersAreCountedAndDropped() throws Exception {
        InetSocketAddress target = (InetSocketAddress) udpB.getLocalAddress();
        DatagramChannel attacker = DatagramChannel.open();
        attacker.send(ByteBuffer.wrap("not a weft frame at all, just some text that is long enough to be checked".getBytes()), target);
        assertEquals(0, b.receiveDatagram());
        assertEquals(1, countersB.get(Counter.DROPPED_BAD_MAGIC));

        byte[] forged = new byte[SleeveHeader.LENGTH + 60];
        SleeveHeader.write(java.lang.foreign.MemorySegment.ofArray(forged), true, 0x0d0000000004L, 0x0d0000000004L, 0, 60);
        attacker.send(ByteBuffer.wrap(forged), target);
        assertEquals(0, b.receiveDatagram());
        assertEquals(1, countersB.get(Counter.DROPPED_UNKNOWN_SENDER));

        attacker.send(ByteBuffer.wrap(Arrays.copyOf(forged, 10)), target);
        assertEquals(0, b.receiveDatagram());
        assertEquals(1, countersB.get(Counter.DROPPED_TOO_SHORT));
        assertEquals(0, countersB.get(Counter.FRAMES_TO_TAP));
        attacker.close();
    }

    /** The datagrams A sends for {@code frame} from its bridge, caught on their way to B. */
    private List<byte[]> sentByA(byte[] frame) throws IOException {
        List<byte[]> datagrams = new ArrayList<>();
        try (DatagramChannel capture = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            peersA.put(new SleevePeer(B, "b", (InetSocketAddress) capture.getLocalAddress()));
            portA.fromBridge.add(frame);
            a.pumpLocalFrame(1000);
            capture.configureBlocking(false);
            for (ByteBuffer datagram = ByteBuffer.allocate(2048); capture.receive(datagram) != null; datagram.clear()) {
                datagrams.add(Arrays.copyOf(datagram.array(), datagram.position()));
            }
        }
        peersA.put(new SleevePeer(B, "b", (InetSocketAddress) udpB.getLocalAddress()));
        return datagrams;
    }

    @Test
    void aClearDatagramNamingTheNeighbourButNotFromItsEndpointIsDroppedAndCounted() throws Exception {
        long intruder = 0x02ee00000005L;
        byte[] frame = frame(MAC_B, intruder, 98);
        List<byte[]> datagrams = sentByA(frame);
        assertEquals(1, datagrams.size());
        InetSocketAddress endpointA = (InetSocketAddress) udpA.getLocalAddress();
        // another port of A's address, and A's port on another address (all of 127/8 is this host's)
        try (DatagramChannel otherPort = DatagramChannel.open().bind(new InetSocketAddress(endpointA.getAddress(), 0));
             DatagramChannel otherAddress = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.2", endpointA.getPort()))) {
            for (DatagramChannel spoofer : List.of(otherPort, otherAddress)) {
                spoofer.send(ByteBuffer.wrap(datagrams.getFirst()), udpB.getLocalAddress());
                assertEquals(0, b.receiveDatagram());
            }
        }
        assertEquals(2, countersB.get(Counter.DROPPED_WRONG_SOURCE));
        assertNull(portB.toBridge.poll());
        assertEquals(MacTable.UNKNOWN, macsB.lookup(intruder, 0), "nothing is learnt from it");

        udpA.send(ByteBuffer.wrap(datagrams.getFirst()), udpB.getLocalAddress());
        assertEquals(1, b.receiveDatagram(), "the same datagram from A's endpoint is A's");
        assertArrayEquals(frame, portB.takeWritten());
        assertEquals(A, macsB.lookup(intruder, 0));
    }

    @Test
    void clearFragmentsNotFromTheNeighboursEndpointNeverTakeItsReassemblySlots() throws Exception {
        byte[] frame = frame(MAC_B, MAC_A, 1500);
        List<byte[]> fragments = sentByA(frame);
        assertEquals(2, fragments.size(), "1500 bytes do not fit one datagram's payload");
        try (DatagramChannel spoofer = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            spoofer.send(ByteBuffer.wrap(fragments.getFirst()), udpB.getLocalAddress());
            assertEquals(0, b.receiveDatagram());
        }
        assertEquals(1, countersB.get(Counter.DROPPED_WRONG_SOURCE));
        assertEquals(0, countersB.get(Counter.FRAGMENTS_RECEIVED), "dropped before reassembly");

        for (byte[] fragment : fragments) udpA.send(ByteBuffer.wrap(fragment), udpB.getLocalAddress());
        assertEquals(0, b.receiveDatagram());
        assertEquals(1, b.receiveDatagram());
        assertArrayEquals(frame, portB.takeWritten());
        assertEquals(0, countersB.get(Counter.DROPPED_REASSEMBLY_GIVEN_UP));
    }

    @Test
    void framesLargerThanTheMtuAreCountedNotSent() {
        portA.fromBridge.add(frame(BROADCAST, MAC_A, 1501));
        a.pumpLocalFrame(1000);
        assertEquals(1, countersA.get(Counter.FRAMES_TOO_LARGE));
        assertEquals(0, countersA.get(Counter.FRAMES_SENT));
    }

    @Test
    void aLocalFrameFromAMacLearnedBehindAPeerMeansTheMacMovedHere() {
        macsA.learn(MAC_B, B, 0);
        portA.fromBridge.add(frame(BROADCAST, MAC_B, 60));
        a.pumpLocalFrame(1000);
        assertEquals(MacTable.UNKNOWN, macsA.lookup(MAC_B, 0));
    }

    @Test
    void withNoPeersFramesAreCountedAsUnsent() {
        peersA.remove(B);
        portA.fromBridge.add(frame(BROADCAST, MAC_A, 60));
        a.pumpLocalFrame(1000);
        assertEquals(1, countersA.get(Counter.FRAMES_NOT_SENT_NO_PEERS));
    }

    @Test
    void threadsForwardUntilClosed() throws Exception {
        a.start();
        b.start();
        byte[] sent = frame(MAC_B, MAC_A, 1500);
        portA.fromBridge.add(sent);
        assertArrayEquals(sent, portB.takeWritten());
    }
}

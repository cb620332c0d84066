package weft.kernel;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The FFM UDP socket over loopback, whose device segments in software: GSO sends and GRO receives, and without. */
class UdpSocketTest {
    private final Arena arena = Arena.ofConfined();
    private final List<UdpSocket> sockets = new ArrayList<>();

    @AfterEach
    void closeAll() {
        sockets.forEach(UdpSocket::close);
        arena.close();
    }

    private UdpSocket open(boolean offloads) throws IOException {
        int port;
        try (DatagramChannel probe = DatagramChannel.open()) { // a free port; the race with others is harmless here
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
        UdpSocket socket = UdpSocket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 4 << 20, 64, offloads);
        sockets.add(socket);
        return socket;
    }

    private static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** Datagram {@code i}: {@code length} bytes, each {@code i * 7 + offset}. */
    private byte[] datagram(int i, int length) {
        byte[] bytes = new byte[length];
        for (int k = 0; k < length; k++) bytes[k] = (byte) (i * 7 + k);
        return bytes;
    }

    private int send(UdpSocket from, int port, int[] lengths) {
        from.startBatch(loopback(port));
        for (int i = 0; i < lengths.length; i++) {
            MemorySegment data = arena.allocate(lengths[i]);
            MemorySegment.copy(datagram(i, lengths[i]), 0, data, JAVA_BYTE, 0, lengths[i]);
            assertTrue(from.addToBatch(data, lengths[i]));
        }
        return from.sendBatch();
    }

    /** Receives {@code count} datagrams, {@code slotCount} slots per call (the first 128 KiB, the others 2 KiB). */
    private List<byte[]> receive(UdpSocket to, int count, int slotCount) {
        MemorySegment[] slots = new MemorySegment[slotCount];
        slots[0] = arena.allocate(1 << 17);
        for (int i = 1; i < slotCount; i++) slots[i] = arena.allocate(2048);
        List<byte[]> received = new ArrayList<>();
        for (int calls = 0; received.size() < count && calls < 1000; calls++) {
            int n = to.receiveBatch(slots, 1000);
            for (int i = 0; i < n; i++) received.add(slots[i].asSlice(0, to.receivedLength(i)).toArray(JAVA_BYTE));
        }
        return received;
    }

    private void assertArrived(List<byte[]> received, int[] lengths) {
        assertEquals(lengths.length, received.size(), "datagrams");
        for (int i = 0; i < lengths.length; i++) assertArrayEquals(datagram(i, lengths[i]), received.get(i), "datagram " + i);
    }

    private static int[] fragments(int count, int size, int last) {
        int[] lengths = new int[count];
        java.util.Arrays.fill(lengths, size);
        lengths[count - 1] = last;
        return lengths;
    }

    @Test
    void sendersOnTwoThreadsAtOnceNeverMixTheirBatches() throws Exception {
        UdpSocket sender = open(true), first = open(false), second = open(false);
        int rounds = 2000;
        byte[][] marks = {{1}, {2}};
        InetSocketAddress[] to = {loopback(portOf(first)), loopback(portOf(second))};
        Thread[] threads = new Thread[2];
        for (int t = 0; t < 2; t++) {
            int lane = t;
            UdpSocket.Sender own = sender.newSender();
            MemorySegment data = Arena.ofAuto().allocate(100);
            data.fill(marks[lane][0]);
            threads[t] = Thread.ofPlatform().start(() -> {
                for (int r = 0; r < rounds; r++) {
                    own.start(to[lane]);
                    own.add(data, 100);
                    own.add(data, 100);
                    own.send();
                }
            });
        }
        for (Thread thread : threads) thread.join();
        for (int t = 0; t < 2; t++) {
            UdpSocket receiver = t == 0 ? first : second;
            MemorySegment[] slots = {arena.allocate(2048)};
            int received = 0;
            while (receiver.receiveBatch(slots, 200) == 1) {
                assertEquals(marks[t][0], slots[0].get(JAVA_BYTE, 0), "a datagram of the other thread's batch reached socket " + t);
                received++;
            }
            assertTrue(received > 0, "socket " + t + " received nothing");
        }
    }

    @Test
    void aSegmentedBatchOverTheIpLimitArrivesAsTheSameDatagramsCutFromCoalescedReceives() throws IOException {
        UdpSocket sender = open(true), receiver = open(true);
        int port = portOf(receiver);
        assertTrue(sender.segmenting(), "loopback supports UDP GSO");
        assertTrue(receiver.coalescing(), "UDP_GRO accepted");
        int[] lengths = fragments(47, 1460, 700); // 68 KiB: two super-datagrams
        assertEquals(47, send(sender, port, lengths));
        assertEquals(2, sender.segmentedSends());
        assertEquals(47, sender.segmentedDatagrams());
        assertEquals(0, sender.plainDatagrams());
        assertArrived(receive(receiver, 47, 32), lengths);
        assertTrue(receiver.coalescedReceives() >= 1, "loopback hands the super-datagram to a GRO socket whole");
        assertEquals(0, receiver.truncatedReceives());
    }

    @Test
    void coalescedDatagramsLeftOverFromOneCallAreHandedOutByTheNext() throws IOException {
        UdpSocket sender = open(true), receiver = open(true);
        int[] lengths = fragments(10, 1000, 1000);
        assertEquals(10, send(sender, portOf(receiver), lengths));
        assertArrived(receive(receiver, 10, 3), lengths);
    }

    @Test
    void datagramsOfDifferentSizesGoPlainly() throws IOException {
        UdpSocket sender = open(true), receiver = open(true);
        int[] lengths = {1000, 900, 1000, 1000};
        assertEquals(4, send(sender, portOf(receiver), lengths));
        assertEquals(0, sender.segmentedSends());
        assertEquals(4, sender.plainDatagrams());
        assertArrived(receive(receiver, 4, 32), lengths);
    }

    @Test
    void withoutOffloadsTheSameBatchGoesBySendmmsgAndArrivesTheSame() throws IOException {
        UdpSocket sender = open(false), receiver = open(false);
        int[] lengths = fragments(47, 1460, 700);
        assertEquals(47, send(sender, portOf(receiver), lengths));
        assertEquals(0, sender.segmentedSends());
        assertEquals(47, sender.plainDatagrams());
        assertArrived(receive(receiver, 47, 32), lengths);
    }

    @Test
    void aSegmentedSenderReachesAPlainReceiver() throws IOException {
        UdpSocket sender = open(true), receiver = open(false);
        int[] lengths = fragments(20, 1400, 1);
        assertEquals(20, send(sender, portOf(receiver), lengths));
        assertEquals(20, sender.segmentedDatagrams());
        assertArrived(receive(receiver, 20, 32), lengths);
    }

    @Test
    void eachReceivedDatagramSaysWhereItCameFromCoalescedOrNot() throws IOException {
        for (boolean offloads : new boolean[]{true, false}) {
            UdpSocket first = open(offloads), second = open(offloads), receiver = open(offloads);
            assertEquals(10, send(first, portOf(receiver), fragments(10, 1000, 1000)), "a segmented batch with offloads");
            assertEquals(1, send(second, portOf(receiver), new int[]{500}));
            MemorySegment[] slots = {arena.allocate(1 << 17), arena.allocate(2048), arena.allocate(2048)};
            java.util.Map<Integer, Integer> fromPort = new java.util.TreeMap<>();
            int received = 0;
            for (int calls = 0; received < 11 && calls < 100; calls++) {
                int n = receiver.receiveBatch(slots, 1000);
                for (int i = 0; i < n; i++) {
                    assertEquals(0x7f00_0001, receiver.receivedSourceAddress(i), "127.0.0.1, offloads " + offloads);
                    fromPort.merge(receiver.receivedSourcePort(i), receiver.receivedLength(i), Integer::sum);
                }
                received += n;
            }
            assertEquals(java.util.Map.of(portOf(first), 10_000, portOf(second), 500), fromPort, "bytes by source port, offloads " + offloads);
        }
    }

    private static int portOf(UdpSocket socket) {
        String text = socket.toString(); // "udp 127.0.0.1:port"
        return Integer.parseInt(text.substring(text.lastIndexOf(':') + 1));
    }
}

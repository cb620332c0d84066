package weft.kernel;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One wait over two UDP sockets on loopback: it names the one that has a datagram, times out on none, wakes on either. */
class ReadinessTest {
    private final List<UdpSocket> sockets = new ArrayList<>();
    private final java.util.Map<UdpSocket, Integer> ports = new java.util.HashMap<>();

    @AfterEach
    void closeAll() {
        sockets.forEach(UdpSocket::close);
    }

    private UdpSocket open() throws IOException {
        int port;
        try (DatagramChannel probe = DatagramChannel.open()) { // a free port; the race with others is harmless here
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
        UdpSocket socket = UdpSocket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1 << 20, 8, false);
        sockets.add(socket);
        ports.put(socket, port);
        return socket;
    }

    private void sendTo(UdpSocket socket) throws IOException {
        try (DatagramChannel sender = DatagramChannel.open()) {
            sender.send(ByteBuffer.wrap(new byte[]{1, 2, 3}), new InetSocketAddress(InetAddress.getLoopbackAddress(), ports.get(socket)));
        }
    }

    @Test
    void namesTheSourceThatIsReadyAndWaitsWhenNoneIs() throws Exception {
        UdpSocket first = open(), second = open();
        Readiness readiness = new Readiness(first, second);
        assertEquals(0, readiness.await(0), "nothing sent yet");
        long started = System.nanoTime();
        assertEquals(0, readiness.await(50));
        assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(40), "it waited");

        sendTo(second);
        assertEquals(0b10, readiness.await(1000));
        sendTo(first);
        assertEquals(0b11, readiness.await(1000), "still the second's, and now the first's");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] slot = {arena.allocate(2048)};
            assertEquals(1, second.receiveBatch(slot, 0));
            assertEquals(0b01, readiness.await(0), "the second's datagram was taken");
        }
    }

    @Test
    void aWaitEndsWhenEitherGetsSomething() throws Exception {
        UdpSocket first = open(), second = open();
        Readiness readiness = new Readiness(first, second);
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(100);
                sendTo(first);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        long started = System.nanoTime();
        assertEquals(0b01, readiness.await(10_000));
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(5), "woken by the datagram, not the timeout");
        assertThrows(IllegalArgumentException.class, Readiness::new);
    }
}

package weft.dns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random bytes and mutated queries, one at a time, into the real UDP socket: each must end either in an answer or
 * in the malformed counter, and the server must answer a valid query afterwards.
 */
class MalformedQueryTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void everyPacketIsAnsweredOrCountedAsDroppedAndTheServerServesOn() throws IOException {
        Random random = new Random(20250601);
        MapNames names = new MapNames().with("db.weft.local.", "10.32.0.1");
        try (DnsServer server = DnsServer.start(
                DnsSettings.defaults().withListen(new InetSocketAddress(LOOPBACK, 0)), () -> names, List::of);
             DatagramSocket client = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            byte[][] valid = {
                    TestWire.query(1, "db.weft.local.", TestWire.A, -1),
                    TestWire.query(2, "db.", TestWire.AAAA, 4096),
                    TestWire.query(3, "1.0.32.10.in-addr.arpa.", TestWire.PTR, 1232),
                    TestWire.query(4, "example.com.", TestWire.A, -1),
            };
            int answered = 0;
            int cases = 3000;
            for (int i = 0; i < cases; i++) {
                byte[] packet = i % 3 == 0 ? randomBytes(random) : mutated(valid[random.nextInt(valid.length)], random);
                if (sendAndSettle(server, client, packet)) {
                    answered++;
                }
            }
            long dropped = server.counters().droppedMalformed();
            assertEquals(cases, answered + dropped, "answered " + answered + ", dropped " + dropped);
            assertTrue(dropped > cases / 10, "the fuzz reached the decoder's errors: " + dropped);
            assertTrue(answered > cases / 10, "the fuzz reached the answering: " + answered);

            TestWire.Reply reply = DnsServerTest.udpAsk(client, server.address(),
                    TestWire.query(999, "db.weft.local.", TestWire.A, -1));
            assertEquals(999, reply.id());
            assertEquals(List.of(InetAddress.ofLiteral("10.32.0.1")), reply.addresses());
        }
    }

    /** Sends {@code packet}; true once it is answered, false once it is counted as dropped. */
    private static boolean sendAndSettle(DnsServer server, DatagramSocket client, byte[] packet) throws IOException {
        long droppedBefore = server.counters().droppedMalformed();
        client.send(new DatagramPacket(packet, packet.length, server.address()));
        client.setSoTimeout(2);
        byte[] buffer = new byte[65_535];
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (server.counters().droppedMalformed() > droppedBefore) {
                return false;
            }
            try {
                client.receive(new DatagramPacket(buffer, buffer.length));
                return true;
            } catch (SocketTimeoutException notYet) {
                // look at the counter again
            }
        }
        fail("neither answered nor dropped: " + java.util.HexFormat.of().formatHex(packet));
        return false;
    }

    private static byte[] randomBytes(Random random) {
        byte[] bytes = new byte[random.nextInt(64)];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] mutated(byte[] valid, Random random) {
        byte[] bytes = valid.clone();
        switch (random.nextInt(4)) {
            case 0 -> bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            case 1 -> {
                for (int i = 0; i < 1 + random.nextInt(4); i++) {
                    bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
                }
            }
            case 2 -> bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length));
            default -> bytes[2 + random.nextInt(10)] = (byte) random.nextInt(256); // header: flags and counts
        }
        return bytes;
    }
}

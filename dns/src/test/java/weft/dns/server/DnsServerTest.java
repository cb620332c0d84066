package weft.dns.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import weft.dns.NameLookup;

class DnsServerTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int NOERROR = 0;
    private static final int SERVFAIL = 2;
    private static final int NXDOMAIN = 3;
    private static final int REFUSED = 5;

    private final MapNames names = new MapNames().with("db.weft.local.", "10.32.0.1", "10.32.0.2");
    private DnsServer server;
    private FakeUpstream upstream;

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private DnsSettings settings() {
        return DnsSettings.defaults().withListen(new InetSocketAddress(LOOPBACK, 0));
    }

    private DnsServer start(DnsSettings settings, List<InetSocketAddress> upstreams) throws IOException {
        Supplier<NameLookup> lookup = () -> names;
        server = DnsServer.start(settings, lookup, () -> upstreams);
        return server;
    }

    static TestWire.Reply udpAsk(DatagramSocket socket, InetSocketAddress to, byte[] query) throws IOException {
        socket.setSoTimeout(10_000);
        socket.send(new DatagramPacket(query, query.length, to));
        byte[] buffer = new byte[65_535];
        DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
        socket.receive(reply);
        return TestWire.parse(buffer, reply.getLength());
    }

    static TestWire.Reply udpAsk(InetSocketAddress to, byte[] query) throws IOException {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            return udpAsk(socket, to, query);
        }
    }

    static TestWire.Reply tcpAsk(InetSocketAddress to, byte[] query) throws IOException {
        try (Socket socket = new Socket(to.getAddress(), to.getPort())) {
            socket.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeShort(query.length);
            out.write(query);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] reply = new byte[in.readUnsignedShort()];
            in.readFully(reply);
            return TestWire.parse(reply, reply.length);
        }
    }

    @Test
    void answersAOverUdp() throws IOException {
        start(settings(), List.of());
        TestWire.Reply reply = udpAsk(server.address(), TestWire.query(0x1234, "DB.weft.local.", TestWire.A, -1));
        assertEquals(0x1234, reply.id());
        assertEquals(NOERROR, reply.rcode());
        assertTrue(reply.authoritative());
        assertTrue(reply.recursionAvailable());
        assertEquals(new HashSet<>(List.of(InetAddress.ofLiteral("10.32.0.1"), InetAddress.ofLiteral("10.32.0.2"))),
                new HashSet<>(reply.addresses()));
        assertEquals(List.of(1L, 1L), reply.ttls());
        assertEquals(1, server.counters().localAnswers());
    }

    @Test
    void answersOverTcpAndSaysNxdomainForUnknownNames() throws IOException {
        start(settings(), List.of());
        TestWire.Reply reply = tcpAsk(server.address(), TestWire.query(77, "db.", TestWire.A, -1));
        assertEquals(77, reply.id());
        assertEquals(2, reply.addresses().size());
        TestWire.Reply unknown = tcpAsk(server.address(), TestWire.query(78, "nope.weft.local.", TestWire.A, -1));
        assertEquals(NXDOMAIN, unknown.rcode());
        assertTrue(unknown.authoritative());
        assertEquals(1, server.counters().nxdomain());
    }

    @Test
    void udpAnswersAreCutToTheClientsSizeAndTcpOnesAreNot() throws IOException {
        String[] hundred = new String[100];
        for (int i = 0; i < hundred.length; i++) {
            hundred[i] = "10.40." + (i / 256) + "." + (i % 256);
        }
        names.with("many.weft.local.", hundred);
        start(settings(), List.of());

        TestWire.Reply plain = udpAsk(server.address(), TestWire.query(1, "many.weft.local.", TestWire.A, -1));
        assertTrue(plain.truncated());
        int plainCount = plain.addresses().size();
        assertTrue(plainCount > 0 && plainCount < 100, plainCount + " records");
        assertEquals(0, plain.additional());

        TestWire.Reply edns = udpAsk(server.address(), TestWire.query(2, "many.weft.local.", TestWire.A, 1232));
        assertTrue(edns.truncated());
        assertTrue(edns.addresses().size() > plainCount, "EDNS0 1232 fits more than 512");
        assertEquals(1, edns.additional(), "the OPT record is echoed");

        TestWire.Reply big = udpAsk(server.address(), TestWire.query(3, "many.weft.local.", TestWire.A, 4096));
        assertFalse(big.truncated());
        assertEquals(100, big.addresses().size());

        TestWire.Reply tcp = tcpAsk(server.address(), TestWire.query(4, "many.weft.local.", TestWire.A, -1));
        assertFalse(tcp.truncated());
        assertEquals(100, tcp.addresses().size());
        assertEquals(2, server.counters().truncated());
    }

    @Test
    void forwardsOverUdpAndTcpWithTheClientsBytesAndId() throws Exception {
        upstream = new FakeUpstream();
        start(settings(), List.of(upstream.address()));
        byte[] query = TestWire.query(0xbeef, "example.com.", TestWire.A, 4096);

        TestWire.Reply reply = udpAsk(server.address(), query);
        assertEquals(0xbeef, reply.id());
        assertEquals(List.of(InetAddress.getByAddress(FakeUpstream.ANSWER)), reply.addresses());
        byte[] sent = upstream.received.getLast();
        assertArrayEquals(Arrays.copyOfRange(query, 2, query.length), Arrays.copyOfRange(sent, 2, sent.length),
                "the query goes upstream as the client wrote it, OPT record and all, but for the ID");

        TestWire.Reply overTcp = tcpAsk(server.address(), TestWire.query(0xcafe, "example.org.", TestWire.A, -1));
        assertEquals(0xcafe, overTcp.id());
        assertEquals(List.of(InetAddress.getByAddress(FakeUpstream.ANSWER)), overTcp.addresses());
        assertEquals(2, server.counters().forwarded());
    }

    @Test
    void aSilentUpstreamEndsInServfailAfterTheTimeoutAndTheNextIsTried() throws Exception {
        upstream = new FakeUpstream();
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            start(settings().withUpstreamTimeout(Duration.ofMillis(200)),
                    List.of((InetSocketAddress) silent.getLocalSocketAddress(), upstream.address()));
            TestWire.Reply next = udpAsk(server.address(), TestWire.query(5, "example.com.", TestWire.A, -1));
            assertEquals(NOERROR, next.rcode());
            assertEquals(1, next.addresses().size());

            long started = System.nanoTime();
            TestWire.Reply failed = udpAsk(server.address(), TestWire.query(6, "silent.example.", TestWire.A, -1));
            assertEquals(6, failed.id());
            assertEquals(SERVFAIL, failed.rcode());
            assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofMillis(390)) >= 0,
                    "both upstreams had their time");
            assertEquals(1, server.counters().upstreamFailures());
        }
    }

    @Test
    void noUpstreamIsAnImmediateServfail() throws IOException {
        start(settings(), List.of());
        TestWire.Reply reply = udpAsk(server.address(), TestWire.query(9, "example.com.", TestWire.A, -1));
        assertEquals(SERVFAIL, reply.rcode());
    }

    @Test
    void aClientFloodingASilentUpstreamIsRefusedBeyondItsShareAndOthersAreStillAnswered() throws Exception {
        upstream = new FakeUpstream();
        start(settings().withForwardLimits(20, 100).withUpstreamTimeout(Duration.ofSeconds(30)),
                List.of(upstream.address()));
        InetAddress otherAddress = InetAddress.ofLiteral("127.0.0.2");
        try (DatagramSocket flooder = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
             DatagramSocket other = new DatagramSocket(new InetSocketAddress(otherAddress, 0))) {
            int refused = 0;
            for (int i = 0; i < 50; i++) {
                byte[] query = TestWire.query(i, "silent" + i + ".example.", TestWire.A, -1);
                flooder.send(new DatagramPacket(query, query.length, server.address()));
            }
            flooder.setSoTimeout(10_000);
            byte[] buffer = new byte[512];
            while (refused < 30) {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                flooder.receive(packet);
                assertEquals(REFUSED, TestWire.parse(buffer, packet.getLength()).rcode());
                refused++;
            }
            assertEquals(30, server.counters().refusedForLoad());

            TestWire.Reply local = udpAsk(other, server.address(), TestWire.query(100, "db.weft.local.", TestWire.A, -1));
            assertEquals(2, local.addresses().size());
            TestWire.Reply forwarded = udpAsk(other, server.address(),
                    TestWire.query(101, "example.com.", TestWire.A, -1));
            assertEquals(NOERROR, forwarded.rcode());
            assertEquals(101, forwarded.id());
            TestWire.Reply stillRefused = udpAsk(flooder, server.address(),
                    TestWire.query(102, "example.com.", TestWire.A, -1));
            assertEquals(REFUSED, stillRefused.rcode());
        }
    }

    @Test
    void closingReleasesThePortsAndTwiceIsHarmless() throws Exception {
        start(settings(), List.of());
        InetSocketAddress address = server.address();
        server.close();
        server.close();
        try (DatagramSocket udp = new DatagramSocket(address);
             java.net.ServerSocket tcp = new java.net.ServerSocket(address.getPort(), 1, address.getAddress())) {
            assertEquals(address.getPort(), udp.getLocalPort());
            assertEquals(address.getPort(), tcp.getLocalPort());
        }
    }
}

package weft.gossip;

import weft.gossip.connect.ConnectOutcome;
import weft.gossip.connect.ConnectionMaker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Raw TCP connections that open and say nothing, from many addresses on 127.0.0.0/8, against a real mesh: they get
 * the budget for unauthenticated connections and no more, and the mesh still dials and redials its peers. Waits
 * only on futures, listener events and socket reads.
 */
class IdleConnectionsTest {
    static final int SOURCES = 20;
    /** Held for the whole test, however slow the machine: only the budget decides who gets in. */
    static final InboundLimits PATIENT = InboundLimits.DEFAULT.withHandshakeTimeout(Duration.ofMinutes(1));

    final SplittableRandom random = new SplittableRandom(6783);
    final List<Mesh> meshes = new ArrayList<>();
    final List<Socket> idle = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (Socket socket : idle) {
            socket.close();
        }
        for (Mesh mesh : meshes) {
            mesh.close();
        }
    }

    Mesh start(PeerIdentity self, MeshConfig config, MeshListener listener) throws IOException {
        Mesh mesh = Mesh.start(self, config, listener, InstantSource.system(), new SplittableRandom(random.nextLong()));
        meshes.add(mesh);
        return mesh;
    }

    PeerIdentity identity(String nickname) {
        return new PeerIdentity(PeerName.random(random), random.nextLong(1, Long.MAX_VALUE), nickname);
    }

    static String target(Mesh mesh) {
        return mesh.localAddress().getAddress().getHostAddress() + ":" + mesh.localAddress().getPort();
    }

    /**
     * Opens a connection from {@code sourceIp} to {@code mesh} that will say nothing; returns whether the mesh
     * admitted it, i.e. sent its hello, rather than closing it at once.
     */
    boolean openIdle(String sourceIp, Mesh mesh) throws IOException {
        Socket socket = new Socket();
        idle.add(socket);
        socket.bind(new InetSocketAddress(sourceIp, 0));
        socket.connect(mesh.localAddress());
        socket.setSoTimeout((int) MeshTest.WAIT.toMillis());
        try {
            return socket.getInputStream().read() >= 0;
        } catch (SocketException reset) {
            return false; // closed at once, with a reset rather than a FIN
        }
    }

    @Test
    void shouldAdmitOnlyTheBudgetOfIdleConnectionsAndStillConnectAndReconnect() throws Exception {
        var lb = new RecordingListener();
        // a connection limit of 2: before the budget of its own, two idle sockets held every slot and b dialled no one
        MeshConfig victim = MeshTest.CONFIG.withBind(new InetSocketAddress("127.0.0.2", 0)).withInbound(PATIENT)
                .withConnections(new ConnectionMaker.Settings(Duration.ofMillis(100), Duration.ofMillis(400), 2));
        Mesh b = start(identity("b"), victim, lb);
        PeerIdentity aIdentity = identity("a");
        Mesh a = start(aIdentity, MeshTest.CONFIG, new RecordingListener());

        int admitted = 0;
        for (int i = 0; i < 2 * SOURCES; i++) {
            admitted += openIdle("127.0.0." + (10 + i % SOURCES), b) ? 1 : 0;
        }
        assertEquals(PATIENT.handshakes(), admitted, "the budget, and not one more");
        assertEquals(2L * SOURCES - PATIENT.handshakes(), MeshTest.await(b.status()).inbound().get("inbound-refused-busy"));

        assertInstanceOf(ConnectOutcome.Connected.class, MeshTest.await(b.connect(target(a))));
        assertEquals(aIdentity.name(), lb.nextConnected().name());

        int aPort = a.localAddress().getPort();
        meshes.remove(a);
        a.close();
        assertEquals(aIdentity.name(), lb.nextDisconnected().peer());
        var restarted = new PeerIdentity(aIdentity.name(), aIdentity.incarnation() + 1, "a");
        start(restarted, MeshTest.CONFIG.withBind(new InetSocketAddress("127.0.0.1", aPort)), new RecordingListener());
        assertEquals(restarted.incarnation(), lb.nextConnected().incarnation(), "b redialled a");

        MeshStatus status = MeshTest.await(b.status());
        assertEquals(PATIENT.handshakes(), status.connections().stream()
                .filter(c -> !c.outbound() && c.state() == MeshStatus.State.HANDSHAKING).count(),
                "the idle connections were there all along");
        assertEquals(Optional.of(aIdentity.name()), status.established().getFirst().peer());
    }

    @Test
    void shouldCloseAnIdleInboundConnectionAfterTheInboundTimeoutNotTheDialOne() throws Exception {
        // dials may take a minute, inbound handshakes 200 ms: an EOF well within the read timeout (10 s) is the latter
        MeshConfig config = MeshTest.CONFIG.withHandshakeTimeout(Duration.ofMinutes(1))
                .withInbound(InboundLimits.DEFAULT.withHandshakeTimeout(Duration.ofMillis(200)));
        Mesh b = start(identity("b"), config, new RecordingListener());
        assertTrue(openIdle("127.0.0.1", b), "admitted: its hello came");
        Socket socket = idle.getLast();
        byte[] rest = new byte[4096];
        while (socket.getInputStream().read(rest) >= 0) {
            // the rest of b's hello; then the end of the stream, or a SocketTimeoutException that fails the test
        }
    }
}

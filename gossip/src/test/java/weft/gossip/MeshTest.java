package weft.gossip;

import weft.gossip.connect.ConnectOutcome;
import weft.gossip.connect.ConnectionMaker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real meshes on 127.0.0.1 with ephemeral ports. Waits only on futures and listener events. */
class MeshTest {
    static final MeshConfig CONFIG = MeshConfig.DEFAULT
            .withBind(new InetSocketAddress("127.0.0.1", 0))
            .withUdpPort(6783)
            .withHeartbeat(Duration.ofMillis(200))
            .withHandshakeTimeout(Duration.ofSeconds(2))
            .withConnections(new ConnectionMaker.Settings(Duration.ofMillis(100), Duration.ofMillis(400), 100))
            .withTick(Duration.ofMillis(20));

    static final Duration WAIT = Duration.ofSeconds(10);

    final SplittableRandom random = new SplittableRandom(99);
    final List<Mesh> meshes = new ArrayList<>();

    @AfterEach
    void closeAll() throws InterruptedException {
        for (Mesh mesh : meshes) {
            mesh.close();
        }
    }

    PeerIdentity identity(String nickname) {
        return new PeerIdentity(PeerName.random(random), random.nextLong(1, Long.MAX_VALUE), nickname);
    }

    Mesh start(PeerIdentity self, MeshConfig config, MeshListener listener) throws IOException {
        Mesh mesh = Mesh.start(self, config, listener, InstantSource.system(), new SplittableRandom(random.nextLong()));
        meshes.add(mesh);
        return mesh;
    }

    static String target(Mesh mesh) {
        return "127.0.0.1:" + mesh.localAddress().getPort();
    }

    /** The future's value, or its failure as an {@link ExecutionException}; fails the test after 10 s. */
    static <T> T await(CompletableFuture<T> future) throws Exception {
        try {
            return future.get(WAIT.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no answer from the mesh within " + WAIT, e);
        }
    }

    @Test
    void shouldConnectTwoMeshesAndReportBothEnds() throws Exception {
        var la = new RecordingListener();
        var lb = new RecordingListener();
        Mesh a = start(identity("a"), CONFIG.withUdpPort(7001), la);
        Mesh b = start(identity("b"), CONFIG.withUdpPort(7002), lb);

        assertEquals(new ConnectOutcome.Connected(b.self().name(), "b"), await(a.connect(target(b))));

        ConnectedPeer seenByA = la.nextConnected();
        assertEquals(b.self().name(), seenByA.name());
        assertEquals(b.self().incarnation(), seenByA.incarnation());
        assertTrue(seenByA.outbound());
        assertEquals(new InetSocketAddress("127.0.0.1", 7002), seenByA.udpAddress());
        ConnectedPeer seenByB = lb.nextConnected();
        assertEquals(a.self().name(), seenByB.name());
        assertFalse(seenByB.outbound());
        assertEquals(7001, seenByB.udpPort());

        MeshStatus status = await(a.status());
        assertEquals(1, status.established().size());
        assertEquals(ConnectionMaker.State.CONNECTED, status.targets().getFirst().state());
    }

    @Test
    void shouldConnectThreeMeshesInARing() throws Exception {
        List<RecordingListener> listeners = List.of(new RecordingListener(), new RecordingListener(),
                new RecordingListener());
        List<Mesh> ring = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ring.add(start(identity("m" + i), CONFIG, listeners.get(i)));
        }
        for (int i = 0; i < 3; i++) {
            Mesh next = ring.get((i + 1) % 3);
            assertEquals(next.self().name(), ((ConnectOutcome.Connected) await(ring.get(i).connect(target(next)))).peer());
        }
        for (int i = 0; i < 3; i++) {
            listeners.get(i).nextConnected();
            listeners.get(i).nextConnected();
            assertEquals(2, await(ring.get(i).status()).established().size());
        }
    }

    @Test
    void shouldKeepExactlyOneConnectionWhenBothSidesDialEachOther() throws Exception {
        var la = new RecordingListener();
        var lb = new RecordingListener();
        Mesh a = start(identity("a"), CONFIG, la);
        Mesh b = start(identity("b"), CONFIG, lb);
        CompletableFuture<ConnectOutcome> ab = a.connect(target(b));
        CompletableFuture<ConnectOutcome> ba = b.connect(target(a));
        assertEquals(b.self().name(), ((ConnectOutcome.Connected) await(ab)).peer());
        assertEquals(a.self().name(), ((ConnectOutcome.Connected) await(ba)).peer());

        // the kept connection is the one dialled by the lower name; wait until each side has admitted it
        boolean aDialsTheKeeper = a.self().name().compareTo(b.self().name()) < 0;
        la.awaitConnected(peer -> peer.outbound() == aDialsTheKeeper);
        lb.awaitConnected(peer -> peer.outbound() == !aDialsTheKeeper);
        List<MeshStatus.Connection> atA = await(a.status()).established();
        List<MeshStatus.Connection> atB = await(b.status()).established();
        assertEquals(1, atA.size());
        assertEquals(1, atB.size());
        assertNotEquals(atA.getFirst().outbound(), atB.getFirst().outbound(), "both ends kept the same connection");
        // the side whose own attempt the peer closed may wait one backoff before its target says so
        awaitTargetConnected(a);
        awaitTargetConnected(b);
    }

    /**
     * Waits up to 20 s for the mesh's only target to be connected. No polling: a second {@code connect} of a
     * known target answers at once when it is connected, and else with the outcome of its next attempt.
     */
    private static void awaitTargetConnected(Mesh mesh) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        ConnectionMaker.TargetStatus target = await(mesh.status()).targets().getFirst();
        while (target.state() != ConnectionMaker.State.CONNECTED) {
            assertNotEquals(ConnectionMaker.State.FAILED, target.state(), "the target failed for good: " + target);
            try {
                mesh.connect(target.target()).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("target not connected within 20 s: " + target, e);
            }
            target = await(mesh.status()).targets().getFirst();
        }
        assertEquals(ConnectionMaker.State.CONNECTED, target.state());
    }

    @Test
    void shouldNoticeAStoppedPeerAndRedialItWhenItComesBack() throws Exception {
        var la = new RecordingListener();
        Mesh a = start(identity("a"), CONFIG, la);
        PeerIdentity bIdentity = identity("b");
        Mesh b = start(bIdentity, CONFIG, new RecordingListener());
        int bPort = b.localAddress().getPort();
        await(a.connect(target(b)));
        assertEquals(bIdentity.incarnation(), la.nextConnected().incarnation());

        meshes.remove(b);
        b.close();
        assertEquals(bIdentity.name(), la.nextDisconnected().peer());

        var restarted = new PeerIdentity(bIdentity.name(), bIdentity.incarnation() + 1, "b");
        start(restarted, CONFIG.withBind(new InetSocketAddress("127.0.0.1", bPort)), new RecordingListener());
        ConnectedPeer again = la.nextConnected();
        assertEquals(restarted.incarnation(), again.incarnation());
        assertTrue(again.outbound());
    }

    @Test
    void shouldRefuseToConnectToSelfForGood() throws Exception {
        Mesh a = start(identity("a"), CONFIG, new RecordingListener());
        assertEquals(new ConnectOutcome.Failed("connected to self"), await(a.connect(target(a))));
        ConnectionMaker.TargetStatus status = await(a.status()).targets().getFirst();
        assertEquals(ConnectionMaker.State.FAILED, status.state());
        assertEquals("connected to self", status.lastError().orElseThrow());
    }

    @Test
    void shouldFailTheFutureForAnUnresolvableTargetAndNotAddIt() throws Exception {
        Mesh a = start(identity("a"), CONFIG, new RecordingListener());
        var e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> await(a.connect("nosuchhost.invalid")));
        assertInstanceOf(UnknownHostException.class, e.getCause());
        assertEquals("cannot resolve peer 'nosuchhost.invalid'", e.getCause().getMessage());
        var bad = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> await(a.connect("10.0.0.1:99999")));
        assertEquals("peer address '10.0.0.1:99999' has a bad port '99999'", bad.getCause().getMessage());
        assertEquals(List.of(), await(a.status()).targets());
    }

    @Test
    void shouldReportConnectionRefusedAsTheFirstOutcomeAndKeepRetrying() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Mesh a = start(identity("a"), CONFIG, new RecordingListener());
        assertEquals(new ConnectOutcome.Failed("connection refused"), await(a.connect("127.0.0.1:" + closedPort)));
        ConnectionMaker.TargetStatus status = await(a.status()).targets().getFirst();
        assertNotEquals(ConnectionMaker.State.FAILED, status.state());
        assertEquals("connection refused", status.lastError().orElseThrow());
        assertTrue(await(a.forget("127.0.0.1:" + closedPort)));
        assertEquals(List.of(), await(a.status()).targets());
    }
}

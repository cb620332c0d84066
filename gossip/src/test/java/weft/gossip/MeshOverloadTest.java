package weft.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import java.io.IOException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import weft.gossip.connect.ConnectOutcome;

/**
 * A real mesh whose loop has room for a few tasks (enough for the bursts of three connections), stalled by a task that waits for the test while its peers
 * hang up: the closes must still reach the loop. Waits only on futures, latches and listener events.
 */
class MeshOverloadTest {
    private static final long WAIT_SECONDS = 10;

    final SplittableRandom random = new SplittableRandom(7);
    final List<Mesh> meshes = new ArrayList<>();

    @AfterEach
    void closeAll() throws InterruptedException {
        for (Mesh mesh : meshes) {
            mesh.close();
        }
    }

    private Mesh start(String nickname, RecordingListener listener, int loopCapacity) throws IOException {
        var identity = new PeerIdentity(PeerName.random(random), random.nextLong(1, Long.MAX_VALUE), nickname);
        Mesh mesh = Mesh.start(identity, MeshTest.CONFIG, listener, InstantSource.system(),
                new SplittableRandom(random.nextLong()), loopCapacity);
        meshes.add(mesh);
        return mesh;
    }

    @Test
    void shouldHearEveryCloseWhileTheLoopIsStalledAndItsQueueFull() throws Exception {
        var heard = new RecordingListener();
        Mesh hub = start("hub", heard, 64);
        List<Mesh> peers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Mesh peer = start("p" + i, new RecordingListener(), MeshLoop.QUEUE_CAPACITY);
            assertInstanceOf(ConnectOutcome.Connected.class, MeshTest.await(peer.connect(MeshTest.target(hub))));
            peers.add(peer);
        }
        Set<PeerName> connected = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            connected.add(heard.nextConnected().name());
        }
        List<Channel> channels = MeshTest.await(hub.onLoop(hub::channels));
        assertEquals(3, channels.size());

        CountDownLatch stalled = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        hub.onLoop(() -> {
            stalled.countDown();
            try {
                return release.await(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        assertTrue(stalled.await(WAIT_SECONDS, TimeUnit.SECONDS), "the hub's loop took the stalling task");
        CompletableFuture<Object> filler;
        do {
            filler = hub.onLoop(() -> null); // fails at once when the queue is full
        } while (!filler.isCompletedExceptionally());

        // the edge tells the loop of a close from the channel's close listener; ours runs after it
        CountDownLatch edgeSawTheCloses = new CountDownLatch(channels.size());
        channels.forEach(c -> c.closeFuture().addListener(f -> edgeSawTheCloses.countDown()));
        for (Mesh peer : peers) {
            meshes.remove(peer);
            peer.close();
        }
        assertTrue(edgeSawTheCloses.await(WAIT_SECONDS, TimeUnit.SECONDS), "the hub's channels closed");
        release.countDown();

        Set<PeerName> disconnected = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            disconnected.add(heard.nextDisconnected().peer());
        }
        assertEquals(connected, disconnected);
        MeshStatus status = MeshTest.await(hub.status());
        assertEquals(List.of(), status.connections(), "no connection outlives its channel");
        assertTrue(status.refused().loopTasks() >= 1, "the full queue refused and counted: " + status.refused());
    }
}

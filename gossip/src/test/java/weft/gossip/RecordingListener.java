package weft.gossip;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import weft.gossip.topology.Routes;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link MeshListener} that queues what it hears so a test on another thread can wait for it.
 *
 * <p>Thread-safe.
 */
public final class RecordingListener implements MeshListener {
    /** One call to the listener. */
    public sealed interface Event {
        record Connected(ConnectedPeer peer) implements Event {}

        record Disconnected(PeerName peer, String reason) implements Event {}
    }

    private static final Duration WAIT = Duration.ofSeconds(10);
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>(); // test fixture: a handful of events
    private final BlockingQueue<Routes> routes = new LinkedBlockingQueue<>(); // kept apart: tests wait on them apart

    @Override
    public void onRoutesChanged(Routes newRoutes) {
        routes.add(newRoutes);
    }

    @Override
    public void onPeersForgotten(List<PeerName> peers) {
        // not awaited by any test yet; connection events stay the only thing next() returns
    }

    /** Waits up to 10 s for routes that satisfy {@code wanted}, skipping earlier ones. */
    public Routes awaitRoutes(Predicate<Routes> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Routes next = routes.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (next == null) {
                throw new AssertionError("no matching routes within " + WAIT);
            }
            if (wanted.test(next)) {
                return next;
            }
        }
    }

    @Override
    public void onPeerConnected(ConnectedPeer peer) {
        events.add(new Event.Connected(peer));
    }

    @Override
    public void onPeerDisconnected(PeerName peer, String reason) {
        events.add(new Event.Disconnected(peer, reason));
    }

    /** The next event, waiting up to 10 s. */
    public Event next() throws InterruptedException {
        Event event = events.poll(WAIT.toNanos(), TimeUnit.NANOSECONDS);
        if (event == null) {
            throw new AssertionError("no mesh event within " + WAIT);
        }
        return event;
    }

    /**
     * Waits up to 10 s for a connection that satisfies {@code wanted}, skipping other events (such as the
     * connect/disconnect pair of a connection that lost a tie-break).
     */
    public ConnectedPeer awaitConnected(Predicate<ConnectedPeer> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<Event> skipped = new ArrayList<>();
        while (true) {
            Event next = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (next == null) {
                throw new AssertionError("no matching connection within " + WAIT + "; skipped " + skipped);
            }
            if (next instanceof Event.Connected(ConnectedPeer peer) && wanted.test(peer)) {
                return peer;
            }
            skipped.add(next);
        }
    }

    /** The next event, which must be a connection. */
    public ConnectedPeer nextConnected() throws InterruptedException {
        return switch (next()) {
            case Event.Connected(ConnectedPeer peer) -> peer;
            case Event.Disconnected d -> throw new AssertionError("expected a connection, got " + d);
        };
    }

    /** The next event, which must be a disconnection. */
    public Event.Disconnected nextDisconnected() throws InterruptedException {
        return switch (next()) {
            case Event.Disconnected d -> d;
            case Event.Connected c -> throw new AssertionError("expected a disconnection, got " + c);
        };
    }
}

package weft.router.view;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import weft.gossip.PeerName;

/**
 * Turns the sleeve's byte counters, which count up from each connection on, into the rates of this router's
 * {@link LinkState}s: each sample's rate is the bytes since the previous sample of that peer over the time between.
 * A counter lower than at the previous sample belongs to a new connection, so that peer's rates start again at 0
 * rather than going negative; a fast link's frames are the kernel's, so its rates are {@link LinkState#NOT_COUNTED};
 * a peer missing from a sample is forgotten, and starts again at 0 when it comes back.
 *
 * <p>Not thread-safe: one thread, the one that samples the router every few seconds, owns it.
 */
public final class LinkSampler {
    /** One connection to another router; only established ones are links. */
    public record Connection(PeerName peer, boolean established, boolean fast, boolean encrypted) {}

    /** The sleeve's counters with one neighbour since its connection began, and its path MTU towards it (0: none). */
    public record Neighbour(PeerName peer, long sentBytes, long receivedBytes, int pathMtu) {}

    private record Counted(long sentBytes, long receivedBytes) {}

    private final Map<PeerName, Counted> previous = new HashMap<>();
    private long previousNanos;
    private boolean sampled;

    /**
     * The links at {@code nowNanos}, in the order of {@code connections} (the first established one of a peer counts).
     *
     * @param nowNanos a monotonic clock ({@link System#nanoTime}); each sample's must be past the one before
     */
    public List<LinkState> sample(long nowNanos, List<Connection> connections, List<Neighbour> neighbours) {
        if (sampled && nowNanos - previousNanos <= 0) {
            throw new IllegalArgumentException("a sample at " + nowNanos + " ns, not after the one at " + previousNanos + " ns");
        }
        Map<PeerName, Neighbour> byPeer = new HashMap<>();
        neighbours.forEach(n -> byPeer.putIfAbsent(n.peer(), n));
        Map<PeerName, LinkState> links = new LinkedHashMap<>();
        for (Connection c : connections) {
            if (!c.established() || links.containsKey(c.peer())) continue;
            Neighbour n = byPeer.get(c.peer());
            long sent = LinkState.NOT_COUNTED, received = LinkState.NOT_COUNTED; // a sleeve link without counters is not counted either
            if (n != null && !c.fast()) {
                Counted before = previous.get(c.peer());
                boolean comparable = before != null && n.sentBytes() >= before.sentBytes() && n.receivedBytes() >= before.receivedBytes();
                sent = comparable ? rate(n.sentBytes() - before.sentBytes(), nowNanos - previousNanos) : 0;
                received = comparable ? rate(n.receivedBytes() - before.receivedBytes(), nowNanos - previousNanos) : 0;
            }
            links.put(c.peer(), new LinkState(c.peer(), c.fast(), c.encrypted(), n == null ? 0 : n.pathMtu(), sent, received));
        }
        previous.clear(); // a neighbour missing now is forgotten
        byPeer.forEach((peer, n) -> previous.put(peer, new Counted(n.sentBytes(), n.receivedBytes())));
        previousNanos = nowNanos;
        sampled = true;
        return new ArrayList<>(links.values());
    }

    /** Bytes a second; a double holds any count to a part in 2^53, and a rate past a long's range saturates. */
    private static long rate(long bytes, long nanos) {
        return Math.round(bytes * 1e9 / nanos);
    }
}

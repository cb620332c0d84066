package weft.router.sleeve;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which peer each remote MAC address lives behind, learned from the source addresses of frames that arrive from
 * peers. Entries not refreshed within the maximum age are forgotten, so a container that moves or goes quiet is
 * found again by flooding. Thread-safe: the receiving thread learns, the sending thread looks up, the mesh loop
 * forgets the MACs of a peer that left.
 */
public final class MacTable {
    /** Returned by {@link #lookup} for a MAC that is not known to live behind any peer. */
    public static final long UNKNOWN = -1;

    private static final class Learned {
        final long peer;
        volatile long lastSeenNanos;

        Learned(long peer, long lastSeenNanos) {
            this.peer = peer;
            this.lastSeenNanos = lastSeenNanos;
        }
    }

    private final Map<Long, Learned> macs = new ConcurrentHashMap<>();
    private final long maxAgeNanos;

    public MacTable(long maxAgeNanos) {
        if (maxAgeNanos <= 0) throw new IllegalArgumentException("maxAgeNanos must be positive");
        this.maxAgeNanos = maxAgeNanos;
    }

    /** Records that {@code mac} was seen behind {@code peer}; returns true if that is new or a move. */
    public boolean learn(long mac, long peer, long nowNanos) {
        Learned known = macs.get(mac);
        if (known != null && known.peer == peer) {
            known.lastSeenNanos = nowNanos;
            return false;
        }
        macs.put(mac, new Learned(peer, nowNanos));
        return true;
    }

    /** The peer {@code mac} lives behind, or {@link #UNKNOWN}. */
    public long lookup(long mac, long nowNanos) {
        Learned known = macs.get(mac);
        if (known == null || nowNanos - known.lastSeenNanos > maxAgeNanos) return UNKNOWN;
        return known.peer;
    }

    /** Forgets {@code mac}, for instance because a frame from it now comes from a local port. */
    public void forget(long mac) {
        macs.remove(mac);
    }

    /** Forgets every MAC learned behind {@code peer}. */
    public void forgetPeer(long peer) {
        macs.values().removeIf(learned -> learned.peer == peer);
    }

    /** Drops entries older than the maximum age; returns how many. */
    public int expire(long nowNanos) {
        int before = macs.size();
        macs.values().removeIf(learned -> nowNanos - learned.lastSeenNanos > maxAgeNanos);
        return before - macs.size();
    }

    public int size() {
        return macs.size();
    }
}

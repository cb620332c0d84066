package weft.router.sleeve;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Which peer each remote MAC address lives behind, learned from the source addresses of frames that arrive from
 * peers. Entries not refreshed within the maximum age count as unknown, so a container that moves or goes quiet is
 * found again by flooding, and they are dropped the next time the table changes.
 *
 * <p>Thread-safe, and allocation-free on the paths every frame takes: lookups and refreshes read an immutable
 * open-addressing snapshot of primitive arrays (no boxed keys), with last-seen times updated in place. Changes (a new
 * MAC, a move, a forget) build a new snapshot under a lock; they are rare next to frames. The receiving thread
 * learns, the sending threads look up and forget MACs that turn out to be local, the mesh loop forgets the MACs of a
 * peer that left.
 */
public final class MacTable {
    /** Returned by {@link #lookup} for a MAC that is not known to live behind any peer. */
    public static final long UNKNOWN = -1;
    /** An empty slot: MACs are 48-bit, so no MAC is -1. */
    private static final long EMPTY = -1;

    /** Keys and peers are fixed once published; only the last-seen times change. */
    private static final class Snapshot {
        final long[] keys, peers;
        final AtomicLongArray seen;
        final int mask;
        int size; // counted by put, before publication

        /** Room for up to {@code entries}, at most half full. */
        Snapshot(int entries) {
            int capacity = Integer.highestOneBit(Math.max(8, entries * 2) - 1) << 1;
            keys = new long[capacity];
            java.util.Arrays.fill(keys, EMPTY);
            peers = new long[capacity];
            seen = new AtomicLongArray(capacity);
            mask = capacity - 1;
        }

        int slot(long mac) {
            for (int i = spread(mac) & mask; ; i = (i + 1) & mask) {
                long key = keys[i];
                if (key == mac) return i;
                if (key == EMPTY) return -1;
            }
        }

        /** Before publication only. */
        void put(long mac, long peer, long seenNanos) {
            int i = spread(mac) & mask;
            while (keys[i] != EMPTY) i = (i + 1) & mask;
            keys[i] = mac;
            peers[i] = peer;
            seen.set(i, seenNanos);
            size++;
        }

        private static int spread(long mac) {
            long h = mac * 0x9E37_79B9_7F4A_7C15L;
            return (int) (h ^ (h >>> 32));
        }
    }

    /** Which entries of the current snapshot a change keeps. */
    private interface Keep {
        boolean test(long mac, long peer, long seenNanos);
    }

    private volatile Snapshot table = new Snapshot(0);
    private final long maxAgeNanos;

    public MacTable(long maxAgeNanos) {
        if (maxAgeNanos <= 0) throw new IllegalArgumentException("maxAgeNanos must be positive");
        this.maxAgeNanos = maxAgeNanos;
    }

    /** Records that {@code mac} was seen behind {@code peer}; returns true if that is new or a move. */
    public boolean learn(long mac, long peer, long nowNanos) {
        Snapshot current = table;
        int i = current.slot(mac);
        if (i >= 0 && current.peers[i] == peer) {
            current.seen.lazySet(i, nowNanos);
            return false;
        }
        synchronized (this) {
            Snapshot latest = table;
            int j = latest.slot(mac);
            if (j >= 0 && latest.peers[j] == peer) {
                latest.seen.set(j, nowNanos);
                return false;
            }
            // a change is also when entries past the maximum age go, so the table holds what is alive, not all ever seen
            replace(latest, (key, owner, seen) -> key != mac && nowNanos - seen <= maxAgeNanos, mac, peer, nowNanos);
            return true;
        }
    }

    /** The peer {@code mac} lives behind, or {@link #UNKNOWN}. */
    public long lookup(long mac, long nowNanos) {
        Snapshot current = table;
        int i = current.slot(mac);
        if (i < 0 || nowNanos - current.seen.get(i) > maxAgeNanos) return UNKNOWN;
        return current.peers[i];
    }

    /** Forgets {@code mac}, for instance because a frame from it now comes from a local port. */
    public synchronized void forget(long mac) {
        Snapshot current = table;
        if (current.slot(mac) >= 0) replace(current, (key, owner, seen) -> key != mac, EMPTY, 0, 0);
    }

    /** Forgets every MAC learned behind {@code peer}. */
    public synchronized void forgetPeer(long peer) {
        replace(table, (key, owner, seen) -> owner != peer, EMPTY, 0, 0);
    }

    /** Entries held, including those past the maximum age that no change has dropped yet. */
    public int size() {
        return table.size;
    }

    /** Under the lock: publishes the entries of {@code from} that {@code keep} keeps, plus {@code mac} unless EMPTY. */
    private void replace(Snapshot from, Keep keep, long mac, long peer, long seenNanos) {
        Snapshot next = new Snapshot(from.size + (mac == EMPTY ? 0 : 1));
        for (int i = 0; i < from.keys.length; i++) {
            long key = from.keys[i];
            if (key != EMPTY && keep.test(key, from.peers[i], from.seen.get(i))) next.put(key, from.peers[i], from.seen.get(i));
        }
        if (mac != EMPTY) next.put(mac, peer, seenNanos);
        table = next;
    }
}

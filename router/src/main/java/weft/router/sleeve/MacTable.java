package weft.router.sleeve;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.security.SecureRandom;

/**
 * Which peer each remote MAC address lives behind, learned from the source addresses of frames that arrive from
 * peers, as a switch learns: at most {@code maxEntries} MACs (by default {@value #DEFAULT_MAX_ENTRIES}), each learnt
 * at a constant cost however many there are; a new MAC when the table is full is refused and counted
 * ({@link #refused}), and its frames keep being flooded. Entries not refreshed within the maximum age count as
 * unknown, so a container that moves or goes quiet is found again by flooding; they are swept out (which makes room)
 * when a new MAC comes at least a {@linkplain #sweepIntervalNanos sweep interval} after the last sweep.
 *
 * <p>Thread-safe, and lock-free and allocation-free on the paths every frame takes. The table is an open-addressing
 * hash table (linear probing, keyed with a secret multiplier so that nobody can choose MACs that collide) in one array of
 * longs, an entry's MAC, peer and last-seen time side by side. Readers ({@link #lookup}, and {@link #learn} of a MAC
 * already there with the same peer, which only refreshes its time) take no lock. Writers of anything else (a new MAC,
 * a move, a forget, a sweep) hold the table's lock, which readers never take, and change entries in place: a new
 * entry's peer and time are written before its MAC (release; readers read the MAC with acquire); a removed entry's
 * MAC becomes a tombstone, which probes pass over. A slot once given a MAC never takes another, so a reader that
 * found its MAC in a slot reads that MAC's peer, never another's; slots come back only when the table is rebuilt
 * into a new array (once tombstones and live entries fill three quarters of it, or live ones half), which readers
 * still on the old array see unchanged. Each rebuild copies at most the slots of a table that has since taken at
 * least a quarter of its size in new entries, so learning costs a constant amortised time.
 *
 * <p>The receiving thread learns, the sending threads look up and forget MACs that turn out to be local, the mesh
 * loop forgets the MACs of a peer that left, status and metrics read the size and the refusals.
 */
public final class MacTable {
    /** Returned by {@link #lookup} for a MAC that is not known to live behind any peer. */
    public static final long UNKNOWN = -1;
    /**
     * The bound a router's table has unless told otherwise: far more containers than a mesh of Weft's size carries
     * (Weave's users ran a few thousand), yet small (768 KiB of table at most) and quick to sweep (a few tens of µs).
     */
    public static final int DEFAULT_MAX_ENTRIES = 16_384;
    /** MACs are 48-bit, so no MAC is negative: a never-used slot, and one whose MAC was removed. */
    private static final long EMPTY = -1, REMOVED = -2;
    /** An entry, 24 bytes: its MAC, its peer, when it was last seen; a lookup mostly reads one cache line. */
    private static final int MAC = 0, PEER = 1, SEEN = 2, STRIDE = 3;
    private static final int MIN_SLOTS = 16;
    private static final long MAX_SWEEP_INTERVAL_NANOS = 1_000_000_000L;
    private static final VarHandle ENTRIES = MethodHandles.arrayElementVarHandle(long[].class);

    /** One array of slots; replaced whole by a rebuild, changed in place otherwise. */
    private static final class Slots {
        final long[] entries;
        final int mask, shift;
        int used; // under the lock: live entries and tombstones

        Slots(int slots) {
            entries = new long[slots * STRIDE];
            for (int i = 0; i < entries.length; i += STRIDE) entries[i + MAC] = EMPTY;
            mask = slots - 1;
            shift = Long.numberOfLeadingZeros(mask); // 64 - log2(slots): the product's top bits index the slots
        }

        int slots() {
            return mask + 1;
        }
    }

    private final long maxAgeNanos, refreshNanos, sweepIntervalNanos, multiplier;
    private final int maxEntries, maxSlots;
    private volatile Slots table = new Slots(MIN_SLOTS);
    /** Written under the lock, read by anyone. */
    private volatile int size;
    private volatile long refused;
    // under the lock
    private long nextSweep;
    private boolean sweepScheduled;
    /** Slots looked at by writers (probes, sweeps, rebuilds), and rebuilds: what tests count work by. */
    private long slotsVisited, rebuilds;

    /** A table of at most {@value #DEFAULT_MAX_ENTRIES} MACs. */
    public MacTable(long maxAgeNanos) {
        this(maxAgeNanos, DEFAULT_MAX_ENTRIES);
    }

    public MacTable(long maxAgeNanos, int maxEntries) {
        this(maxAgeNanos, maxEntries, new SecureRandom().nextLong());
    }

    /** @param seed keys the hash; tests fix it, the other constructors draw it so that nobody can predict it */
    MacTable(long maxAgeNanos, int maxEntries, long seed) {
        if (maxAgeNanos <= 0) throw new IllegalArgumentException("maxAgeNanos must be positive");
        if (maxEntries < 1 || maxEntries > 1 << 24) throw new IllegalArgumentException("maxEntries " + maxEntries);
        this.maxAgeNanos = maxAgeNanos;
        // a refresh writes the time only when it moved on by this much, so that the receiving thread does not take
        // the cache line of a busy MAC from the sending threads' cores on every frame; entries age up to it early
        this.refreshNanos = maxAgeNanos >> 10;
        this.sweepIntervalNanos = Math.min(maxAgeNanos, MAX_SWEEP_INTERVAL_NANOS);
        this.maxEntries = maxEntries;
        this.maxSlots = Math.max(MIN_SLOTS, Integer.highestOneBit(maxEntries * 2 - 1) << 1);
        this.multiplier = seed | 1;
    }

    /**
     * Records that {@code mac} (48-bit) was seen behind {@code peer}; returns true if that is new or a move, false for
     * a MAC seen there before, or a new one refused because the table is full.
     */
    public boolean learn(long mac, long peer, long nowNanos) {
        Slots current = table;
        int at = find(current, mac);
        if (at >= 0 && (long) ENTRIES.getOpaque(current.entries, at + PEER) == peer) {
            refresh(current.entries, at, nowNanos); // into an array just rebuilt away it is lost: the next frame refreshes
            return false;
        }
        return learnLocked(mac, peer, nowNanos);
    }

    private synchronized boolean learnLocked(long mac, long peer, long now) {
        Slots current = table;
        int at = probe(current, mac);
        if (at >= 0) {
            long[] entries = current.entries;
            if ((long) ENTRIES.getOpaque(entries, at + PEER) == peer) {
                refresh(entries, at, now);
                return false;
            }
            ENTRIES.setOpaque(entries, at + SEEN, now);
            ENTRIES.setRelease(entries, at + PEER, peer); // a move: readers see the old owner or the new one
            return true;
        }
        if (!sweepScheduled) {
            sweepScheduled = true;
            nextSweep = now + sweepIntervalNanos;
        } else if (now - nextSweep >= 0) {
            sweep(current, now);
            nextSweep = now + sweepIntervalNanos;
        }
        if (size >= maxEntries) {
            refused = refused + 1; // the lock orders the writes; readers only read
            return false;
        }
        if (size + 1 > current.slots() / 2 || current.used + 1 > current.slots() - current.slots() / 4) {
            insert(rebuild(current, now), mac, peer, now);
        } else {
            put(current, -at - 1, mac, peer, now); // where the probe ended: a sweep makes tombstones, not empty slots
        }
        size = size + 1;
        return true;
    }

    /** The peer {@code mac} lives behind, or {@link #UNKNOWN}. */
    public long lookup(long mac, long nowNanos) {
        Slots current = table;
        int at = find(current, mac);
        if (at < 0) return UNKNOWN;
        long[] entries = current.entries;
        if (nowNanos - (long) ENTRIES.getOpaque(entries, at + SEEN) > maxAgeNanos) return UNKNOWN;
        return (long) ENTRIES.getOpaque(entries, at + PEER);
    }

    /** Forgets {@code mac}, for instance because a frame from it now comes from a local port. */
    public synchronized void forget(long mac) {
        Slots current = table;
        int at = probe(current, mac);
        if (at < 0) return;
        ENTRIES.setRelease(current.entries, at + MAC, REMOVED);
        size = size - 1;
    }

    /** Forgets every MAC learned behind {@code peer}. */
    public synchronized void forgetPeer(long peer) {
        long[] entries = table.entries;
        int removed = 0;
        for (int at = 0; at < entries.length; at += STRIDE) {
            if (entries[at + MAC] >= 0 && entries[at + PEER] == peer) {
                ENTRIES.setRelease(entries, at + MAC, REMOVED);
                removed++;
            }
        }
        slotsVisited += entries.length / STRIDE;
        size = size - removed;
    }

    /** Entries held, including those past the maximum age that no sweep has removed yet. */
    public int size() {
        return size;
    }

    /** The most entries the table holds. */
    public int maxEntries() {
        return maxEntries;
    }

    /** New MACs refused so far because the table was full. */
    public long refused() {
        return refused;
    }

    /** How long after a sweep of the entries past the maximum age a new MAC sweeps again: a second, or the age if shorter. */
    long sweepIntervalNanos() {
        return sweepIntervalNanos;
    }

    /** Slots that writers have looked at so far: a count of the work changes took, for tests. */
    synchronized long slotsVisited() {
        return slotsVisited;
    }

    /** How often the table was rebuilt into a new array, for tests. */
    synchronized long rebuilds() {
        return rebuilds;
    }

    /** The index in {@code slots.entries} of {@code mac}'s entry, or -1; lock-free. */
    private int find(Slots slots, long mac) {
        long[] entries = slots.entries;
        for (int i = home(mac, slots); ; i = (i + 1) & slots.mask) {
            long key = (long) ENTRIES.getAcquire(entries, i * STRIDE);
            if (key == mac) return i * STRIDE;
            if (key == EMPTY) return -1; // a table always has empty slots: it is rebuilt before they run out
        }
    }

    /**
     * Under the lock: as {@link #find}, counting the slots it looks at, but for a MAC that is not there returns
     * {@code -1 - } the index of the empty slot its probe sequence ended at, where it goes.
     */
    private int probe(Slots slots, long mac) {
        long[] entries = slots.entries;
        for (int i = home(mac, slots); ; i = (i + 1) & slots.mask) {
            slotsVisited++;
            long key = entries[i * STRIDE];
            if (key == mac) return i * STRIDE;
            if (key == EMPTY) return -1 - i * STRIDE;
        }
    }

    /** Under the lock: puts a MAC that is not there into the first empty slot of its probe sequence (never a tombstone). */
    private void insert(Slots slots, long mac, long peer, long now) {
        put(slots, -probe(slots, mac) - 1, mac, peer, now);
    }

    /** Under the lock: fills the empty slot at {@code at}, the MAC last, so that a reader who finds it finds its peer. */
    private void put(Slots slots, int at, long mac, long peer, long now) {
        long[] entries = slots.entries;
        ENTRIES.setOpaque(entries, at + PEER, peer);
        ENTRIES.setOpaque(entries, at + SEEN, now);
        ENTRIES.setRelease(entries, at + MAC, mac);
        slots.used++;
    }

    private void refresh(long[] entries, int at, long now) {
        if (now - (long) ENTRIES.getOpaque(entries, at + SEEN) > refreshNanos) ENTRIES.setOpaque(entries, at + SEEN, now);
    }

    /** Under the lock: turns every entry past the maximum age into a tombstone. */
    private void sweep(Slots slots, long now) {
        long[] entries = slots.entries;
        int removed = 0;
        for (int at = 0; at < entries.length; at += STRIDE) {
            if (entries[at + MAC] >= 0 && now - (long) ENTRIES.getOpaque(entries, at + SEEN) > maxAgeNanos) {
                ENTRIES.setRelease(entries, at + MAC, REMOVED);
                removed++;
            }
        }
        slotsVisited += entries.length / STRIDE;
        size = size - removed;
    }

    /**
     * Under the lock, before a new entry that would fill {@code from} half with entries or three quarters with entries
     * and tombstones: publishes a new array holding the live entries of {@code from} (those past the maximum age left
     * out), and returns it. It is twice as large when the new entry makes half, as large otherwise, or smaller while
     * an eighth would hold the entries: so a quarter of its slots at least take new entries before the next rebuild.
     */
    private Slots rebuild(Slots from, long now) {
        int slots = from.slots();
        if (size + 1 > slots / 2) {
            slots = Math.min(maxSlots, slots * 2);
        } else {
            while (slots > MIN_SLOTS && (size + 1) * 8 <= slots) slots /= 2;
        }
        Slots next = new Slots(slots);
        long[] old = from.entries;
        int kept = 0;
        for (int at = 0; at < old.length; at += STRIDE) {
            long mac = old[at + MAC];
            long seen = (long) ENTRIES.getOpaque(old, at + SEEN);
            if (mac < 0 || now - seen > maxAgeNanos) continue;
            insert(next, mac, old[at + PEER], seen);
            kept++;
        }
        slotsVisited += old.length / STRIDE;
        rebuilds++;
        size = kept;
        table = next;
        return next;
    }

    /**
     * The slot a MAC's probe sequence starts at: the top bits of the MAC times the table's secret odd multiplier
     * (multiply-shift hashing, a universal family: whoever does not know the multiplier cannot choose MACs that
     * collide more often than chance would have them).
     */
    private int home(long mac, Slots slots) {
        return (int) ((mac * multiplier) >>> slots.shift);
    }
}

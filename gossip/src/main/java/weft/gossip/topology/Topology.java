package weft.gossip.topology;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.random.RandomGenerator;
import weft.gossip.PeerIdentity;
import weft.gossip.PeerName;

/**
 * Who is connected to whom, as far as this router knows: our own {@link PeerRecord} and the newest
 * record of every other peer, plus placeholders for peers that are only named in someone's links.
 *
 * <p>Merge keeps, per peer, the record that {@linkplain PeerRecord#supersedes(PeerRecord)
 * supersedes} all others seen; since only a peer writes its own record, the resulting state does not
 * depend on the order, grouping or repetition of merges (commutative, associative, idempotent).
 * The exception is our own record, which only we write: a record about us from another incarnation
 * makes us bump our version past it instead of adopting it.
 *
 * <p>Bounded: it holds at most {@link #MAX_PEERS} peers, records and placeholders together. Beyond that a
 * record of a peer it does not hold yet is refused and counted ({@link #refusedRecords()}), and no new
 * placeholders are made, except for our own neighbours: a peer we are connected to is always held, so the
 * bound can be exceeded by at most our own links (themselves bounded by the connection limit). Below the
 * bound merge is order-independent as stated; at it, which of the peers beyond the bound are held depends on
 * arrival order, until forgetting unreachable peers makes room.
 *
 * <p>Owned by the mesh loop: not thread-safe. Routes are computed from {@link #records()}, an
 * immutable snapshot that may cross threads.
 */
public final class Topology {
    /**
     * Peers held at most, ourselves and placeholders included: as many as a digest or an update may name
     * ({@link TopologyCodec#MAX_COUNT}), so the whole topology always fits one anti-entropy message. That is
     * eight times the 500 routers measured (README, 'Mesh gossip cost against size'), whose cold start costs
     * each peer about 34 KB per round; past 4095 peers the fast path's 12-bit short ids run out anyway.
     */
    public static final int MAX_PEERS = TopologyCodec.MAX_COUNT;

    private final PeerName self;
    private final RandomGenerator random;
    private final int maxPeers;
    private long refusedRecords;
    // sorted: iteration order is part of what makes every router compute the same thing
    private final TreeMap<PeerName, PeerRecord> records = new TreeMap<>();
    private PeerRecord own;

    /**
     * A topology that knows only us, with no links, version 1 and a random short id.
     *
     * @param random picks the short id, now and after collisions
     */
    public Topology(PeerIdentity identity, RandomGenerator random) {
        this(identity, random, MAX_PEERS);
    }

    /** As above, holding at most {@code maxPeers} peers (tests use a small bound). */
    Topology(PeerIdentity identity, RandomGenerator random, int maxPeers) {
        if (maxPeers < 1) {
            throw new IllegalArgumentException("a topology holds at least ourselves, not " + maxPeers);
        }
        this.self = identity.name();
        this.random = random;
        this.maxPeers = maxPeers;
        this.own = new PeerRecord(self, identity.nickname(), identity.incarnation(), 1,
                1 + random.nextInt(PeerRecord.MAX_SHORT_ID), List.of());
        records.put(self, own);
    }

    /** Our name. */
    public PeerName self() {
        return self;
    }

    /** Our own current record. */
    public PeerRecord ownRecord() {
        return own;
    }

    /** The record we hold for {@code name} (possibly a placeholder). */
    public Optional<PeerRecord> get(PeerName name) {
        return Optional.ofNullable(records.get(name));
    }

    /** An immutable snapshot of every record we hold, placeholders included, sorted by name. */
    public SortedMap<PeerName, PeerRecord> records() {
        return Collections.unmodifiableSortedMap(new TreeMap<>(records));
    }

    /** How many peers we know, placeholders and ourselves included. */
    public int size() {
        return records.size();
    }

    /** Whether we hold as many peers as we may: records of new peers are refused. */
    public boolean isFull() {
        return records.size() >= maxPeers;
    }

    /** Whether a record of {@code name} would be taken: we hold the peer already, or there is room. */
    public boolean holdsOrHasRoomFor(PeerName name) {
        return records.containsKey(name) || !isFull();
    }

    /** Records of new peers refused because we were {@linkplain #isFull() full}, since start. */
    public long refusedRecords() {
        return refusedRecords;
    }

    /**
     * Replaces our links and bumps our version. Each call is one version: callers coalesce bursts of
     * changes (see {@link TopologyGossip#selfChanged()}).
     *
     * @return our new record
     */
    public PeerRecord updateSelf(List<PeerLink> links) {
        own = new PeerRecord(self, own.nickname(), own.incarnation(), own.version() + 1, own.shortId(), links);
        records.put(self, own);
        refreshPlaceholders();
        return own;
    }

    /**
     * Merges records received from a peer.
     *
     * @return the records that improved our view, sorted by name: what is worth passing on. Includes
     *         our own record when the merge made us bump it (an old incarnation of ours was seen, or
     *         our short id collided with a lower name's).
     */
    public List<PeerRecord> merge(Collection<PeerRecord> incoming) {
        Map<PeerName, PeerRecord> improved = new TreeMap<>();
        boolean bumpSelf = false;
        long beyond = own.version();
        for (PeerRecord record : incoming) {
            if (record.isPlaceholder()) {
                continue; // carries no knowledge; never sent by us, ignored from others
            }
            if (record.name().equals(self)) {
                // Our record is ours alone. One from another incarnation (we restarted) that would win
                // anywhere must lose everywhere: bump past it so the current incarnation wins.
                if (record.incarnation() != own.incarnation() ? record.version() >= own.version()
                        : record.version() > own.version()) {
                    bumpSelf = true;
                    beyond = Math.max(beyond, record.version());
                }
                continue;
            }
            PeerRecord current = records.get(record.name());
            if (current == null && isFull()) {
                refusedRecords++;
                continue;
            }
            if (current == null || record.supersedes(current)) {
                records.put(record.name(), record);
                improved.put(record.name(), record);
            }
        }
        if (!improved.isEmpty()) {
            refreshPlaceholders();
        }
        if (bumpSelf) {
            own = own.withVersion(beyond + 1);
            records.put(self, own);
        }
        Optional<PeerName> collision = shortIdCollision();
        if (collision.isPresent()) {
            own = own.withShortId(freeShortId(), own.version() + 1);
            records.put(self, own);
            bumpSelf = true;
        }
        if (bumpSelf) {
            improved.put(self, own);
        }
        return List.copyOf(improved.values());
    }

    /**
     * The peer with a lower name that holds our short id, if any: that peer keeps it and we must
     * pick another. A collision with a higher name is theirs to resolve.
     */
    public Optional<PeerName> shortIdCollision() {
        for (PeerRecord record : records.values()) {
            if (record.name().compareTo(self) >= 0) {
                break; // sorted by name: the rest are higher
            }
            if (!record.isPlaceholder() && record.shortId() == own.shortId()) {
                return Optional.of(record.name());
            }
        }
        return Optional.empty();
    }

    private int freeShortId() {
        Set<Integer> used = new HashSet<>();
        for (PeerRecord record : records.values()) {
            used.add(record.shortId());
        }
        // random start then scan: random so that two losers of one collision rarely pick the same id
        int start = 1 + random.nextInt(PeerRecord.MAX_SHORT_ID);
        for (int i = 0; i < PeerRecord.MAX_SHORT_ID; i++) {
            int candidate = 1 + (start - 1 + i) % PeerRecord.MAX_SHORT_ID;
            if (!used.contains(candidate)) {
                return candidate;
            }
        }
        // more than 4095 peers: no free id; keep ours (the fast path then cannot tell these two apart)
        return own.shortId();
    }

    /**
     * The peers reachable from us by following, from each reached peer, the links its own record
     * lists. Any link counts, established or not: a peer whose connection is still handshaking or
     * whose data path is down is still part of the mesh (its addresses and IP ranges are still
     * its own), and forgetting it on every flap would churn the MAC cache and IPAM. Only the links
     * a reached peer reports itself are followed, never links others report to it: a dead peer's
     * last record still lists its old links and must not keep it alive.
     */
    public Set<PeerName> reachable() {
        Set<PeerName> seen = new HashSet<>();
        ArrayDeque<PeerName> queue = new ArrayDeque<>();
        seen.add(self);
        queue.add(self);
        while (!queue.isEmpty()) {
            PeerRecord record = records.get(queue.poll());
            if (record == null) {
                continue;
            }
            for (PeerLink link : record.links()) {
                if (seen.add(link.peer())) {
                    queue.add(link.peer());
                }
            }
        }
        return seen;
    }

    /** The names of the peers we hold that are not {@linkplain #reachable() reachable}, sorted. */
    public List<PeerName> unreachable() {
        Set<PeerName> reachable = reachable();
        List<PeerName> result = new ArrayList<>();
        for (PeerName name : records.keySet()) {
            if (!reachable.contains(name)) {
                result.add(name);
            }
        }
        return result;
    }

    /**
     * Drops every peer that is not {@linkplain #reachable() reachable}.
     *
     * @return the dropped peers, sorted (the router forgets their MACs)
     */
    public List<PeerName> forgetUnreachable() {
        return forget(unreachable());
    }

    /**
     * Drops the given peers (never ourselves).
     *
     * @return the peers that were actually dropped, in the given order
     */
    public List<PeerName> forget(Collection<PeerName> names) {
        List<PeerName> dropped = new ArrayList<>();
        for (PeerName name : names) {
            if (!name.equals(self) && records.remove(name) != null) {
                dropped.add(name);
            }
        }
        return dropped;
    }

    /**
     * The versions of the reachable real records, sorted by name: what anti-entropy offers. Records of
     * unreachable peers are left out so that a dead peer forgotten by some routers is not pulled back
     * from the others.
     */
    public List<DigestEntry> digest() {
        Set<PeerName> reachable = reachable();
        List<DigestEntry> entries = new ArrayList<>();
        for (PeerRecord record : records.values()) {
            if (!record.isPlaceholder() && reachable.contains(record.name())) {
                entries.add(record.digestEntry());
            }
        }
        return entries;
    }

    /**
     * An order-independent 64-bit summary of {@link #digest()}: two routers with equal digests have
     * equal hashes, so a matching hash lets anti-entropy skip the digest.
     */
    public long digestHash() {
        long sum = 0;
        for (DigestEntry entry : digest()) {
            sum += mix(entry.name().value() * 0x9E3779B97F4A7C15L ^ mix(entry.version() ^ mix(entry.incarnation())));
        }
        return sum;
    }

    private static long mix(long z) { // splitmix64 finaliser: spreads every input bit
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    // Placeholders are exactly the peers named in current records' links that have no record of their
    // own: a function of the real records, so merge order cannot leave different placeholders behind.
    // Within the bound, our own neighbours first: see the class comment.
    private void refreshPlaceholders() {
        Set<PeerName> named = new TreeSet<>(); // sorted: at the bound, the same records leave the same placeholders
        for (PeerRecord record : records.values()) {
            for (PeerLink link : record.links()) {
                named.add(link.peer());
            }
        }
        records.values().removeIf(record -> record.isPlaceholder() && !named.contains(record.name()));
        for (PeerLink link : own.links()) {
            records.putIfAbsent(link.peer(), PeerRecord.placeholder(link.peer()));
        }
        for (PeerName name : named) {
            if (isFull()) {
                break;
            }
            records.putIfAbsent(name, PeerRecord.placeholder(name));
        }
    }

    /** For logs: how many peers, how many of them placeholders. */
    @Override
    public String toString() {
        long placeholders = records.values().stream().filter(PeerRecord::isPlaceholder).count();
        return "Topology[" + self + " v" + own.version() + ", " + records.size() + " peers, " + placeholders
                + " placeholders]";
    }
}

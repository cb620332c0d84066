package weft.ipam;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.ToLongFunction;
import weft.gossip.PeerName;
import weft.gossip.wire.Decoding;

/**
 * The address-allocation ring: a state CRDT that says which peer owns each address of the universe
 * ({@code --ipalloc-range}).
 *
 * <h2>Model</h2>
 * Entries are sorted by token; entry {@code i} owns {@code [token(i), token(i+1))} and the last entry
 * owns up to the end of the universe. An initialised ring always has a token at the universe's start,
 * so every address has exactly one owner in any one ring. Tokens are never removed. Only the owner of
 * a range writes: it inserts tokens inside its own range and re-owns its entries to another peer,
 * bumping versions. Rings travel whole (never as deltas), so a peer that learns of a token also learns
 * of every token its sender knew.
 *
 * <h2>Merge</h2>
 * Rings of the same {@link RingId}: the union of tokens, and per token the entry greatest by
 * {@link RingEntry#ORDER} (version first). That is commutative, associative and idempotent. Because only
 * the current owner can write the next version of a token, at most one peer believes it owns the latest
 * version of any range; merge never creates an owner, it only picks between versions. Same version with
 * different contents cannot happen between correct peers; it is resolved by the order anyway and
 * reported as {@link RingConflict.Kind#INCONSISTENT_ENTRY}.
 *
 * <h2>Independently initialised rings</h2>
 * Weave failed such merges ("IP allocation was seeded by different peers") and tore the connection down,
 * and the only fix was deleting the data file. Here a merge of two rings with different identities
 * returns the ring with the lower {@link RingId} whole (still a CRDT: the lowest identity wins) and
 * reports {@link RingConflict.Kind#INDEPENDENT_RINGS}. Nothing is torn down. Whether a peer adopts the
 * winner is the {@link Allocator}'s decision: a peer that holds no addresses adopts it automatically; a
 * peer that holds addresses keeps its ring, shows the conflict in its status and adopts only when an
 * operator calls {@link Allocator#adoptWinningRing()}, because its containers' addresses may belong to
 * someone else in the winning ring. Different universes never merge
 * ({@link RingConflict.Kind#DIFFERENT_UNIVERSE}).
 *
 * <p>Immutable value; thread-safe.
 */
public final class Ring {
    /** Version added by an admin takeover, so it wins against anything the dead peer wrote. */
    public static final long TAKEOVER_VERSION_STEP = 1L << 20;
    /** Most entries a decoded ring may have (a /8 split into /24s, twice over). */
    public static final int MAX_ENTRIES = 1 << 17;

    private final AddressRange universe;
    private final RingId identity; // null iff entries is empty
    private final List<RingEntry> entries; // sorted by token, distinct; first token == universe.start

    private Ring(AddressRange universe, RingId identity, List<RingEntry> entries) {
        this.universe = universe;
        this.identity = identity;
        this.entries = List.copyOf(entries);
    }

    /** A ring nobody has initialised yet. */
    public static Ring empty(AddressRange universe) {
        return new Ring(universe, null, List.of());
    }

    /**
     * The ring split between {@code identity}'s seeds by recursive halving, so each seed's share is a
     * CIDR block (or two adjacent ones). Every peer computes the same ring from the same identity.
     */
    public static Ring seeded(AddressRange universe, RingId identity) {
        if (universe.prefixLength() < 0) {
            throw new IllegalArgumentException("the universe must be a CIDR block: " + universe);
        }
        List<RingEntry> entries = new ArrayList<>();
        subdivide(universe, identity.seeds(), entries);
        return new Ring(universe, identity, entries);
    }

    private static void subdivide(AddressRange range, List<PeerName> seeds, List<RingEntry> out) {
        if (seeds.size() == 1 || range.size() == 1) {
            out.add(new RingEntry(range.start(), seeds.getFirst(), 0, range.size()));
            return;
        }
        int half = seeds.size() / 2;
        long mid = range.start() + range.size() / 2;
        subdivide(new AddressRange(range.start(), mid), seeds.subList(0, half), out);
        subdivide(new AddressRange(mid, range.end()), seeds.subList(half, seeds.size()), out);
    }

    /** A ring from decoded parts, or the reason the parts do not make a ring. */
    public static Decoding<Ring> of(AddressRange universe, RingId identity, List<RingEntry> entries) {
        Ring ring = new Ring(universe, identity, entries);
        List<String> problems = ring.violations();
        return problems.isEmpty() ? new Decoding.Decoded<>(ring) : new Decoding.Refused<>(problems.getFirst());
    }

    public AddressRange universe() {
        return universe;
    }

    /** Null while uninitialised. */
    public RingId identity() {
        return identity;
    }

    public boolean isInitialised() {
        return identity != null;
    }

    public List<RingEntry> entries() {
        return entries;
    }

    /** The addresses entry {@code index} owns. */
    public AddressRange rangeOf(int index) {
        long end = index + 1 < entries.size() ? entries.get(index + 1).token() : universe.end();
        return new AddressRange(entries.get(index).token(), end);
    }

    /** The owner of {@code address}, or null when it is outside the universe or the ring is empty. */
    public PeerName ownerOf(long address) {
        int i = indexOf(address);
        return i < 0 ? null : entries.get(i).owner();
    }

    private int indexOf(long address) {
        if (!universe.contains(address) || entries.isEmpty()) {
            return -1;
        }
        int lo = 0;
        int hi = entries.size() - 1;
        while (lo < hi) { // greatest i with token(i) <= address; token(0) == universe.start
            int mid = (lo + hi + 1) >>> 1;
            if (entries.get(mid).token() <= address) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** The ranges {@code peer} owns, adjacent ones joined, in address order. */
    public List<AddressRange> rangesOwnedBy(PeerName peer) {
        List<AddressRange> out = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            if (!entries.get(i).owner().equals(peer)) {
                continue;
            }
            AddressRange r = rangeOf(i);
            if (!out.isEmpty() && out.getLast().end() == r.start()) {
                out.set(out.size() - 1, new AddressRange(out.getLast().start(), r.end()));
            } else {
                out.add(r);
            }
        }
        return out;
    }

    /** Reported free addresses per owner inside {@code within} (each entry's free, capped by its overlap). */
    public Map<PeerName, Long> freeByOwner(AddressRange within) {
        Map<PeerName, Long> out = new TreeMap<>(); // sorted: same inputs, same donor choice
        for (int i = 0; i < entries.size(); i++) {
            AddressRange r = rangeOf(i);
            var overlap = r.intersect(within);
            if (overlap.isPresent()) {
                RingEntry e = entries.get(i);
                out.merge(e.owner(), Math.min(e.free(), overlap.get().size()), Long::sum);
            }
        }
        return out;
    }

    /**
     * This ring with {@code block} re-owned from {@code from} to {@code to}: tokens are inserted at the
     * block's ends if needed and every entry inside it gets {@code to}, a bumped version and all its
     * addresses as free (donors give only free blocks).
     *
     * @throws IllegalStateException if {@code from} does not own every address of {@code block}
     */
    public Ring grant(AddressRange block, PeerName from, PeerName to) {
        if (!universe.contains(block)) {
            throw new IllegalStateException(block + " is outside " + universe);
        }
        List<RingEntry> list = new ArrayList<>(entries);
        split(list, block.start(), from);
        if (block.end() < universe.end()) {
            split(list, block.end(), from);
        }
        for (int i = 0; i < list.size(); i++) {
            RingEntry e = list.get(i);
            if (e.token() >= block.start() && e.token() < block.end()) {
                if (!e.owner().equals(from)) {
                    throw new IllegalStateException(from + " grants " + block + " but " + e.owner() + " owns "
                            + AddressRange.format(e.token()));
                }
                long end = i + 1 < list.size() ? list.get(i + 1).token() : universe.end();
                list.set(i, new RingEntry(e.token(), to, e.version() + 1, end - e.token()));
            }
        }
        return new Ring(universe, identity, list);
    }

    // Inserts a token at address, copying the enclosing entry with a bumped version (its owner is
    // writing, so the bump keeps "same version, same contents").
    private void split(List<RingEntry> list, long address, PeerName writer) {
        int lo = 0;
        int hi = list.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (list.get(mid).token() <= address) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        RingEntry e = list.get(lo);
        if (e.token() == address) {
            return;
        }
        if (!e.owner().equals(writer)) {
            throw new IllegalStateException(writer + " splits at " + AddressRange.format(address) + " owned by " + e.owner());
        }
        long leftSize = address - e.token();
        list.set(lo, new RingEntry(e.token(), e.owner(), e.version() + 1, Math.min(e.free(), leftSize)));
        long end = lo + 1 < list.size() ? list.get(lo + 1).token() : universe.end();
        list.add(lo + 1, new RingEntry(address, e.owner(), e.version() + 1, Math.min(e.free(), end - address)));
    }

    /** This ring with {@code owner}'s free counts set from {@code freeIn}; only changed entries are bumped. */
    public Ring withFree(PeerName owner, ToLongFunction<AddressRange> freeIn) {
        List<RingEntry> list = null;
        for (int i = 0; i < entries.size(); i++) {
            RingEntry e = entries.get(i);
            if (!e.owner().equals(owner)) {
                continue;
            }
            long free = freeIn.applyAsLong(rangeOf(i));
            if (free != e.free()) {
                if (list == null) {
                    list = new ArrayList<>(entries);
                }
                list.set(i, new RingEntry(e.token(), owner, e.version() + 1, free));
            }
        }
        return list == null ? this : new Ring(universe, identity, list);
    }

    /**
     * This ring with every entry of {@code dead} given to {@code heir}, versions raised by
     * {@link #TAKEOVER_VERSION_STEP} so the takeover wins against anything {@code dead} wrote and we
     * have not heard of. The one write not made by the owner: safe only if {@code dead} never returns.
     */
    public Ring takeOver(PeerName dead, PeerName heir) {
        List<RingEntry> list = new ArrayList<>(entries);
        for (int i = 0; i < list.size(); i++) {
            RingEntry e = list.get(i);
            if (e.owner().equals(dead)) {
                list.set(i, new RingEntry(e.token(), heir, e.version() + TAKEOVER_VERSION_STEP, rangeOf(i).size()));
            }
        }
        return new Ring(universe, identity, list);
    }

    /** This ring merged with {@code other}; see the class comment for the rules. */
    public RingMerge merge(Ring other) {
        if (!universe.equals(other.universe)) {
            return new RingMerge(this, List.of(new RingConflict(RingConflict.Kind.DIFFERENT_UNIVERSE,
                    "a peer uses allocation range " + other.universe + ", we use " + universe + "; not merged")));
        }
        if (!other.isInitialised()) {
            return new RingMerge(this, List.of());
        }
        if (!isInitialised()) {
            return new RingMerge(other, List.of());
        }
        if (!identity.equals(other.identity)) {
            Ring winner = identity.compareTo(other.identity) < 0 ? this : other;
            Ring loser = winner == this ? other : this;
            return new RingMerge(winner, List.of(new RingConflict(RingConflict.Kind.INDEPENDENT_RINGS,
                    "two independently initialised rings: " + winner.identity + " wins over " + loser.identity)));
        }
        List<RingEntry> out = new ArrayList<>(entries.size() + other.entries.size());
        List<RingConflict> conflicts = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < entries.size() || j < other.entries.size()) {
            RingEntry a = i < entries.size() ? entries.get(i) : null;
            RingEntry b = j < other.entries.size() ? other.entries.get(j) : null;
            if (b == null || (a != null && a.token() < b.token())) {
                out.add(a);
                i++;
            } else if (a == null || b.token() < a.token()) {
                out.add(b);
                j++;
            } else {
                if (a.version() == b.version() && !a.equals(b)) {
                    conflicts.add(new RingConflict(RingConflict.Kind.INCONSISTENT_ENTRY, "token "
                            + AddressRange.format(a.token()) + " version " + a.version() + ": " + a.owner()
                            + " free " + a.free() + " vs " + b.owner() + " free " + b.free()));
                }
                out.add(RingEntry.ORDER.compare(a, b) >= 0 ? a : b);
                i++;
                j++;
            }
        }
        Ring merged = new Ring(universe, identity, out);
        return new RingMerge(merged.equals(this) ? this : merged, conflicts);
    }

    /** Broken invariants, one line each; empty for a valid ring. */
    public List<String> violations() {
        List<String> out = new ArrayList<>();
        if ((identity == null) != entries.isEmpty()) {
            out.add("ring identity and entries disagree about initialisation");
        }
        if (entries.size() > MAX_ENTRIES) {
            out.add("ring has " + entries.size() + " entries, more than " + MAX_ENTRIES);
        }
        if (!entries.isEmpty() && entries.getFirst().token() != universe.start()) {
            out.add("first token " + AddressRange.format(entries.getFirst().token()) + " is not the start of " + universe);
        }
        for (int i = 0; i < entries.size(); i++) {
            RingEntry e = entries.get(i);
            if (!universe.contains(e.token())) {
                out.add("token " + AddressRange.format(e.token()) + " is outside " + universe);
                continue;
            }
            if (i > 0 && entries.get(i - 1).token() >= e.token()) {
                out.add("tokens out of order at " + AddressRange.format(e.token()));
                continue;
            }
            // free may exceed the range: a token inserted by a later owner shrinks the range without
            // rewriting this entry; readers use min(free, size)
        }
        return Collections.unmodifiableList(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ring r && universe.equals(r.universe) && Objects.equals(identity, r.identity)
                && entries.equals(r.entries);
    }

    @Override
    public int hashCode() {
        return Objects.hash(universe, identity, entries);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(identity == null ? "uninitialised ring " + universe : identity.toString());
        for (int i = 0; i < entries.size(); i++) {
            RingEntry e = entries.get(i);
            b.append("\n  ").append(rangeOf(i)).append(" ").append(e.owner()).append(" v").append(e.version())
                    .append(" free ").append(e.free());
        }
        return b.toString();
    }
}

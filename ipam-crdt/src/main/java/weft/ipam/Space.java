package weft.ipam;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The addresses this peer has handed out, and to whom. Knows nothing of ownership: the allocator only
 * asks it about ranges the ring says we own. Invariant: {@code used}, {@code holders} and
 * {@code byOwner} describe the same set of allocations.
 *
 * <p>Owned by the allocator's thread.
 */
public final class Space {
    private final AddressRange universe;
    private final BitSet used = new BitSet(); // bit (address - universe.start); grows with use
    private final TreeMap<Long, String> holders = new TreeMap<>();
    private final Map<String, TreeSet<Long>> byOwner = new HashMap<>();

    public Space(AddressRange universe) {
        if (universe.prefixLength() < 8) {
            throw new IllegalArgumentException("allocation range must be a CIDR of /8 or longer: " + universe);
        }
        this.universe = universe;
    }

    private int bit(long address) {
        return (int) (address - universe.start());
    }

    /** The lowest unused address in {@code hosts} that lies in one of {@code owned} (sorted). */
    public OptionalLong findFree(List<AddressRange> owned, AddressRange hosts) {
        for (AddressRange range : owned) {
            var part = range.intersect(hosts);
            if (part.isEmpty()) {
                continue;
            }
            int candidate = used.nextClearBit(bit(part.get().start()));
            if (candidate < bit(part.get().end())) {
                return OptionalLong.of(universe.start() + candidate);
            }
        }
        return OptionalLong.empty();
    }

    public void take(long address, String owner) {
        if (used.get(bit(address))) {
            throw new IllegalStateException(AddressRange.format(address) + " is already held by " + holders.get(address));
        }
        used.set(bit(address));
        holders.put(address, owner);
        byOwner.computeIfAbsent(owner, o -> new TreeSet<>()).add(address);
    }

    /** Who holds {@code address}, or null. */
    public String holder(long address) {
        return holders.get(address);
    }

    /** Frees {@code address}; returns its former holder, or null if it was free. */
    public String release(long address) {
        String owner = holders.remove(address);
        if (owner != null) {
            used.clear(bit(address));
            TreeSet<Long> set = byOwner.get(owner);
            set.remove(address);
            if (set.isEmpty()) {
                byOwner.remove(owner);
            }
        }
        return owner;
    }

    /** Frees everything {@code owner} holds; returns the addresses. */
    public List<Long> releaseOwner(String owner) {
        TreeSet<Long> set = byOwner.remove(owner);
        if (set == null) {
            return List.of();
        }
        for (long address : set) {
            holders.remove(address);
            used.clear(bit(address));
        }
        return List.copyOf(set);
    }

    /** The addresses {@code owner} holds, ascending. */
    public List<Long> addressesOf(String owner) {
        TreeSet<Long> set = byOwner.get(owner);
        return set == null ? List.of() : List.copyOf(set);
    }

    /** The lowest address {@code owner} holds inside {@code range}, if any. */
    public OptionalLong addressOf(String owner, AddressRange range) {
        TreeSet<Long> set = byOwner.get(owner);
        Long a = set == null ? null : set.ceiling(range.start());
        return a != null && a < range.end() ? OptionalLong.of(a) : OptionalLong.empty();
    }

    /** How many addresses of {@code range} are not held. */
    public long freeIn(AddressRange range) {
        return range.size() - holders.subMap(range.start(), range.end()).size();
    }

    /** The maximal unused runs inside {@code range}, ascending. */
    public List<AddressRange> freeRuns(AddressRange range) {
        List<AddressRange> out = new ArrayList<>();
        int end = bit(range.end());
        int from = bit(range.start());
        while (from < end) {
            int start = used.nextClearBit(from);
            if (start >= end) {
                break;
            }
            int stop = Math.min(end, used.nextSetBit(start) < 0 ? end : used.nextSetBit(start));
            out.add(new AddressRange(universe.start() + start, universe.start() + stop));
            from = stop;
        }
        return out;
    }

    public int size() {
        return holders.size();
    }

    public boolean isEmpty() {
        return holders.isEmpty();
    }

    /** Every allocation, address to owner id. */
    public SortedMap<Long, String> allocations() {
        return Collections.unmodifiableSortedMap(holders);
    }
}

package weft.ipam;

import java.util.List;
import weft.gossip.PeerName;

/**
 * Who initialised a ring, and how: two rings with the same identity grew from the same initial split
 * and merge entry by entry; rings with different identities were initialised independently and never
 * merge (see {@link Ring}). Ordered so that every peer picks the same winner between two identities:
 * lower epoch, then lower creator, then the seed list.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param epoch   0 for an explicit seed list, 1 for a seed list chosen by consensus
 * @param creator the lowest seed
 * @param seeds   the peers the universe was first split between, sorted and distinct
 */
public record RingId(long epoch, PeerName creator, List<PeerName> seeds) implements Comparable<RingId> {
    public RingId {
        seeds = List.copyOf(seeds);
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("a ring needs at least one seed");
        }
        for (int i = 1; i < seeds.size(); i++) {
            if (seeds.get(i - 1).compareTo(seeds.get(i)) >= 0) {
                throw new IllegalArgumentException("seeds must be sorted and distinct: " + seeds);
            }
        }
    }

    /** The identity of a ring seeded from an explicit list (every peer must be given the same list). */
    public static RingId ofSeeds(List<PeerName> seeds) {
        List<PeerName> sorted = seeds.stream().distinct().sorted().toList();
        return new RingId(0, sorted.getFirst(), sorted);
    }

    @Override
    public int compareTo(RingId other) {
        int c = Long.compare(epoch, other.epoch);
        if (c != 0) {
            return c;
        }
        c = creator.compareTo(other.creator);
        if (c != 0) {
            return c;
        }
        for (int i = 0; i < Math.min(seeds.size(), other.seeds.size()); i++) {
            c = seeds.get(i).compareTo(other.seeds.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(seeds.size(), other.seeds.size());
    }

    @Override
    public String toString() {
        return "ring(epoch " + epoch + ", by " + creator + ", seeds " + seeds + ")";
    }
}

package weft.ipam;

import java.util.List;
import weft.gossip.PeerName;

/**
 * How a peer gets its first ring when it has no snapshot. A restored snapshot always wins.
 *
 * <p>Immutable values; thread-safe.
 */
public sealed interface InitMode {
    /**
     * Paxos among the initial peers on the first allocation (lazily); {@code initialPeers} sets the quorum
     * ({@code initialPeers / 2 + 1}) and must be the same on every initial peer.
     */
    record Consensus(int initialPeers) implements InitMode {
        public Consensus {
            if (initialPeers < 1) {
                throw new IllegalArgumentException("consensus needs at least one initial peer");
            }
        }
    }

    /** The ring is split between these peers at once; every peer must be given the same list. */
    record Seed(List<PeerName> seeds) implements InitMode {
        public Seed {
            seeds = List.copyOf(seeds);
            if (seeds.isEmpty()) {
                throw new IllegalArgumentException("a seed list needs at least one peer");
            }
        }
    }

    /** Never votes: waits for a ring from others, and asks them to start consensus when it needs one. */
    record Observer() implements InitMode {}
}

package weft.gossip.topology;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import weft.gossip.PeerName;

/**
 * Unicast next hops and broadcast trees computed from one topology snapshot, over the links that
 * are established and reported by both ends (a link only one end lists is not yet, or no longer,
 * usable).
 *
 * <p>Every search is a breadth-first search that expands each level in ascending name order, so a
 * peer's parent in a tree rooted at {@code r} is its lowest-named neighbour one step closer to
 * {@code r}. That makes the trees a function of the topology alone: every router holding the same
 * topology computes the same trees. Two invariants follow. Unicast: each next hop is one step closer
 * to the destination, so following next hops from any router never loops. Broadcast: a frame from
 * {@code source} forwarded along {@link #broadcastTargets(PeerName)} follows source's tree, so on a
 * stable topology every reachable peer receives it exactly once.
 *
 * <p>Immutable after construction (broadcast trees are computed lazily into a concurrent cache);
 * thread-safe, so the data path may read it while the mesh loop computes the next one.
 */
public final class Routes {
    private final PeerName self;
    private final Map<PeerName, List<PeerName>> adjacency; // sorted neighbour lists
    private final Map<PeerName, PeerName> nextHops;
    private final ConcurrentHashMap<PeerName, List<PeerName>> broadcastTargets = new ConcurrentHashMap<>();

    private Routes(PeerName self, Map<PeerName, List<PeerName>> adjacency) {
        this.self = self;
        this.adjacency = adjacency;
        Map<PeerName, PeerName> parents = tree(self);
        Map<PeerName, PeerName> hops = new HashMap<>();
        for (PeerName destination : parents.keySet()) {
            hops.put(destination, firstHop(parents, destination));
        }
        this.nextHops = Map.copyOf(hops);
    }

    /** Routes for {@code self} over the topology's current records. */
    public static Routes compute(Topology topology) {
        return compute(topology.records(), topology.self());
    }

    /** Routes for {@code self} over a snapshot of records. */
    public static Routes compute(Map<PeerName, PeerRecord> records, PeerName self) {
        Map<PeerName, Set<PeerName>> established = new HashMap<>();
        for (PeerRecord record : records.values()) {
            for (PeerLink link : record.links()) {
                if (link.established()) {
                    established.computeIfAbsent(record.name(), k -> new HashSet<>()).add(link.peer());
                }
            }
        }
        Map<PeerName, List<PeerName>> adjacency = new HashMap<>();
        for (var entry : established.entrySet()) {
            List<PeerName> symmetric = new ArrayList<>();
            for (PeerName peer : entry.getValue()) {
                if (established.getOrDefault(peer, Set.of()).contains(entry.getKey())) {
                    symmetric.add(peer);
                }
            }
            Collections.sort(symmetric);
            adjacency.put(entry.getKey(), List.copyOf(symmetric));
        }
        return new Routes(self, Map.copyOf(adjacency));
    }

    /** The router these routes are for. */
    public PeerName self() {
        return self;
    }

    /** The neighbour to send to for {@code destination}; empty if it is unreachable or us. */
    public Optional<PeerName> nextHop(PeerName destination) {
        return Optional.ofNullable(nextHops.get(destination));
    }

    /** Every peer we can reach, not us. */
    public Set<PeerName> destinations() {
        return nextHops.keySet();
    }

    /** Our neighbours over usable links, sorted. */
    public List<PeerName> neighbours() {
        return adjacency.getOrDefault(self, List.of());
    }

    /**
     * The neighbours to forward a broadcast that originated at {@code source} to: those whose parent
     * in source's tree is us. For our own broadcasts, all our neighbours. Empty if {@code source} is
     * unreachable (a stale frame: dropping it cannot cause a duplicate).
     */
    public List<PeerName> broadcastTargets(PeerName source) {
        return broadcastTargets.computeIfAbsent(source, this::computeBroadcastTargets);
    }

    private List<PeerName> computeBroadcastTargets(PeerName source) {
        if (!source.equals(self) && !nextHops.containsKey(source)) {
            return List.of();
        }
        Map<PeerName, PeerName> parents = tree(source);
        List<PeerName> targets = new ArrayList<>();
        for (PeerName neighbour : neighbours()) {
            if (self.equals(parents.get(neighbour))) {
                targets.add(neighbour);
            }
        }
        return List.copyOf(targets);
    }

    // parent of every peer reachable from root (root itself excluded); see the class comment for the order
    private Map<PeerName, PeerName> tree(PeerName root) {
        Map<PeerName, PeerName> parents = new HashMap<>();
        Set<PeerName> seen = new HashSet<>();
        seen.add(root);
        List<PeerName> level = List.of(root);
        while (!level.isEmpty()) {
            List<PeerName> next = new ArrayList<>();
            for (PeerName peer : level) {
                for (PeerName neighbour : adjacency.getOrDefault(peer, List.of())) {
                    if (seen.add(neighbour)) {
                        parents.put(neighbour, peer);
                        next.add(neighbour);
                    }
                }
            }
            Collections.sort(next);
            level = next;
        }
        return parents;
    }

    private PeerName firstHop(Map<PeerName, PeerName> parents, PeerName destination) {
        PeerName hop = destination;
        PeerName parent = parents.get(hop);
        while (!parent.equals(self)) {
            hop = parent;
            parent = parents.get(hop);
        }
        return hop;
    }

    /** Sorted next-hop table, for diagnostics. */
    public Map<PeerName, PeerName> table() {
        return Collections.unmodifiableMap(new TreeMap<>(nextHops));
    }
}

package weft.router;

import weft.gossip.PeerName;
import weft.gossip.topology.Routes;
import weft.router.sleeve.SleevePeer;
import weft.router.sleeve.SleevePeers;
import weft.router.sleeve.SleeveRoutes;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The mesh's routes as the sleeve reads them: next hops and broadcast trees resolved to the neighbours' sleeve
 * endpoints and ciphers, computed once per topology or neighbour change. Immutable, so the forwarding threads
 * read it without locks.
 *
 * <p>Two choices keep frames flowing while the topology converges: a direct neighbour is always its own next
 * hop, and a broadcast that starts here goes to every neighbour (on a stable topology that is exactly this
 * peer's broadcast tree, whose first level is all its neighbours).
 */
final class MeshRoutes implements SleeveRoutes {
    private static final SleevePeer[] NONE = new SleevePeer[0];
    private final long self;
    private final SleevePeer[] neighbours;
    private final Map<Long, SleevePeer> next;
    private final Map<Long, SleevePeer[]> broadcast;
    private final long[] destinations;

    private MeshRoutes(long self, SleevePeer[] neighbours, Map<Long, SleevePeer> next, Map<Long, SleevePeer[]> broadcast) {
        this.self = self;
        this.neighbours = neighbours;
        this.next = next;
        this.broadcast = broadcast;
        this.destinations = next.keySet().stream().mapToLong(Long::longValue).filter(name -> name != self).sorted().toArray();
    }

    static MeshRoutes of(Routes routes, SleevePeers connected) {
        SleevePeer[] direct = connected.snapshot();
        Map<Long, SleevePeer> byName = new HashMap<>();
        for (SleevePeer peer : direct) byName.put(peer.name(), peer);
        Map<Long, SleevePeer> next = new HashMap<>(byName);
        Map<Long, SleevePeer[]> broadcast = new HashMap<>();
        for (PeerName destination : routes.destinations()) {
            routes.nextHop(destination).map(hop -> byName.get(hop.value()))
                    .ifPresent(hop -> next.putIfAbsent(destination.value(), hop));
            List<PeerName> targets = routes.broadcastTargets(destination);
            SleevePeer[] hops = targets.stream().map(t -> byName.get(t.value())).filter(p -> p != null).toArray(SleevePeer[]::new);
            if (hops.length > 0) broadcast.put(destination.value(), hops);
        }
        return new MeshRoutes(routes.self().value(), direct, Map.copyOf(next), Map.copyOf(broadcast));
    }

    @Override
    public SleevePeer nextHop(long destination) {
        return next.get(destination);
    }

    @Override
    public long[] destinations() {
        return destinations;
    }

    @Override
    public SleevePeer[] broadcastHops(long origin) {
        return origin == self ? neighbours : broadcast.getOrDefault(origin, NONE);
    }
}

package weft.router.sleeve;

/**
 * Routes for a full mesh: every peer is a neighbour, frames go straight to it, and only the origin of a broadcast
 * sends it on. Used until the topology says otherwise. Reads the current neighbours on each call.
 */
public record DirectRoutes(long self, SleevePeers neighbours) implements SleeveRoutes {
    private static final SleevePeer[] NONE = new SleevePeer[0];

    @Override
    public SleevePeer nextHop(long destination) {
        return neighbours.find(destination);
    }

    @Override
    public SleevePeer[] broadcastHops(long origin) {
        return origin == self ? neighbours.snapshot() : NONE;
    }

    @Override
    public long[] destinations() {
        SleevePeer[] peers = neighbours.snapshot();
        long[] names = new long[peers.length];
        for (int i = 0; i < peers.length; i++) names[i] = peers[i].name();
        return names;
    }
}

package weft.router.sleeve;

import java.util.Arrays;

/**
 * What the lanes decide where a frame goes by: this peer's name, its neighbours, where MAC addresses live, the routes
 * the topology gives, and the peers the kernel fast path carries frames to. Thread-safe: the routes and the fast
 * peers are replaced whole, by the mesh loop and the fast path, and read without locks by every lane, which takes
 * each of them once per frame; the neighbours and the MAC table have their own rules.
 */
final class SleeveRouting {
    private static final long[] NONE = new long[0];

    private final long self;
    private final SleevePeers neighbours;
    private final MacTable macs;
    private volatile SleeveRoutes routes;
    /** Peers the kernel fast path carries frames to, sorted: floods leave them out. */
    private volatile long[] fast = NONE;
    /** Fast peers that have been fast for a while, sorted: unicast frames for them are left to the kernel. */
    private volatile long[] settled = NONE;

    /** Routes straight to each neighbour ({@link DirectRoutes}) until {@link #routes(SleeveRoutes)} says otherwise. */
    SleeveRouting(long self, SleevePeers neighbours, MacTable macs) {
        this.self = self;
        this.neighbours = neighbours;
        this.macs = macs;
        this.routes = new DirectRoutes(self, neighbours);
    }

    long self() {
        return self;
    }

    SleevePeers neighbours() {
        return neighbours;
    }

    MacTable macs() {
        return macs;
    }

    SleeveRoutes routes() {
        return routes;
    }

    void routes(SleeveRoutes newRoutes) {
        routes = newRoutes;
    }

    /** See {@link SleeveForwarder#fastPeers}; the arrays are copied. */
    void fastPeers(long[] fastNow, long[] settledNow) {
        long[] sortedFast = fastNow.clone(), sortedSettled = settledNow.clone();
        Arrays.sort(sortedFast);
        Arrays.sort(sortedSettled);
        fast = sortedFast;
        settled = sortedSettled;
    }

    /** The fast peers, sorted; the caller must not modify the array. */
    long[] fast() {
        return fast;
    }

    /** The settled fast peers, sorted; the caller must not modify the array. */
    long[] settled() {
        return settled;
    }
}

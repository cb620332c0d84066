package weft.cli.doctor;

import weft.gossip.Cidr;

import java.util.List;

/**
 * Check (Weave's {@code netcheck}): a route of the main table for part of the allocation range through a device
 * other than Weft's bridge. The host then sends those containers' traffic (its own, and what it routes for pods)
 * out of that device; often a VPN or another overlay uses the same addresses. A broader route (10.0.0.0/8 through a
 * VPN) does not count: the bridge's own route for the range is more specific. Stateless.
 */
final class OverlappingRoutes {
    static final String NAME = "routes";

    private OverlappingRoutes() {
    }

    static List<Finding> check(Facts facts) {
        Cidr range = facts.router() instanceof RouterState.Answering a ? Cidr.parse(a.status().overlayRange()) : facts.defaultRange();
        String bridge = facts.router() instanceof RouterState.Answering a ? a.status().bridge() : weft.router.RouterConfig.BRIDGE;
        if (!(facts.routes() instanceof Gathered.Known<List<Facts.Route>>(List<Facts.Route> routes))) {
            return List.of(Finding.skip(NAME, Gathered.why(facts.routes())));
        }
        List<Facts.Route> overlapping = routes.stream().filter(r -> !r.device().equals(bridge) && range.network().covers(r.destination())).toList();
        if (overlapping.isEmpty()) return List.of(Finding.ok(NAME, "no route for part of the allocation range " + range.network() + " but the bridge's"));
        Facts.Route first = overlapping.getFirst();
        return List.of(Finding.fail(NAME, "the allocation range " + range.network() + " overlaps "
                        + String.join(", ", overlapping.stream().map(r -> r.destination() + " dev " + r.device()).toList())
                        + ": traffic for those containers leaves by that device, not the overlay",
                "remove a stale route (ip route del " + first.destination() + " dev " + first.device()
                        + "), or give every router an --ipalloc-range that nothing else here uses"));
    }
}

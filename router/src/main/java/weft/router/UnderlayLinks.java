package weft.router;

import weft.gossip.connect.TargetAddress;
import weft.kernel.Link;
import weft.kernel.NativeCallException;
import weft.kernel.NetlinkAbi;
import weft.kernel.Route;
import weft.kernel.Rtnetlink;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the underlay links the router's traffic leaves by, for {@link OverlayMtu}: the links the kernel routes the
 * peers' addresses through now, or, when none of them can be looked up (no peers yet, or none resolvable or
 * routable), the links of the main table's default routes. Runs once at start, on the starting thread.
 */
final class UnderlayLinks {
    private UnderlayLinks() {
    }

    static List<OverlayMtu.Underlay> towards(Rtnetlink host, Collection<String> targets) {
        Map<Integer, Link> links = new HashMap<>();
        for (Link link : host.links()) links.put(link.index(), link);
        List<OverlayMtu.Underlay> underlays = new ArrayList<>();
        for (String target : targets) {
            InetAddress address;
            Optional<Route> route;
            try {
                address = TargetAddress.parse(target).resolve().getAddress();
                route = host.routeTo(address);
            } catch (IllegalArgumentException | UnknownHostException | NativeCallException e) {
                continue; // the other targets or the default route decide; connecting to this one reports what is wrong
            }
            route.flatMap(r -> underlay(r, links, "the route to " + address.getHostAddress())).ifPresent(underlays::add);
        }
        if (!underlays.isEmpty()) return underlays;
        for (Route route : host.routes()) {
            if (route.prefixLength() == 0 && route.table() == NetlinkAbi.RT_TABLE_MAIN) {
                underlay(route, links, "the default route").ifPresent(underlays::add);
            }
        }
        return underlays;
    }

    private static Optional<OverlayMtu.Underlay> underlay(Route route, Map<Integer, Link> links, String what) {
        Link link = links.get(route.outputIndex());
        return link == null ? Optional.empty() : Optional.of(new OverlayMtu.Underlay(link.name(), link.mtu(), route.mtu(), what));
    }
}

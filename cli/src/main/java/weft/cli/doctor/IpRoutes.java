package weft.cli.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import weft.gossip.Cidr;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code ip -j -4 route show table main}: each route's destination and device. The default route and entries
 * it cannot read (a destination that is no IPv4 prefix, a route without a device, such as a blackhole) are left out:
 * they send no traffic for the overlay's addresses to another network. Stateless.
 */
final class IpRoutes {
    private IpRoutes() {
    }

    static List<Facts.Route> parse(JsonNode routes) {
        List<Facts.Route> parsed = new ArrayList<>();
        for (JsonNode route : routes) {
            String destination = route.path("dst").asText(), device = route.path("dev").asText();
            if (destination.isEmpty() || destination.equals("default") || device.isEmpty()) continue;
            try {
                parsed.add(new Facts.Route(Cidr.parse(destination.contains("/") ? destination : destination + "/32"), device));
            } catch (IllegalArgumentException e) {
                // not an IPv4 prefix: not a route for the overlay's range (see above)
            }
        }
        return parsed;
    }
}

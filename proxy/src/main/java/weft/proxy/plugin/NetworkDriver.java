package weft.proxy.plugin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.api.RouterApi;
import weft.api.StatusReport;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Docker's remote network driver {@code weft} (the {@code NetworkDriver.*} calls): each endpoint is a veth on the
 * router's bridge, which the engine moves into the container as {@code ethweN} with the address the IPAM driver gave.
 * The engine joins a container's networks before its process starts, so the process sees its overlay address from
 * its first instruction. A container keeps its default route where the engine puts it (another network's gateway);
 * an address narrower than the allocation range gets a route to the whole range, as {@code weft attach} gives.
 * Networks must take their addresses from the {@link IpamDriver}: the allocator is the only one that knows which
 * addresses of the overlay are free.
 *
 * <p>Thread-safe: the engine's calls run side by side; the only state is which endpoints need that route, decided at
 * CreateEndpoint and read at Join, in a concurrent map (a plugin restarted between the two gives no route, which
 * the container's own subnet route then has to serve).
 */
final class NetworkDriver {
    /** The prefix of the container's interface; the engine appends the interface's number: ethwe0, ethwe1... */
    static final String INTERFACE_PREFIX = "ethwe";
    /** libnetwork's route types: to a next hop, or on the link. */
    private static final int ROUTE_CONNECTED = 1;

    private final RouterApi router;
    private final EndpointPorts ports;
    private final ObjectMapper json;
    private final Map<String, String> overlayRoutes = new ConcurrentHashMap<>();

    NetworkDriver(RouterApi router, EndpointPorts ports, ObjectMapper json) {
        this.router = router;
        this.ports = ports;
        this.json = json;
    }

    /** Answers {@code NetworkDriver.METHOD}; throws {@link UnsupportedOperationException} for a method it does not have. */
    ObjectNode handle(String method, PluginRequest request) throws IOException {
        return switch (method) {
            case "GetCapabilities" -> json.createObjectNode().put("Scope", "local").put("ConnectivityScope", "local");
            case "CreateNetwork" -> createNetwork(request);
            case "DeleteNetwork" -> {
                request.id("NetworkID");
                yield json.createObjectNode();
            }
            case "CreateEndpoint" -> createEndpoint(request);
            case "DeleteEndpoint" -> {
                String endpoint = request.id("EndpointID");
                ports.delete(endpoint);
                overlayRoutes.remove(endpoint);
                yield json.createObjectNode();
            }
            case "EndpointOperInfo" -> {
                request.id("EndpointID");
                ObjectNode reply = json.createObjectNode();
                reply.putObject("Value");
                yield reply;
            }
            case "Join" -> join(request);
            case "Leave", "DiscoverNew", "DiscoverDelete", "ProgramExternalConnectivity", "RevokeExternalConnectivity" -> json.createObjectNode();
            default -> throw new UnsupportedOperationException("NetworkDriver." + method);
        };
    }

    private ObjectNode createNetwork(PluginRequest request) {
        request.id("NetworkID");
        var pools = request.body().path("IPv4Data");
        if (!pools.isArray() || pools.isEmpty()) throw new IllegalArgumentException("CreateNetwork: the network has no IPv4 pool");
        for (var pool : pools) {
            String space = pool.path("AddressSpace").asText("");
            if (!space.equals(IpamDriver.ADDRESS_SPACE)) {
                throw new IllegalArgumentException("a weft network takes its addresses from weft's IPAM driver, which knows which are free on the"
                        + " overlay: docker network create -d weft --ipam-driver weft NAME (this one's pool is from '" + space + "')");
            }
        }
        if (request.body().path("IPv6Data").isArray() && !request.body().path("IPv6Data").isEmpty()) {
            throw new IllegalArgumentException("weft carries IPv4 only: leave --ipv6 out");
        }
        return json.createObjectNode();
    }

    private ObjectNode createEndpoint(PluginRequest request) throws IOException {
        String endpoint = request.id("EndpointID");
        request.id("NetworkID");
        PluginRequest wanted = request.object("Interface");
        if (wanted.optionalText("AddressIPv6").isPresent()) throw new IllegalArgumentException("weft carries IPv4 only: leave --ipv6 out");
        String address = wanted.optionalText("Address").orElseThrow(() -> new IllegalArgumentException(
                "CreateEndpoint: the endpoint has no address; weft networks take theirs from weft's IPAM driver"));
        Optional<String> mac = wanted.optionalText("MacAddress");
        Ipv4Cidr cidr = Ipv4Cidr.parse(address);
        StatusReport status = router.status();
        Ipv4Cidr range = Ipv4Cidr.parse(status.overlayRange());
        if (!range.contains(cidr.bits())) throw new IllegalArgumentException("CreateEndpoint: " + address + " is not in the overlay's range " + range);
        EndpointPorts.Port port = ports.create(endpoint, status.bridge(), status.mtu(), mac);
        if (cidr.prefixLength() > range.prefixLength()) overlayRoutes.put(endpoint, range.toString());
        else overlayRoutes.remove(endpoint);
        ObjectNode reply = json.createObjectNode();
        // the engine refuses an answer that sets what it chose itself
        if (mac.isEmpty()) reply.putObject("Interface").put("MacAddress", port.mac());
        return reply;
    }

    private ObjectNode join(PluginRequest request) {
        String endpoint = request.id("EndpointID");
        request.id("NetworkID");
        EndpointPorts.Port port = ports.find(endpoint).orElseThrow(() -> new IllegalStateException(
                "Join: endpoint " + endpoint + " has no veth (was it created by this router?)"));
        ObjectNode reply = json.createObjectNode();
        reply.putObject("InterfaceName").put("SrcName", port.containerEnd()).put("DstPrefix", INTERFACE_PREFIX);
        reply.put("DisableGatewayService", true);
        var routes = reply.putArray("StaticRoutes");
        String overlay = overlayRoutes.get(endpoint);
        if (overlay != null) routes.addObject().put("Destination", overlay).put("RouteType", ROUTE_CONNECTED);
        return reply;
    }
}

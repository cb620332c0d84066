package weft.proxy.plugin;

import weft.kernel.Errno;
import weft.kernel.MacAddress;
import weft.kernel.NativeCallException;
import weft.kernel.Rtnetlink;

import java.util.Optional;

/**
 * {@link EndpointPorts} in the calling thread's network namespace (the router's), over an rtnetlink socket per call.
 * The bridge end is {@code vethwd} and the container end {@code vethwc}, each followed by the endpoint ID's first nine
 * characters: 15 bytes, the longest name Linux takes. Thread-safe: no state.
 */
final class VethPorts implements EndpointPorts {
    private static final System.Logger LOG = System.getLogger(VethPorts.class.getName());
    private static final int ID_CHARACTERS = 9;

    static String bridgeEnd(String endpointId) {
        return "vethwd" + endpointId.substring(0, ID_CHARACTERS);
    }

    static String containerEnd(String endpointId) {
        return "vethwc" + endpointId.substring(0, ID_CHARACTERS);
    }

    @Override
    public Port create(String endpointId, String bridge, int mtu, Optional<String> mac) {
        String outside = bridgeEnd(endpointId), inside = containerEnd(endpointId);
        try (Rtnetlink link = Rtnetlink.open()) {
            Optional<Port> existing = find(link, endpointId);
            if (existing.isPresent()) return existing.get(); // the engine asked again after a timeout
            link.createVeth(outside, inside);
            try {
                link.setMtu(outside, mtu);
                link.setMtu(inside, mtu);
                mac.ifPresent(text -> link.setMacAddress(inside, MacAddress.parse(text)));
                link.setMaster(outside, bridge);
                link.setUp(outside);
                Port port = new Port(inside, link.link(inside).orElseThrow().mac().toString());
                LOG.log(System.Logger.Level.INFO, "Docker endpoint " + endpointId + ": veth " + outside + " on " + bridge + ", " + inside + " " + port.mac() + " for the container");
                return port;
            } catch (RuntimeException e) {
                deleteQuietly(link, outside);
                throw e;
            }
        }
    }

    @Override
    public Optional<Port> find(String endpointId) {
        try (Rtnetlink link = Rtnetlink.open()) {
            return find(link, endpointId);
        }
    }

    private static Optional<Port> find(Rtnetlink link, String endpointId) {
        if (link.link(bridgeEnd(endpointId)).isEmpty()) return Optional.empty();
        return link.link(containerEnd(endpointId)).map(inside -> new Port(inside.name(), inside.mac().toString()));
    }

    @Override
    public void delete(String endpointId) {
        try (Rtnetlink link = Rtnetlink.open()) {
            deleteQuietly(link, bridgeEnd(endpointId));
        }
        LOG.log(System.Logger.Level.INFO, "Docker endpoint " + endpointId + ": veth removed");
    }

    private static void deleteQuietly(Rtnetlink link, String name) {
        try {
            link.deleteLink(name);
        } catch (NativeCallException e) {
            if (e.errno() != Errno.ENODEV) throw e; // gone with its container's namespace, or never made
        }
    }
}

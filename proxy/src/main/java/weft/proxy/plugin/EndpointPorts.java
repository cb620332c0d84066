package weft.proxy.plugin;

import java.util.Optional;

/**
 * The kernel side of a Docker endpoint on a weft network: a veth whose one end is a port of the router's bridge and
 * whose other end the engine moves into the container (and renames {@code ethweN}). Both ends are named after the
 * endpoint, so a driver needs no record of them: a plugin restarted between two calls finds them again.
 * Implementations are thread-safe.
 */
interface EndpointPorts {
    /** The container's end of an endpoint's veth, and its MAC address. */
    record Port(String containerEnd, String mac) {
    }

    /**
     * Creates the endpoint's veth (or finds the one an earlier attempt made): the bridge end on {@code bridge} and up,
     * both ends {@code mtu} bytes, the container end with {@code mac} when one is given.
     */
    Port create(String endpointId, String bridge, int mtu, Optional<String> mac);

    /** The endpoint's veth as {@link #create} left it, if it is there. */
    Optional<Port> find(String endpointId);

    /** Removes the endpoint's veth; one already gone is no error. */
    void delete(String endpointId);
}

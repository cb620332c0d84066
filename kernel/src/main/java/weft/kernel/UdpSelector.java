package weft.kernel;

import java.net.Inet4Address;
import java.util.Objects;

/**
 * The IPv4 UDP packets from one host to one port of another host, as an xfrm policy selects them: both addresses
 * with prefix length 32, the destination port exactly, any source port (a VXLAN sender picks its source port per
 * flow). Immutable value.
 */
public record UdpSelector(Inet4Address source, Inet4Address destination, int destinationPort) {
    public UdpSelector {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        if (destinationPort <= 0 || destinationPort > 0xffff) throw new IllegalArgumentException("port " + destinationPort);
    }

    /** For errors and logs, e.g. {@code udp 10.0.0.1 > 10.0.0.2:6784}. */
    @Override
    public String toString() {
        return "udp " + source.getHostAddress() + " > " + destination.getHostAddress() + ":" + destinationPort;
    }
}

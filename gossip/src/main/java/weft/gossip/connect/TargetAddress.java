package weft.gossip.connect;

import weft.gossip.MeshConfig;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * A peer to dial as the operator wrote it: {@code host} or {@code host:port}, host an IPv4 address
 * or a host name, port {@link MeshConfig#DEFAULT_PORT} when left out.
 *
 * <p>Immutable value; thread-safe.
 */
public record TargetAddress(String host, int port) {
    /** @throws IllegalArgumentException with a one-line message saying what is wrong */
    public static TargetAddress parse(String target) {
        if (target == null || target.isBlank()) {
            throw new IllegalArgumentException("empty peer address");
        }
        if (!target.equals(target.strip()) || target.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("peer address '" + target + "' contains white space");
        }
        int colon = target.indexOf(':');
        if (colon != target.lastIndexOf(':')) {
            throw new IllegalArgumentException("peer address '" + target + "' is not host or host:port"
                    + " (IPv6 is not supported)");
        }
        if (colon < 0) {
            return new TargetAddress(target, MeshConfig.DEFAULT_PORT);
        }
        String host = target.substring(0, colon);
        String port = target.substring(colon + 1);
        if (host.isEmpty()) {
            throw new IllegalArgumentException("peer address '" + target + "' has no host");
        }
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')
                || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 0xffff) {
            throw new IllegalArgumentException("peer address '" + target + "' has a bad port '" + port + "'");
        }
        return new TargetAddress(host, Integer.parseInt(port));
    }

    /**
     * The one spelling of this target: the host in lower case (names are case-insensitive), and the port only when it
     * is not the default, so that {@code host} and {@code host:6783} are one target.
     */
    public String canonical() {
        String name = host.toLowerCase(java.util.Locale.ROOT);
        return port == MeshConfig.DEFAULT_PORT ? name : name + ":" + port;
    }

    /**
     * Looks the host up now; blocks on DNS, so call it off the mesh loop.
     *
     * @throws UnknownHostException with the message {@code cannot resolve peer 'host'}
     */
    public InetSocketAddress resolve() throws UnknownHostException {
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            var failure = new UnknownHostException("cannot resolve peer '" + host + "'");
            failure.initCause(e);
            throw failure;
        }
    }
}

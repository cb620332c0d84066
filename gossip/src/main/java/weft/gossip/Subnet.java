package weft.gossip;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IP network such as {@code 10.0.0.0/8}, as given to {@code --trusted-subnets}. The host bits of
 * {@code network} may be set; they are ignored.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param prefixLength 0..32 for IPv4, 0..128 for IPv6
 */
public record Subnet(InetAddress network, int prefixLength) {
    public Subnet {
        int bits = network.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of 0.." + bits);
        }
    }

    /**
     * Parses {@code address/prefix} with a literal address (never a DNS lookup).
     *
     * @throws IllegalArgumentException naming the text, e.g. {@code bad subnet '10.0.0.0/33': ...}
     */
    public static Subnet parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("bad subnet '" + text + "': expected address/prefix");
        }
        String address = text.substring(0, slash);
        // InetAddress.getByName looks names up; only literals are allowed here
        if (!address.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
            throw new IllegalArgumentException("bad subnet '" + text + "': not an IP address");
        }
        try {
            return new Subnet(InetAddress.getByName(address), Integer.parseInt(text.substring(slash + 1)));
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("bad subnet '" + text + "': " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad subnet '" + text + "': " + e.getMessage(), e);
        }
    }

    /** Whether {@code address} is in this network; an address of the other family never is. */
    public boolean contains(InetAddress address) {
        byte[] net = network.getAddress();
        byte[] candidate = address.getAddress();
        if (net.length != candidate.length) {
            return false;
        }
        int whole = prefixLength / 8;
        for (int i = 0; i < whole; i++) {
            if (net[i] != candidate[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (net[whole] & mask) == (candidate[whole] & mask);
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefixLength;
    }
}

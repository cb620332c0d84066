package weft.kernel;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Conversions between netlink address attributes and {@link InetAddress}. Thread-safe: pure functions. */
final class InetBytes {
    private InetBytes() {}

    /** The address in an IPv4 (4 bytes) or IPv6 (16 bytes) attribute, or null for any other length. */
    static InetAddress address(byte[] raw) {
        if (raw.length != 4 && raw.length != 16) return null;
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException impossible) {
            throw new AssertionError("4 and 16 bytes are valid address lengths", impossible);
        }
    }

    /** The all-zero address of a family, what a route without RTA_DST means. */
    static InetAddress unspecified(int family) {
        return address(new byte[family == Linux.AF_INET6 ? 16 : 4]);
    }

    static int family(InetAddress address) {
        return address.getAddress().length == 4 ? Linux.AF_INET : Linux.AF_INET6;
    }
}

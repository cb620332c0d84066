package weft.gossip;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * Where an inbound connection comes from, as far as limits per source go: an IPv4 address, or the /64 that an IPv6
 * address lies in (a single host usually holds a whole /64, and counting its addresses apart would let it pass for
 * billions of sources).
 *
 * <p>Immutable value; thread-safe.
 *
 * @param prefix       the address, with the bits beyond {@code prefixLength} zero
 * @param prefixLength 32 for IPv4, 64 for IPv6
 */
record SourceAddress(InetAddress prefix, int prefixLength) {
    private static final int IPV6_SOURCE_BITS = 64;

    /** The source of a connection from {@code address}. */
    static SourceAddress of(InetAddress address) {
        byte[] bytes = address.getAddress();
        int bits = bytes.length * 8;
        if (bits > IPV6_SOURCE_BITS) {
            Arrays.fill(bytes, IPV6_SOURCE_BITS / 8, bytes.length, (byte) 0);
            bits = IPV6_SOURCE_BITS;
        }
        try {
            return new SourceAddress(InetAddress.getByAddress(bytes), bits); // drops any host name and scope
        } catch (UnknownHostException e) {
            throw new AssertionError("an address of " + bytes.length + " bytes from InetAddress itself", e);
        }
    }

    /** {@code 10.0.0.9}, or {@code 2001:db8:0:0:0:0:0:0/64}: how log lines name it. */
    @Override
    public String toString() {
        return prefix.getHostAddress() + (prefixLength == IPV6_SOURCE_BITS ? "/" + prefixLength : "");
    }
}

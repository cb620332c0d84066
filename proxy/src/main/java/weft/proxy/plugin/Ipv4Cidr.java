package weft.proxy.plugin;

import java.net.InetAddress;

/**
 * An IPv4 address with its prefix length, as the engine and the router write them ({@code 10.32.0.5/12}). The
 * plugin's own, as the module depends on no other Weft module's types but the API's. Immutable.
 */
public record Ipv4Cidr(long bits, int prefixLength) {
    public static Ipv4Cidr parse(String text) {
        int slash = text.indexOf('/');
        try {
            if (slash < 0) throw new IllegalArgumentException("no prefix length");
            return new Ipv4Cidr(address(text.substring(0, slash)), Integer.parseInt(text.substring(slash + 1)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address with its prefix length, like 10.32.0.5/12");
        }
    }

    public Ipv4Cidr {
        if (prefixLength < 0 || prefixLength > 32) throw new IllegalArgumentException("prefix length " + prefixLength + " is not 0..32");
    }

    /** A dotted quad as 32 bits; refuses anything else (a host name is never looked up). */
    public static long address(String text) {
        if (!text.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
        byte[] b = InetAddress.ofLiteral(text).getAddress();
        return ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
    }

    private long mask() {
        return prefixLength == 0 ? 0 : (0xffff_ffffL << (32 - prefixLength)) & 0xffff_ffffL;
    }

    public boolean contains(long address) {
        return (bits & mask()) == (address & mask());
    }

    /** Whether this block lies inside {@code outer}. */
    public boolean inside(Ipv4Cidr outer) {
        return prefixLength >= outer.prefixLength && outer.contains(bits);
    }

    /** Whether this is a network, its host bits clear. */
    public boolean isNetwork() {
        return (bits & ~mask() & 0xffff_ffffL) == 0;
    }

    /** The network this address is in: its host bits cleared. */
    public Ipv4Cidr network() {
        return new Ipv4Cidr(bits & mask(), prefixLength);
    }

    /** The broadcast address of this block, as 32 bits. */
    public long broadcast() {
        return (bits | ~mask()) & 0xffff_ffffL;
    }

    /** The dotted quad of the address alone. */
    public String address() {
        return ((bits >>> 24) & 0xff) + "." + ((bits >>> 16) & 0xff) + "." + ((bits >>> 8) & 0xff) + "." + (bits & 0xff);
    }

    @Override
    public String toString() {
        return address() + "/" + prefixLength;
    }
}

package weft.gossip;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 address with a prefix length, as in {@code 10.32.1.5/12}: the address of an interface and the network it
 * is on, or a network ({@code --trusted-subnets}, {@code --ipalloc-range}), whose host bits are then clear. Weft's one
 * IPv4 prefix type, from the command line to the mesh, the allocator and the kernel plumbing. Parsed strictly (a
 * literal, never a name to look up), because it comes from users, requests and files.
 *
 * <p>Immutable value; thread-safe.
 */
public record Cidr(Inet4Address address, int prefixLength) {
    public Cidr {
        if (address == null) throw new IllegalArgumentException("address is required");
        if (prefixLength < 0 || prefixLength > 32) throw new IllegalArgumentException("prefix length " + prefixLength + " is not in 0..32");
    }

    /** Parses {@code a.b.c.d/len}; the message of the exception is fit to show to a user. */
    public static Cidr parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("invalid CIDR '': expected a.b.c.d/len, for example 10.32.0.1/12");
        int slash = text.indexOf('/');
        if (slash < 0 || slash != text.lastIndexOf('/')) throw invalid(text);
        String[] octets = text.substring(0, slash).split("\\.", -1);
        if (octets.length != 4) throw invalid(text);
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) bytes[i] = (byte) parseNumber(octets[i], 255, text);
        int prefix = parseNumber(text.substring(slash + 1), 32, text);
        try {
            return new Cidr((Inet4Address) InetAddress.getByAddress(bytes), prefix);
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are always an IPv4 address", e);
        }
    }

    private static int parseNumber(String digits, int max, String whole) {
        if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) throw invalid(whole);
        int value = Integer.parseInt(digits);
        if (value > max) throw invalid(whole);
        return value;
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("invalid CIDR '" + text + "': expected a.b.c.d/len, for example 10.32.0.1/12");
    }

    /** The CIDR of the unsigned 32-bit address {@code address}, as the allocator holds addresses. */
    public static Cidr of(long address, int prefixLength) {
        if (address < 0 || address > 0xFFFF_FFFFL) throw new IllegalArgumentException("not an IPv4 address: " + address);
        return new Cidr(toAddress((int) address), prefixLength);
    }

    /** The address as an unsigned 32-bit value, as the allocator holds addresses. */
    public long addressValue() {
        return Integer.toUnsignedLong(addressBits());
    }

    public int addressBits() {
        byte[] b = address.getAddress();
        return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
    }

    private int mask() {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    /** The network this address is on, as a CIDR whose address has the host bits cleared. */
    public Cidr network() {
        return new Cidr(toAddress(addressBits() & mask()), prefixLength);
    }

    /** Whether {@code other} is in this network; an IPv6 address never is. */
    public boolean contains(InetAddress other) {
        return other instanceof Inet4Address v4 && (bits(v4) & mask()) == (addressBits() & mask());
    }

    /** True if every address of {@code other} is inside this network. */
    public boolean covers(Cidr other) {
        return other.prefixLength >= prefixLength && contains(other.network().address);
    }

    /** True unless this is the network or broadcast address of a network with room for hosts. */
    public boolean isHostAddress() {
        if (prefixLength >= 31) return true;
        int host = addressBits() & ~mask();
        return host != 0 && host != ~mask();
    }

    private static int bits(Inet4Address address) {
        return new Cidr(address, 32).addressBits();
    }

    private static Inet4Address toAddress(int bits) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[]{(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8), (byte) bits});
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are always an IPv4 address", e);
        }
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength;
    }
}

package weft.router.plumbing;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 address with a prefix length, as in {@code 10.32.1.5/12}: the address of an interface and the network it
 * is on. Parsed strictly, because it comes from users and from requests.
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

    public boolean contains(Inet4Address other) {
        return (bits(other) & mask()) == (addressBits() & mask());
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

package weft.kernel;

import java.util.HexFormat;

/**
 * A 48-bit Ethernet address, held in the low 48 bits of a long (first octet most significant).
 * Immutable value.
 */
public record MacAddress(long bits) {
    public static final MacAddress BROADCAST = new MacAddress(0xffff_ffff_ffffL);
    public static final MacAddress ZERO = new MacAddress(0);
    private static final HexFormat COLONS = HexFormat.ofDelimiter(":");

    public MacAddress {
        if ((bits & ~0xffff_ffff_ffffL) != 0) throw new IllegalArgumentException("more than 48 bits: " + Long.toHexString(bits));
    }

    /** From the 6 octets in wire order. */
    public static MacAddress of(byte[] octets) {
        if (octets.length != 6) throw new IllegalArgumentException("a MAC address has 6 octets, not " + octets.length);
        long bits = 0;
        for (byte octet : octets) bits = bits << 8 | (octet & 0xff);
        return new MacAddress(bits);
    }

    /** From {@code aa:bb:cc:dd:ee:ff}. */
    public static MacAddress parse(String text) {
        if (text.length() != 17) throw new IllegalArgumentException("not a MAC address: " + text);
        return of(COLONS.parseHex(text));
    }

    /** The 6 octets in wire order. */
    public byte[] octets() {
        byte[] octets = new byte[6];
        for (int i = 0; i < 6; i++) octets[i] = (byte) (bits >>> (40 - 8 * i));
        return octets;
    }

    /** Locally administered, unicast (the bits a randomly generated address must carry). */
    public boolean isLocalUnicast() {
        return (bits >>> 40 & 0x03) == 0x02;
    }

    @Override public String toString() {
        return COLONS.formatHex(octets());
    }
}

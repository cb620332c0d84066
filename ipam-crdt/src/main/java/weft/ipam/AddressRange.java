package weft.ipam;

import weft.gossip.Cidr;

import java.util.Optional;

/**
 * A half-open range {@code [start, end)} of IPv4 addresses, each held as an unsigned 32-bit value in a
 * {@code long} (so {@code end} may be 2^32). Written as a CIDR ({@code 10.32.0.0/12}) when it is one,
 * else as {@code first-last} with the last address inclusive.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param start first address
 * @param end   one past the last address
 */
public record AddressRange(long start, long end) implements Comparable<AddressRange> {
    /** Number of IPv4 addresses. */
    public static final long SPACE = 1L << 32;

    public AddressRange {
        if (start < 0 || end > SPACE || start >= end) {
            throw new IllegalArgumentException("not an address range: [" + start + ", " + end + ")");
        }
    }

    /** The CIDR block of {@code prefixLength} bits starting at {@code start}, which must be aligned. */
    public static AddressRange cidr(long start, int prefixLength) {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is not 0..32");
        }
        long size = 1L << (32 - prefixLength);
        if (start % size != 0) {
            throw new IllegalArgumentException(format(start) + "/" + prefixLength + " has host bits set");
        }
        return new AddressRange(start, start + size);
    }

    /** The block of {@code cidr}, whose host bits must be clear. */
    public static AddressRange of(Cidr cidr) {
        return cidr(cidr.addressValue(), cidr.prefixLength());
    }

    /**
     * Parses {@code a.b.c.d/n} with the host bits clear.
     *
     * @throws IllegalArgumentException naming the input and what is wrong with it
     */
    public static AddressRange parse(String text) {
        return of(Cidr.parse(text));
    }

    /** Parses a dotted quad into an unsigned 32-bit address. @throws IllegalArgumentException naming the input */
    public static long parseAddress(String text) {
        return Cidr.parse(text + "/32").addressValue();
    }

    /** The dotted quad of an unsigned 32-bit address. */
    public static String format(long address) {
        return ((address >>> 24) & 0xff) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "."
                + (address & 0xff);
    }

    public long size() {
        return end - start;
    }

    public boolean contains(long address) {
        return address >= start && address < end;
    }

    public boolean contains(AddressRange other) {
        return other.start >= start && other.end <= end;
    }

    public boolean overlaps(AddressRange other) {
        return start < other.end && other.start < end;
    }

    public Optional<AddressRange> intersect(AddressRange other) {
        long s = Math.max(start, other.start);
        long e = Math.min(end, other.end);
        return s < e ? Optional.of(new AddressRange(s, e)) : Optional.empty();
    }

    /** The prefix length if this range is a CIDR block, else -1. */
    public int prefixLength() {
        long size = size();
        if (Long.bitCount(size) != 1 || start % size != 0) {
            return -1;
        }
        return 32 - Long.numberOfTrailingZeros(size);
    }

    /**
     * The addresses a container may get: a CIDR block of four or more loses its network and broadcast
     * addresses; smaller blocks and non-CIDR ranges are used whole.
     */
    public AddressRange hosts() {
        return prefixLength() >= 0 && size() >= 4 ? new AddressRange(start + 1, end - 1) : this;
    }

    @Override
    public int compareTo(AddressRange other) {
        int byStart = Long.compare(start, other.start);
        return byStart != 0 ? byStart : Long.compare(end, other.end);
    }

    @Override
    public String toString() {
        int prefix = prefixLength();
        return prefix >= 0 ? format(start) + "/" + prefix : format(start) + "-" + format(end - 1);
    }
}

package weft.kube.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A set of IPv4 addresses as sorted, disjoint, non-adjacent ranges: the form an nftables interval set takes without
 * auto-merge, which refuses overlapping elements. An ipBlock's {@code except} is subtracted here rather than in the
 * kernel, so the set holds exactly the addresses a peer matches. Immutable.
 */
record Ipv4Ranges(List<Range> ranges) {
    static final Ipv4Ranges EMPTY = new Ipv4Ranges(List.of());

    /** The addresses {@code first} to {@code last}, both included, as unsigned 32-bit numbers in longs. */
    record Range(long first, long last) {
        String nft() {
            return first == last ? text(first) : text(first) + "-" + text(last);
        }
    }

    Ipv4Ranges {
        ranges = List.copyOf(ranges);
    }

    static Ipv4Ranges of(List<Range> unsorted) {
        List<Range> sorted = new ArrayList<>(unsorted);
        sorted.sort(Comparator.comparingLong(Range::first));
        List<Range> merged = new ArrayList<>();
        for (Range range : sorted) {
            Range last = merged.isEmpty() ? null : merged.getLast();
            if (last != null && range.first() <= last.last() + 1) {
                merged.set(merged.size() - 1, new Range(last.first(), Math.max(last.last(), range.last())));
            } else {
                merged.add(range);
            }
        }
        return new Ipv4Ranges(merged);
    }

    /** The block {@code cidr} without the blocks {@code except}. */
    static Ipv4Ranges block(String cidr, List<String> except) {
        List<Range> left = new ArrayList<>(List.of(cidrRange(cidr)));
        for (String hole : except) {
            Range cut = cidrRange(hole);
            List<Range> next = new ArrayList<>();
            for (Range range : left) {
                if (cut.last() < range.first() || cut.first() > range.last()) {
                    next.add(range);
                    continue;
                }
                if (cut.first() > range.first()) next.add(new Range(range.first(), cut.first() - 1));
                if (cut.last() < range.last()) next.add(new Range(cut.last() + 1, range.last()));
            }
            left = next;
        }
        return of(left);
    }

    Ipv4Ranges union(Ipv4Ranges other) {
        List<Range> all = new ArrayList<>(ranges);
        all.addAll(other.ranges);
        return of(all);
    }

    boolean contains(long address) {
        for (Range range : ranges) if (address >= range.first() && address <= range.last()) return true;
        return false;
    }

    boolean isEmpty() {
        return ranges.isEmpty();
    }

    /**
     * The range of an IPv4 CIDR ({@code 10.0.0.0/8}; a bare address is a /32).
     *
     * @throws IllegalArgumentException naming what is wrong with it
     */
    static Range cidrRange(String cidr) {
        int slash = cidr.indexOf('/');
        long address = address(slash < 0 ? cidr : cidr.substring(0, slash));
        int length;
        try {
            length = slash < 0 ? 32 : Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an IPv4 CIDR: " + cidr);
        }
        if (length < 0 || length > 32) throw new IllegalArgumentException("not an IPv4 CIDR: " + cidr + " (prefix length 0 to 32)");
        long size = 1L << (32 - length);
        long first = address & ~(size - 1) & 0xffffffffL;
        return new Range(first, first + size - 1);
    }

    /** A dotted-quad IPv4 address as an unsigned number. */
    static long address(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) throw new IllegalArgumentException("not an IPv4 address: " + text);
        long value = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("not an IPv4 address: " + text);
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) throw new IllegalArgumentException("not an IPv4 address: " + text);
            value = value << 8 | octet;
        }
        return value;
    }

    static String text(long address) {
        return (address >>> 24 & 255) + "." + (address >>> 16 & 255) + "." + (address >>> 8 & 255) + "." + (address & 255);
    }
}

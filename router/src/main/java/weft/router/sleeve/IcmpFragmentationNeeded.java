package weft.router.sleeve;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Builds the ICMP "destination unreachable, fragmentation needed and DF set" (type 3, code 4, RFC 792 with the
 * next-hop MTU of RFC 1191) that answers an IPv4 frame too large for the path, as an Ethernet frame to write back
 * into the bridge the frame came from, so the sending kernel lowers its path MTU for the destination. Allocates
 * nothing; a pure codec.
 * <pre>
 *  0  Ethernet: destination = the frame's source, source = the frame's destination, type 0x0800
 * 14  IPv4: version 4, IHL 5, TOS 0, total length, id 0, no flags, TTL 64, protocol 1, header checksum,
 *           source = the frame's IPv4 destination, destination = the frame's IPv4 source
 * 34  ICMP: type 3, code 4, checksum, 2 unused bytes, next-hop MTU (u16)
 * 42  the offending packet's IPv4 header and the first 8 bytes of its payload (as many as it has)
 * </pre>
 */
public final class IcmpFragmentationNeeded {
    public static final int IPV4 = 0x0800, TYPE = 3, CODE = 4, TTL = 64;
    /** The most a reply takes: Ethernet, IPv4, ICMP, and a quoted 60-byte IPv4 header with 8 bytes of payload. */
    public static final int MAX_LENGTH = 14 + 20 + 8 + 60 + 8;
    private static final int ETH = 14, IP_DF = 0x4000;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private IcmpFragmentationNeeded() {}

    /**
     * True when {@code frame[offset, offset + length)} is an untagged Ethernet frame carrying a whole IPv4 packet
     * (well-formed header, not a later fragment) with the don't-fragment bit set.
     */
    public static boolean isIpv4WithDontFragment(MemorySegment frame, long offset, int length) {
        if (length < ETH + 20 || u16(frame, offset + 12) != IPV4) return false;
        int versionIhl = Byte.toUnsignedInt(frame.get(JAVA_BYTE, offset + ETH));
        int ihl = (versionIhl & 0x0F) * 4;
        if (versionIhl >>> 4 != 4 || ihl < 20 || length < ETH + ihl) return false;
        int flagsOffset = u16(frame, offset + ETH + 6);
        return (flagsOffset & IP_DF) != 0 && (flagsOffset & 0x1FFF) == 0;
    }

    /**
     * Writes the reply to {@code frame[offset, offset + length)} (which {@link #isIpv4WithDontFragment} accepted)
     * into {@code into} at {@code at}, announcing {@code nextHopMtu}; returns the reply's length.
     */
    public static int write(MemorySegment frame, long offset, int length, int nextHopMtu, MemorySegment into, long at) {
        int ihl = (frame.get(JAVA_BYTE, offset + ETH) & 0x0F) * 4;
        int quoted = Math.min(ihl + 8, length - ETH);
        int ipLength = 20 + 8 + quoted;
        MemorySegment.copy(frame, offset + 6, into, at, 6);          // to the sender
        MemorySegment.copy(frame, offset, into, at + 6, 6);          // from the frame's destination
        into.set(U16, at + 12, (short) IPV4);
        long ip = at + ETH;
        into.set(JAVA_BYTE, ip, (byte) 0x45);
        into.set(JAVA_BYTE, ip + 1, (byte) 0);
        into.set(U16, ip + 2, (short) ipLength);
        into.set(U16, ip + 4, (short) 0);
        into.set(U16, ip + 6, (short) 0);
        into.set(JAVA_BYTE, ip + 8, (byte) TTL);
        into.set(JAVA_BYTE, ip + 9, (byte) 1);
        into.set(U16, ip + 10, (short) 0);
        MemorySegment.copy(frame, offset + ETH + 16, into, ip + 12, 4); // source: whom the packet was for
        MemorySegment.copy(frame, offset + ETH + 12, into, ip + 16, 4); // destination: who sent it
        into.set(U16, ip + 10, (short) checksum(into, ip, 20));
        long icmp = ip + 20;
        into.set(JAVA_BYTE, icmp, (byte) TYPE);
        into.set(JAVA_BYTE, icmp + 1, (byte) CODE);
        into.set(U16, icmp + 2, (short) 0);
        into.set(U16, icmp + 4, (short) 0);
        into.set(U16, icmp + 6, (short) nextHopMtu);
        MemorySegment.copy(frame, offset + ETH, into, icmp + 8, quoted);
        into.set(U16, icmp + 2, (short) checksum(into, icmp, 8 + quoted));
        return ETH + ipLength;
    }

    /** The Internet checksum (RFC 1071) of {@code bytes[from, from + length)}. */
    static int checksum(MemorySegment bytes, long from, int length) {
        long sum = 0;
        int i = 0;
        for (; i + 1 < length; i += 2) sum += u16(bytes, from + i);
        if (i < length) sum += Byte.toUnsignedInt(bytes.get(JAVA_BYTE, from + i)) << 8;
        while ((sum >>> 16) != 0) sum = (sum & 0xFFFF) + (sum >>> 16);
        return (int) (~sum & 0xFFFF);
    }

    private static int u16(MemorySegment bytes, long at) {
        return Short.toUnsignedInt(bytes.get(U16, at));
    }
}

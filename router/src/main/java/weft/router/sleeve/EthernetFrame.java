package weft.router.sleeve;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Static readers for the Ethernet header of a frame in a {@link MemorySegment}. MAC addresses are handled as the
 * low 48 bits of a {@code long} so that the forwarding path allocates nothing.
 */
public final class EthernetFrame {
    public static final int DESTINATION_OFFSET = 0, SOURCE_OFFSET = 6, ETHERTYPE_OFFSET = 12, HEADER_LENGTH = 14;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private EthernetFrame() {
    }

    public static long destination(MemorySegment frame, long frameOffset) {
        return mac(frame, frameOffset + DESTINATION_OFFSET);
    }

    public static long source(MemorySegment frame, long frameOffset) {
        return mac(frame, frameOffset + SOURCE_OFFSET);
    }

    public static int etherType(MemorySegment frame, long frameOffset) {
        return Short.toUnsignedInt(frame.get(U16, frameOffset + ETHERTYPE_OFFSET));
    }

    /** True for broadcast and multicast addresses: the group bit is the lowest bit of the first octet. */
    public static boolean isGroup(long mac) {
        return (mac & 0x0100_0000_0000L) != 0;
    }

    static long mac(MemorySegment segment, long offset) {
        long high = Short.toUnsignedLong(segment.get(U16, offset));
        long low = Integer.toUnsignedLong(segment.get(U32, offset + 2));
        return high << 32 | low;
    }

    /** Formats a MAC held in the low 48 bits of {@code mac} as {@code aa:bb:cc:dd:ee:ff}. */
    public static String format(long mac) {
        StringBuilder text = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            if (shift != 40) text.append(':');
            int octet = (int) (mac >>> shift) & 0xFF;
            text.append(Character.forDigit(octet >> 4, 16)).append(Character.forDigit(octet & 0xF, 16));
        }
        return text.toString();
    }
}

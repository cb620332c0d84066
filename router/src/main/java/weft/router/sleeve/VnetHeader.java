package weft.router.sleeve;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Static readers for the 10-byte {@code struct virtio_net_hdr} a TAP device opened with {@code IFF_VNET_HDR} puts
 * in front of every frame (little-endian on this platform, the TAP's default on x86):
 * <pre>
 * 0 u8  flags: 1 = NEEDS_CSUM (checksum from csum_start to the end, stored at csum_start + csum_offset), 2 = DATA_VALID
 * 1 u8  gso_type: 0 = none, 1 = TCPv4, 3 = UDP, 4 = TCPv6, 5 = UDP_L4, bit 7 = ECN
 * 2 u16 hdr_len, 4 u16 gso_size, 6 u16 csum_start, 8 u16 csum_offset
 * </pre>
 * Also completes a partial checksum in software, for a frame that leaves the sleeve without its virtio_net_hdr.
 */
public final class VnetHeader {
    public static final int LENGTH = 10;
    public static final int FLAGS_OFFSET = 0, GSO_TYPE_OFFSET = 1, GSO_SIZE_OFFSET = 4, CSUM_START_OFFSET = 6, CSUM_OFFSET_OFFSET = 8;
    public static final byte F_NEEDS_CSUM = 1, GSO_NONE = 0;
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private VnetHeader() {
    }

    public static int flags(MemorySegment segment, long offset) {
        return Byte.toUnsignedInt(segment.get(JAVA_BYTE, offset + FLAGS_OFFSET));
    }

    public static int gsoType(MemorySegment segment, long offset) {
        return Byte.toUnsignedInt(segment.get(JAVA_BYTE, offset + GSO_TYPE_OFFSET));
    }

    public static int gsoSize(MemorySegment segment, long offset) {
        return Short.toUnsignedInt(segment.get(LE16, offset + GSO_SIZE_OFFSET));
    }

    public static boolean needsSegmentation(MemorySegment segment, long offset) {
        return gsoType(segment, offset) != GSO_NONE;
    }

    /** Writes an all-zero header: no offload asked, the frame is complete as it is. */
    public static void clear(MemorySegment segment, long offset) {
        segment.asSlice(offset, LENGTH).fill((byte) 0);
    }

    /**
     * For a header with NEEDS_CSUM and no GSO, computes the Internet checksum the kernel left to the device over
     * the frame at {@code frameOffset} of {@code frameLength} bytes and stores it; returns false (and changes
     * nothing) when the offsets the header gives do not fit the frame.
     */
    public static boolean completeChecksum(MemorySegment header, long headerOffset, MemorySegment frame, long frameOffset, int frameLength) {
        if ((flags(header, headerOffset) & F_NEEDS_CSUM) == 0) return true;
        int start = Short.toUnsignedInt(header.get(LE16, headerOffset + CSUM_START_OFFSET));
        int field = start + Short.toUnsignedInt(header.get(LE16, headerOffset + CSUM_OFFSET_OFFSET));
        if (start >= frameLength || field + 2 > frameLength) return false;
        long sum = 0;
        long at = frameOffset + start, end = frameOffset + frameLength;
        for (; at + 1 < end; at += 2) sum += Short.toUnsignedInt(frame.get(BE16, at));
        if (at < end) sum += Byte.toUnsignedInt(frame.get(JAVA_BYTE, at)) << 8;
        while ((sum >>> 16) != 0) sum = (sum & 0xFFFF) + (sum >>> 16);
        frame.set(BE16, frameOffset + field, (short) ~sum);
        return true;
    }
}

package weft.router.sleeve;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A view over the 12-byte header that starts every sleeve datagram, followed by one Ethernet frame.
 *
 * <pre>
 *  0  u8   magic 0x57 ('W')
 *  1  u8   version (1)
 *  2  u8   type (1 = one Ethernet frame)
 *  3  u8   flags (0; reserved)
 *  4  u48  sender peer name, big-endian
 * 10  u16  frame length, big-endian; must equal the datagram length minus 12
 * 12  ...  the Ethernet frame
 * </pre>
 *
 * One instance per thread, re-wrapped per datagram; it allocates nothing.
 */
public final class SleeveHeader {
    public static final int MAGIC_OFFSET = 0, VERSION_OFFSET = 1, TYPE_OFFSET = 2, FLAGS_OFFSET = 3;
    public static final int SENDER_OFFSET = 4, FRAME_LENGTH_OFFSET = 10, LENGTH = 12;
    public static final byte MAGIC = 0x57, VERSION = 1, TYPE_FRAME = 1;
    /** The shortest frame worth carrying: an Ethernet header. */
    public static final int MIN_FRAME = EthernetFrame.HEADER_LENGTH;
    public static final int MAX_FRAME = 0xFFFF;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** Why a datagram was refused; each value is a counter operators can see. */
    public enum Check { OK, TOO_SHORT, BAD_MAGIC, BAD_VERSION, BAD_TYPE, LENGTH_MISMATCH }

    private MemorySegment datagram = MemorySegment.NULL;

    /** Checks {@code candidate} and, if it is a well-formed sleeve datagram, makes it the current one. */
    public Check wrap(MemorySegment candidate) {
        long size = candidate.byteSize();
        if (size < LENGTH + MIN_FRAME) return Check.TOO_SHORT;
        if (candidate.get(JAVA_BYTE, MAGIC_OFFSET) != MAGIC) return Check.BAD_MAGIC;
        if (candidate.get(JAVA_BYTE, VERSION_OFFSET) != VERSION) return Check.BAD_VERSION;
        if (candidate.get(JAVA_BYTE, TYPE_OFFSET) != TYPE_FRAME) return Check.BAD_TYPE;
        if (Short.toUnsignedInt(candidate.get(U16, FRAME_LENGTH_OFFSET)) != size - LENGTH) return Check.LENGTH_MISMATCH;
        datagram = candidate;
        return Check.OK;
    }

    /** The sender's 48-bit peer name. */
    public long sender() {
        return readSender(datagram);
    }

    public int frameLength() {
        return Short.toUnsignedInt(datagram.get(U16, FRAME_LENGTH_OFFSET));
    }

    /** Reads the sender of a datagram that {@link #wrap} accepted, without an instance. */
    public static long readSender(MemorySegment datagram) {
        long high = Short.toUnsignedLong(datagram.get(U16, SENDER_OFFSET));
        long low = Integer.toUnsignedLong(datagram.get(U32, SENDER_OFFSET + 2));
        return high << 32 | low;
    }

    /** Writes a header for a frame of {@code frameLength} bytes that the caller places at offset {@link #LENGTH}. */
    public static void write(MemorySegment datagram, long sender, int frameLength) {
        if (frameLength < 0 || frameLength > MAX_FRAME) throw new IllegalArgumentException("frame length " + frameLength);
        datagram.set(JAVA_BYTE, MAGIC_OFFSET, MAGIC);
        datagram.set(JAVA_BYTE, VERSION_OFFSET, VERSION);
        datagram.set(JAVA_BYTE, TYPE_OFFSET, TYPE_FRAME);
        datagram.set(JAVA_BYTE, FLAGS_OFFSET, (byte) 0);
        datagram.set(U16, SENDER_OFFSET, (short) (sender >>> 32));
        datagram.set(U32, SENDER_OFFSET + 2, (int) sender);
        datagram.set(U16, FRAME_LENGTH_OFFSET, (short) frameLength);
    }
}

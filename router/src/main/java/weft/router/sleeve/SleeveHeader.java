package weft.router.sleeve;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A view over the 32-byte header that starts every sleeve datagram. One Ethernet frame follows, in clear or
 * sealed (then followed by a {@link #TAG_LENGTH}-byte authentication tag, and the header is the sealed data's
 * associated data, so a relay or an attacker cannot change it unnoticed).
 *
 * <pre>
 *  0  u8   magic 0x57 ('W')
 *  1  u8   version (1)
 *  2  u8   type: 1 = unicast frame for {@code destination}, 2 = broadcast frame
 *  3  u8   flags: bit 0 = sealed
 *  4  u48  sender: the peer that sent this datagram (the last hop)
 * 10  u48  origin: the peer whose bridge the frame came from
 * 16  u48  destination: the peer the frame is for; 0 for a broadcast
 * 22  u16  frame length (of the frame in clear)
 * 24  u64  sequence: the sealing nonce and replay counter of the hop; 0 when not sealed
 * 32  ...  the frame, then the tag when sealed
 * </pre>
 * All fields are big-endian. One instance per thread, re-wrapped per datagram; it allocates nothing.
 */
public final class SleeveHeader {
    public static final int MAGIC_OFFSET = 0, VERSION_OFFSET = 1, TYPE_OFFSET = 2, FLAGS_OFFSET = 3;
    public static final int SENDER_OFFSET = 4, ORIGIN_OFFSET = 10, DESTINATION_OFFSET = 16, FRAME_LENGTH_OFFSET = 22;
    public static final int SEQUENCE_OFFSET = 24, LENGTH = 32, TAG_LENGTH = 16;
    public static final byte MAGIC = 0x57, VERSION = 1, TYPE_UNICAST = 1, TYPE_BROADCAST = 2, FLAG_SEALED = 1;
    /** The shortest frame worth carrying: an Ethernet header. */
    public static final int MIN_FRAME = EthernetFrame.HEADER_LENGTH;
    public static final int MAX_FRAME = 0xFFFF;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** Why a datagram was refused; each value is a counter operators can see. */
    public enum Check { OK, TOO_SHORT, BAD_MAGIC, BAD_VERSION, BAD_TYPE, BAD_FLAGS, LENGTH_MISMATCH }

    private MemorySegment datagram = MemorySegment.NULL;

    /** Checks {@code candidate} and, if it is a well-formed sleeve datagram, makes it the current one. */
    public Check wrap(MemorySegment candidate) {
        long size = candidate.byteSize();
        if (size < LENGTH + MIN_FRAME) return Check.TOO_SHORT;
        if (candidate.get(JAVA_BYTE, MAGIC_OFFSET) != MAGIC) return Check.BAD_MAGIC;
        if (candidate.get(JAVA_BYTE, VERSION_OFFSET) != VERSION) return Check.BAD_VERSION;
        byte type = candidate.get(JAVA_BYTE, TYPE_OFFSET);
        if (type != TYPE_UNICAST && type != TYPE_BROADCAST) return Check.BAD_TYPE;
        byte flags = candidate.get(JAVA_BYTE, FLAGS_OFFSET);
        if ((flags & ~FLAG_SEALED) != 0) return Check.BAD_FLAGS;
        long expected = LENGTH + Short.toUnsignedInt(candidate.get(U16, FRAME_LENGTH_OFFSET)) + ((flags & FLAG_SEALED) != 0 ? TAG_LENGTH : 0);
        if (expected != size) return Check.LENGTH_MISMATCH;
        datagram = candidate;
        return Check.OK;
    }

    public boolean isBroadcast() {
        return datagram.get(JAVA_BYTE, TYPE_OFFSET) == TYPE_BROADCAST;
    }

    public boolean isSealed() {
        return (datagram.get(JAVA_BYTE, FLAGS_OFFSET) & FLAG_SEALED) != 0;
    }

    public long sender() {
        return name(datagram, SENDER_OFFSET);
    }

    public long origin() {
        return name(datagram, ORIGIN_OFFSET);
    }

    public long destination() {
        return name(datagram, DESTINATION_OFFSET);
    }

    public int frameLength() {
        return Short.toUnsignedInt(datagram.get(U16, FRAME_LENGTH_OFFSET));
    }

    public long sequence() {
        return datagram.get(U64, SEQUENCE_OFFSET);
    }

    private static long name(MemorySegment segment, long offset) {
        return Short.toUnsignedLong(segment.get(U16, offset)) << 32 | Integer.toUnsignedLong(segment.get(U32, offset + 2));
    }

    private static void putName(MemorySegment segment, long offset, long name) {
        segment.set(U16, offset, (short) (name >>> 32));
        segment.set(U32, offset + 2, (int) name);
    }

    /**
     * Writes a header for a frame of {@code frameLength} bytes that the caller places at offset {@link #LENGTH}.
     * {@code destination} is ignored (written as 0) for a broadcast.
     */
    public static void write(MemorySegment datagram, boolean broadcast, long sender, long origin, long destination, int frameLength) {
        if (frameLength < 0 || frameLength > MAX_FRAME) throw new IllegalArgumentException("frame length " + frameLength);
        datagram.set(JAVA_BYTE, MAGIC_OFFSET, MAGIC);
        datagram.set(JAVA_BYTE, VERSION_OFFSET, VERSION);
        datagram.set(JAVA_BYTE, TYPE_OFFSET, broadcast ? TYPE_BROADCAST : TYPE_UNICAST);
        datagram.set(JAVA_BYTE, FLAGS_OFFSET, (byte) 0);
        putName(datagram, SENDER_OFFSET, sender);
        putName(datagram, ORIGIN_OFFSET, origin);
        putName(datagram, DESTINATION_OFFSET, broadcast ? 0 : destination);
        datagram.set(U16, FRAME_LENGTH_OFFSET, (short) frameLength);
        datagram.set(U64, SEQUENCE_OFFSET, 0L);
    }

    /** Rewrites the sender of a header, for a relay passing the datagram on. */
    public static void rewriteSender(MemorySegment datagram, long sender) {
        putName(datagram, SENDER_OFFSET, sender);
    }

    /** Marks the header as sealed with {@code sequence}; done before sealing, since the header is authenticated. */
    public static void markSealed(MemorySegment datagram, long sequence) {
        datagram.set(JAVA_BYTE, FLAGS_OFFSET, FLAG_SEALED);
        datagram.set(U64, SEQUENCE_OFFSET, sequence);
    }

    /** Clears the sealed mark, for passing a datagram on to a hop that takes it in clear. */
    public static void markClear(MemorySegment datagram) {
        datagram.set(JAVA_BYTE, FLAGS_OFFSET, (byte) 0);
        datagram.set(U64, SEQUENCE_OFFSET, 0L);
    }
}

package weft.router.sleeve;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The payload of a sleeve datagram that carries several small frames for one destination
 * ({@link SleeveHeader#FLAG_BATCH}): entries one after the other, each a big-endian u16 frame length and the frame,
 * filling the payload exactly. Frames the port hands over faster than they can leave one by one share a datagram,
 * so they share its system call, its seal and its replay-window entry. Static helpers over a {@link MemorySegment};
 * nothing is allocated.
 */
public final class FrameBatch {
    /** Bytes in front of each frame: its length. */
    public static final int PREFIX = 2;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private FrameBatch() {
    }

    /** Writes the length prefix of a frame of {@code frameLength} bytes at {@code at}; the frame goes right after it. */
    public static void putLength(MemorySegment payload, long at, int frameLength) {
        if (frameLength < SleeveHeader.MIN_FRAME || frameLength > 0xFFFF) throw new IllegalArgumentException("frame length " + frameLength);
        payload.set(U16, at, (short) frameLength);
    }

    /** The length of the frame whose entry starts at {@code at}. */
    public static int frameLength(MemorySegment payload, long at) {
        return Short.toUnsignedInt(payload.get(U16, at));
    }

    /**
     * How many frames the entries in {@code payload[from, from + length)} hold, or -1 when they do not fill it exactly
     * with frames of at least an Ethernet header each. Total: any bytes give an answer, never an exception.
     */
    public static int count(MemorySegment payload, long from, int length) {
        long at = from, end = from + length;
        int frames = 0;
        while (at < end) {
            if (at + PREFIX > end) return -1;
            int frameLength = frameLength(payload, at);
            if (frameLength < SleeveHeader.MIN_FRAME || at + PREFIX + frameLength > end) return -1;
            at += PREFIX + frameLength;
            frames++;
        }
        return frames;
    }
}

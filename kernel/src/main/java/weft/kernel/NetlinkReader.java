package weft.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * Walks the netlink messages in a receive buffer. Bytes from the kernel are checked, never trusted:
 * {@link #next} returns why it refuses a message instead of throwing, and stops at the first refusal.
 * Offsets of {@code nlmsghdr} (native order): 0 u32 len, 4 u16 type, 6 u16 flags, 8 u32 seq, 12 u32 pid.
 * An NLMSG_ERROR payload is an s32 error (0 = ack, else -errno), the echoed request header and, with
 * NLM_F_ACK_TLVS, extended-ack attributes. One instance per thread, re-wrapped per buffer.
 */
public final class NetlinkReader {
    private static final ValueLayout.OfInt U32 = JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfShort U16 = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    /** The outcome of {@link #next}: a message, the clean end of the buffer, or why the rest was refused. */
    public enum Check { OK, END, TRUNCATED_HEADER, BAD_LENGTH, TRUNCATED_ERROR }

    private MemorySegment buffer = MemorySegment.NULL;
    private long limit;
    private long next;
    private long message;
    private int length;

    /** Reads the first {@code length} bytes of {@code received}. */
    public NetlinkReader wrap(MemorySegment received, long length) {
        buffer = received;
        limit = Math.min(length, received.byteSize());
        next = 0;
        message = 0;
        this.length = 0;
        return this;
    }

    /** Moves to the next message; anything but OK ends the walk. */
    public Check next() {
        long remaining = limit - next;
        if (remaining == 0) return Check.END;
        if (remaining < NetlinkAbi.NLMSG_HDRLEN) return refuse(Check.TRUNCATED_HEADER);
        long declared = Integer.toUnsignedLong(buffer.get(U32, next));
        if (declared < NetlinkAbi.NLMSG_HDRLEN || declared > remaining) return refuse(Check.BAD_LENGTH);
        message = next;
        length = (int) declared;
        // the last message of a datagram need not be padded, so the next start is clamped to the limit
        next = Math.min(limit, message + NetlinkWriter.align(length));
        if (type() == NetlinkAbi.NLMSG_ERROR && payloadLength() < 4) return refuse(Check.TRUNCATED_ERROR);
        return Check.OK;
    }

    private Check refuse(Check why) {
        next = limit;
        return why;
    }

    public int type() { return Short.toUnsignedInt(buffer.get(U16, message + 4)); }

    public int flags() { return Short.toUnsignedInt(buffer.get(U16, message + 6)); }

    public int sequence() { return buffer.get(U32, message + 8); }

    public int portId() { return buffer.get(U32, message + 12); }

    public MemorySegment buffer() { return buffer; }

    public long payloadOffset() { return message + NetlinkAbi.NLMSG_HDRLEN; }

    public int payloadLength() { return length - NetlinkAbi.NLMSG_HDRLEN; }

    /** For NLMSG_ERROR (0 = ack) and NLMSG_DONE: the kernel's error, a negative errno; 0 when a DONE carries none. */
    public int error() {
        return payloadLength() >= 4 ? buffer.get(U32, payloadOffset()) : 0;
    }

    /** The extended-ack message of an NLMSG_ERROR, or null when the kernel gave none or it is malformed. */
    public String extendedAckMessage(NetlinkAttributes scratch) {
        if (type() != NetlinkAbi.NLMSG_ERROR || (flags() & NetlinkAbi.NLM_F_ACK_TLVS) == 0) return null;
        long echoed = payloadOffset() + 4;
        long end = message + length;
        if (end - echoed < NetlinkAbi.NLMSG_HDRLEN) return null;
        long echoedLength = (flags() & NetlinkAbi.NLM_F_CAPPED) != 0
                ? NetlinkAbi.NLMSG_HDRLEN : Integer.toUnsignedLong(buffer.get(U32, echoed));
        long tlvs = echoed + NetlinkWriter.align((int) Math.min(echoedLength, end - echoed));
        if (tlvs >= end) return null;
        scratch.wrap(buffer, tlvs, end - tlvs);
        while (scratch.next() == NetlinkAttributes.Check.OK) {
            if (scratch.type() == NetlinkAbi.NLMSGERR_ATTR_MSG) return scratch.string();
        }
        return null;
    }
}

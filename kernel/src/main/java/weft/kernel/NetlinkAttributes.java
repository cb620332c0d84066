package weft.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * Walks a run of netlink attributes ({@code nlattr}: u16 len including the 4-byte header, u16 type
 * with NLA_F_NESTED and NLA_F_NET_BYTEORDER in the top bits; each padded to 4 bytes). {@link #next}
 * refuses a truncated or overlong attribute instead of throwing. Value getters read only inside the
 * current attribute: callers check {@link #valueLength()} first. One instance per thread and nesting
 * level, re-wrapped per run.
 */
public final class NetlinkAttributes {
    private static final ValueLayout.OfInt U32 = JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfShort U16 = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfShort BE16 = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** The outcome of {@link #next}: an attribute, the clean end of the run, or why the rest was refused. */
    public enum Check { OK, END, TRUNCATED, BAD_LENGTH }

    private MemorySegment buffer = MemorySegment.NULL;
    private long limit;
    private long next;
    private long attribute;
    private int length;

    /** Reads the attributes in {@code [offset, offset + length)} of {@code source}, clipped to its size. */
    public NetlinkAttributes wrap(MemorySegment source, long offset, long length) {
        buffer = source;
        long start = Math.clamp(offset, 0, source.byteSize());
        next = start;
        limit = Math.clamp(start + Math.max(0, length), start, source.byteSize());
        attribute = start;
        this.length = 0;
        return this;
    }

    /** Reads the attributes nested in the current one into {@code inner}, and returns it. */
    public NetlinkAttributes nested(NetlinkAttributes inner) {
        return inner.wrap(buffer, valueOffset(), valueLength());
    }

    public Check next() {
        long remaining = limit - next;
        if (remaining <= 0) return Check.END;
        if (remaining < NetlinkAbi.NLA_HDRLEN) return refuse(Check.TRUNCATED);
        int declared = Short.toUnsignedInt(buffer.get(U16, next));
        if (declared < NetlinkAbi.NLA_HDRLEN || declared > remaining) return refuse(Check.BAD_LENGTH);
        attribute = next;
        length = declared;
        next = Math.min(limit, attribute + NetlinkWriter.align(length));
        return Check.OK;
    }

    private Check refuse(Check why) {
        next = limit;
        return why;
    }

    /** The type without the NLA_F_NESTED and NLA_F_NET_BYTEORDER flags. */
    public int type() { return Short.toUnsignedInt(buffer.get(U16, attribute + 2)) & NetlinkAbi.NLA_TYPE_MASK; }

    public boolean isNested() { return (buffer.get(U16, attribute + 2) & NetlinkAbi.NLA_F_NESTED) != 0; }

    public long valueOffset() { return attribute + NetlinkAbi.NLA_HDRLEN; }

    public int valueLength() { return length - NetlinkAbi.NLA_HDRLEN; }

    public int u8() { return Byte.toUnsignedInt(buffer.get(JAVA_BYTE, valueOffset())); }

    public int u16() { return Short.toUnsignedInt(buffer.get(U16, valueOffset())); }

    public int be16() { return Short.toUnsignedInt(buffer.get(BE16, valueOffset())); }

    public int u32() { return buffer.get(U32, valueOffset()); }

    /** The value as a string, up to its first NUL (the kernel's strings usually carry one). */
    public String string() {
        int n = 0;
        while (n < valueLength() && buffer.get(JAVA_BYTE, valueOffset() + n) != 0) n++;
        return new String(buffer.asSlice(valueOffset(), n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
    }

    public byte[] bytes() {
        return buffer.asSlice(valueOffset(), valueLength()).toArray(JAVA_BYTE);
    }
}

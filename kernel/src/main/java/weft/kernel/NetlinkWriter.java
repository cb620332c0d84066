package weft.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * Builds one netlink request in a buffer: the 16-byte {@code nlmsghdr}, a family header, then
 * attributes, each padded to 4 bytes with zeros. Netlink itself is in native byte order; values the
 * kernel keeps in network order (ports, addresses) are written with {@link #be16} or as raw bytes.
 * Writing past the buffer throws: a request too large for it is a bug of ours. Pure, no I/O.
 * One instance per thread, re-wrapped per request.
 */
public final class NetlinkWriter {
    private static final ValueLayout.OfInt U32 = JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfShort U16 = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfShort BE16 = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private MemorySegment buffer = MemorySegment.NULL;
    private int position;

    /** Starts a request at the start of {@code target}: nlmsghdr with length to be set by {@link #finish}, pid 0. */
    public NetlinkWriter begin(MemorySegment target, int type, int flags, int sequence) {
        buffer = target;
        position = 0;
        buffer.set(U32, 0, 0);
        buffer.set(U16, 4, (short) type);
        buffer.set(U16, 6, (short) flags);
        buffer.set(U32, 8, sequence);
        buffer.set(U32, 12, 0);
        position = NetlinkAbi.NLMSG_HDRLEN;
        return this;
    }

    /** ifinfomsg (16): u8 family, u8 pad, u16 type, s32 index, u32 flags, u32 change. */
    public NetlinkWriter ifinfomsg(int family, int index, int flags, int change) {
        buffer.set(JAVA_BYTE, position, (byte) family);
        buffer.set(JAVA_BYTE, position + 1, (byte) 0);
        buffer.set(U16, position + 2, (short) 0);
        buffer.set(U32, position + 4, index);
        buffer.set(U32, position + 8, flags);
        buffer.set(U32, position + 12, change);
        position += NetlinkAbi.IFINFOMSG_LEN;
        return this;
    }

    /** ifaddrmsg (8): u8 family, u8 prefixlen, u8 flags, u8 scope, u32 index. */
    public NetlinkWriter ifaddrmsg(int family, int prefixLength, int flags, int scope, int index) {
        buffer.set(JAVA_BYTE, position, (byte) family);
        buffer.set(JAVA_BYTE, position + 1, (byte) prefixLength);
        buffer.set(JAVA_BYTE, position + 2, (byte) flags);
        buffer.set(JAVA_BYTE, position + 3, (byte) scope);
        buffer.set(U32, position + 4, index);
        position += NetlinkAbi.IFADDRMSG_LEN;
        return this;
    }

    /** rtmsg (12): u8 family, dst_len, src_len, tos, table, protocol, scope, type; u32 flags. */
    public NetlinkWriter rtmsg(int family, int dstLength, int table, int protocol, int scope, int type) {
        buffer.set(JAVA_BYTE, position, (byte) family);
        buffer.set(JAVA_BYTE, position + 1, (byte) dstLength);
        buffer.set(JAVA_BYTE, position + 2, (byte) 0);
        buffer.set(JAVA_BYTE, position + 3, (byte) 0);
        buffer.set(JAVA_BYTE, position + 4, (byte) table);
        buffer.set(JAVA_BYTE, position + 5, (byte) protocol);
        buffer.set(JAVA_BYTE, position + 6, (byte) scope);
        buffer.set(JAVA_BYTE, position + 7, (byte) type);
        buffer.set(U32, position + 8, 0);
        position += NetlinkAbi.RTMSG_LEN;
        return this;
    }

    /** ndmsg (12): u8 family, u8 pad, u16 pad, s32 ifindex, u16 state, u8 flags, u8 type. */
    public NetlinkWriter ndmsg(int family, int index, int state, int flags, int type) {
        buffer.set(JAVA_BYTE, position, (byte) family);
        buffer.set(JAVA_BYTE, position + 1, (byte) 0);
        buffer.set(U16, position + 2, (short) 0);
        buffer.set(U32, position + 4, index);
        buffer.set(U16, position + 8, (short) state);
        buffer.set(JAVA_BYTE, position + 10, (byte) flags);
        buffer.set(JAVA_BYTE, position + 11, (byte) type);
        position += NetlinkAbi.NDMSG_LEN;
        return this;
    }

    /**
     * Reserves a zeroed family header of {@code length} bytes for the caller to fill in field by field, for headers
     * too large to take as arguments ({@code xfrm_usersa_info}); returns its offset in the buffer.
     */
    public int reserve(int length) {
        int at = position;
        buffer.asSlice(at, length).fill((byte) 0);
        pad(at + length);
        return at;
    }

    /** An attribute whose value is a zeroed struct of {@code valueLength} bytes for the caller to fill in; returns the value's offset. */
    public int attribute(int type, int valueLength) {
        int at = header(type, valueLength);
        buffer.asSlice(at, valueLength).fill((byte) 0);
        pad(at + valueLength);
        return at;
    }

    public NetlinkWriter u8(int type, int value) {
        int at = header(type, 1);
        buffer.set(JAVA_BYTE, at, (byte) value);
        return pad(at + 1);
    }

    public NetlinkWriter u32(int type, int value) {
        int at = header(type, 4);
        buffer.set(U32, at, value);
        return pad(at + 4);
    }

    /** An attribute whose presence is its value (NLA_FLAG). */
    public NetlinkWriter flag(int type) {
        return pad(header(type, 0));
    }

    /** A 16-bit value in network byte order, e.g. IFLA_VXLAN_PORT. */
    public NetlinkWriter be16(int type, int value) {
        int at = header(type, 2);
        buffer.set(BE16, at, (short) value);
        return pad(at + 2);
    }

    /** A NUL-terminated string, as the kernel's NLA_STRING and NLA_NUL_STRING policies both accept. */
    public NetlinkWriter string(int type, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        int at = header(type, bytes.length + 1);
        MemorySegment.copy(bytes, 0, buffer, JAVA_BYTE, at, bytes.length);
        buffer.set(JAVA_BYTE, at + bytes.length, (byte) 0);
        return pad(at + bytes.length + 1);
    }

    /** Raw bytes: MAC and IP addresses, already in the order the kernel wants. */
    public NetlinkWriter bytes(int type, byte[] value) {
        int at = header(type, value.length);
        MemorySegment.copy(value, 0, buffer, JAVA_BYTE, at, value.length);
        return pad(at + value.length);
    }

    /** Opens a nested attribute; returns its offset, which {@link #endNested} needs. Flags such as NLA_F_NESTED go in {@code type}. */
    public int beginNested(int type) {
        int start = position;
        position = header(type, 0);
        return start;
    }

    /** Closes the nested attribute opened at {@code start}: its length covers everything written since. */
    public NetlinkWriter endNested(int start) {
        buffer.set(U16, start, (short) (position - start));
        return this;
    }

    /** Sets nlmsg_len and returns the request's length in bytes. */
    public int finish() {
        buffer.set(U32, 0, position);
        return position;
    }

    private int header(int type, int valueLength) {
        buffer.set(U16, position, (short) (NetlinkAbi.NLA_HDRLEN + valueLength));
        buffer.set(U16, position + 2, (short) type);
        return position + NetlinkAbi.NLA_HDRLEN;
    }

    private NetlinkWriter pad(int end) {
        int aligned = align(end);
        buffer.asSlice(end, aligned - end).fill((byte) 0);  // the buffer is reused: stale bytes must not leak into padding
        position = aligned;
        return this;
    }

    static int align(int length) {
        return (length + 3) & ~3;
    }
}

package weft.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A preallocated vector of {@code struct mmsghdr} for {@code sendmmsg} and {@code recvmmsg}, each message with one
 * iovec of its own and, for receiving, a {@code struct sockaddr_in} of its own as {@code msg_name}, where the kernel
 * writes where the datagram came from; and the layouts of the structs involved (x86-64 and aarch64 Linux). Used by
 * one thread at a time, as the {@link UdpSocket} side it belongs to says; allocated in the socket's arena.
 */
final class MessageBatch {
    /** {@code struct mmsghdr}: a 56-byte {@code struct msghdr} and the unsigned length the kernel fills in. */
    static final int MMSGHDR = 64, MSG_NAME = 0, MSG_NAMELEN = 8, MSG_IOV = 16, MSG_IOVLEN = 24, MSG_LEN = 56;
    static final int IOVEC = 16, SOCKADDR_IN = 16, MSG_CONTROL = 32, MSG_CONTROLLEN = 40, MSG_FLAGS = 48;
    /** {@code struct cmsghdr}: size_t len, int level, int type, then the data at 16; spaces are 8-aligned. */
    static final int CMSG_DATA = 16, CMSG_SEGMENT_LEN = CMSG_DATA + 2, CMSG_SEGMENT_SPACE = 24;
    /** The port and the address of a {@code struct sockaddr_in}, in network byte order. */
    static final ValueLayout.OfShort NET_SHORT = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt NET_INT = JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN);

    final MemorySegment messages, iovecs;
    /** The source of each message received, or null for a batch that sends. */
    private final MemorySegment names;
    final int capacity;
    int count;

    /** @param receiving whether each message gets a {@code msg_name} of its own to learn the source by */
    MessageBatch(Arena arena, int capacity, boolean receiving) {
        this.capacity = capacity;
        messages = arena.allocate((long) MMSGHDR * capacity, 8);
        iovecs = arena.allocate((long) IOVEC * capacity, 8);
        names = receiving ? arena.allocate((long) SOCKADDR_IN * capacity, 8) : null;
        for (int i = 0; i < capacity; i++) {
            long m = (long) i * MMSGHDR;
            messages.set(ADDRESS, m + MSG_IOV, iovecs.asSlice((long) i * IOVEC, IOVEC));
            messages.set(JAVA_LONG, m + MSG_IOVLEN, 1L);
            if (receiving) messages.set(ADDRESS, m + MSG_NAME, names.asSlice((long) i * SOCKADDR_IN, SOCKADDR_IN));
        }
    }

    /** Before a {@code recvmmsg} into the first {@code count} messages: the kernel wrote each {@code msg_namelen} last time. */
    void resetNames(int count) {
        for (int i = 0; i < count; i++) messages.set(JAVA_INT, (long) i * MMSGHDR + MSG_NAMELEN, SOCKADDR_IN);
    }

    /** The IPv4 address message {@code i} came from, its first octet in the top byte (0 if it came from no IPv4 address). */
    int sourceAddress(int i) {
        return hasIpv4Source(i) ? names.get(NET_INT, (long) i * SOCKADDR_IN + 4) : 0;
    }

    /** The UDP port message {@code i} came from, or -1 if it came from no IPv4 address. */
    int sourcePort(int i) {
        return hasIpv4Source(i) ? Short.toUnsignedInt(names.get(NET_SHORT, (long) i * SOCKADDR_IN + 2)) : -1;
    }

    private boolean hasIpv4Source(int i) {
        return messages.get(JAVA_INT, (long) i * MMSGHDR + MSG_NAMELEN) >= 8
                && names.get(JAVA_SHORT, (long) i * SOCKADDR_IN) == Linux.AF_INET;
    }

    /** Writes {@code address} (IPv4, or unresolved for the wildcard) as a {@code struct sockaddr_in}. */
    static void writeSockaddr(MemorySegment sockaddr, InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip != null && !(ip instanceof Inet4Address)) throw new IllegalArgumentException("not IPv4: " + address);
        sockaddr.fill((byte) 0);
        sockaddr.set(JAVA_SHORT, 0, (short) Linux.AF_INET);
        sockaddr.set(NET_SHORT, 2, (short) address.getPort());
        if (ip != null) MemorySegment.copy(ip.getAddress(), 0, sockaddr, JAVA_BYTE, 4, 4);
    }
}

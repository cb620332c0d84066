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
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A preallocated vector of {@code struct mmsghdr} for {@code sendmmsg} and {@code recvmmsg}, each message with one
 * iovec of its own, and the layouts of the structs involved (x86-64 and aarch64 Linux). Used by one thread at a
 * time, as the {@link UdpSocket} side it belongs to says; allocated in the socket's arena.
 */
final class MessageBatch {
    /** {@code struct mmsghdr}: a 56-byte {@code struct msghdr} and the unsigned length the kernel fills in. */
    static final int MMSGHDR = 64, MSG_NAME = 0, MSG_NAMELEN = 8, MSG_IOV = 16, MSG_IOVLEN = 24, MSG_LEN = 56;
    static final int IOVEC = 16, SOCKADDR_IN = 16, MSG_CONTROL = 32, MSG_CONTROLLEN = 40, MSG_FLAGS = 48;
    /** {@code struct cmsghdr}: size_t len, int level, int type, then the data at 16; spaces are 8-aligned. */
    static final int CMSG_DATA = 16, CMSG_SEGMENT_LEN = CMSG_DATA + 2, CMSG_SEGMENT_SPACE = 24;
    /** The port of a {@code struct sockaddr_in}, in network byte order. */
    static final ValueLayout.OfShort NET_SHORT = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);

    final MemorySegment messages, iovecs;
    final int capacity;
    int count;

    MessageBatch(Arena arena, int capacity) {
        this.capacity = capacity;
        messages = arena.allocate((long) MMSGHDR * capacity, 8);
        iovecs = arena.allocate((long) IOVEC * capacity, 8);
        for (int i = 0; i < capacity; i++) {
            long m = (long) i * MMSGHDR;
            messages.set(ADDRESS, m + MSG_IOV, iovecs.asSlice((long) i * IOVEC, IOVEC));
            messages.set(JAVA_LONG, m + MSG_IOVLEN, 1L);
        }
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

package weft.router.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * An IPv4 UDP socket bound with FFM, for the sleeve: many datagrams per system call in both directions,
 * {@code sendmmsg} from a {@link #sendBatch batch} the caller filled and {@code recvmmsg} into preallocated
 * slots. Thread rule: one sending and one receiving thread (each direction owns its call state and its
 * message vectors); {@link #close} wakes the receiver (shutdown) and releases the descriptor once both
 * have stopped using it.
 */
public final class UdpSocket implements AutoCloseable {
    /** {@code struct mmsghdr}: a 56-byte {@code struct msghdr} and the unsigned length the kernel fills in. */
    private static final int MMSGHDR = 64, MSG_NAME = 0, MSG_NAMELEN = 8, MSG_IOV = 16, MSG_IOVLEN = 24, MSG_LEN = 56;
    private static final int IOVEC = 16, SOCKADDR_IN = 16;

    private final int fd;
    private final String target;
    private final MemorySegment sendState, receiveState, pollFd;
    private final AtomicBoolean closed = new AtomicBoolean(), shutDown = new AtomicBoolean();
    private final Batch sending, receiving;
    private final MemorySegment sendAddress;
    private InetSocketAddress sendAddressOf; // sending thread only: the endpoint sendAddress holds

    /** Preallocated message vectors: {@code capacity} datagrams, each an iovec over the caller's bytes. */
    private static final class Batch {
        final MemorySegment messages, iovecs;
        final int capacity;
        int count;

        Batch(Arena arena, int capacity) {
            this.capacity = capacity;
            messages = arena.allocate((long) MMSGHDR * capacity, 8);
            iovecs = arena.allocate((long) IOVEC * capacity, 8);
            for (int i = 0; i < capacity; i++) {
                long m = (long) i * MMSGHDR;
                messages.set(ADDRESS, m + MSG_IOV, iovecs.asSlice((long) i * IOVEC, IOVEC));
                messages.set(JAVA_LONG, m + MSG_IOVLEN, 1L);
            }
        }
    }

    private UdpSocket(int fd, String target, Arena arena, int batch) {
        this.fd = fd;
        this.target = target;
        sendState = Linux.newCallState(arena);
        receiveState = Linux.newCallState(arena);
        pollFd = arena.allocate(Linux.POLLFD_SIZE, 8);
        pollFd.set(JAVA_INT, 0, fd);
        pollFd.set(JAVA_SHORT, Linux.POLLFD_EVENTS, Linux.POLLIN);
        sending = new Batch(arena, batch);
        receiving = new Batch(arena, batch);
        sendAddress = arena.allocate(SOCKADDR_IN, 8);
        for (int i = 0; i < batch; i++) {
            sending.messages.set(ADDRESS, (long) i * MMSGHDR + MSG_NAME, sendAddress);
            sending.messages.set(JAVA_INT, (long) i * MMSGHDR + MSG_NAMELEN, SOCKADDR_IN);
        }
    }

    /**
     * Opens a socket bound to {@code address} (an IPv4 address or the wildcard) with send and receive buffers of
     * {@code bufferBytes} (the kernel caps them), moving up to {@code batch} datagrams per call.
     */
    public static UdpSocket bind(InetSocketAddress address, int bufferBytes, int batch) {
        Arena arena = Arena.ofAuto(); // see TapDevice: the descriptor is the resource close() releases
        MemorySegment state = Linux.newCallState(arena);
        String target = "udp " + address.getHostString() + ":" + address.getPort();
        int fd = Linux.socket(state, target, Linux.AF_INET, Linux.SOCK_DGRAM | Linux.SOCK_CLOEXEC, 0);
        try {
            Linux.setIntOption(state, target, fd, Linux.SOL_SOCKET, Linux.SO_SNDBUF, bufferBytes);
            Linux.setIntOption(state, target, fd, Linux.SOL_SOCKET, Linux.SO_RCVBUF, bufferBytes);
            MemorySegment sockaddr = arena.allocate(SOCKADDR_IN, 8);
            writeSockaddr(sockaddr, address);
            Linux.bind(state, target, fd, sockaddr);
            return new UdpSocket(fd, target, arena, batch);
        } catch (RuntimeException e) {
            Linux.close(state, target, fd);
            throw e;
        }
    }

    private static void writeSockaddr(MemorySegment sockaddr, InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip != null && !(ip instanceof Inet4Address)) throw new IllegalArgumentException("not IPv4: " + address);
        sockaddr.fill((byte) 0);
        sockaddr.set(JAVA_SHORT, 0, (short) Linux.AF_INET);
        sockaddr.set(JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) address.getPort());
        if (ip != null) MemorySegment.copy(ip.getAddress(), 0, sockaddr, JAVA_BYTE, 4, 4);
    }

    /** The most datagrams one {@link #sendBatch} or {@link #receiveBatch} moves. */
    public int batchCapacity() {
        return sending.capacity;
    }

    /** Sending thread: starts a batch of datagrams for {@code to} (all datagrams of a batch go to one endpoint). */
    public void startBatch(InetSocketAddress to) {
        if (to != sendAddressOf) { // peers keep their endpoint object, so this allocates only when the hop changes
            writeSockaddr(sendAddress, to);
            sendAddressOf = to;
        }
        sending.count = 0;
    }

    /** Sending thread: adds {@code data[0, length)} to the batch; false when it is full. The bytes must stay put until sent. */
    public boolean addToBatch(MemorySegment data, long length) {
        if (sending.count == sending.capacity) return false;
        long iov = (long) sending.count * IOVEC;
        sending.iovecs.set(ADDRESS, iov, data);
        sending.iovecs.set(JAVA_LONG, iov + 8, length);
        sending.count++;
        return true;
    }

    /** Sending thread: sends the batch with as few {@code sendmmsg} calls as the kernel allows; returns the datagrams sent. */
    public int sendBatch() {
        int sent = 0;
        while (sent < sending.count) {
            int n = Linux.sendmmsg(sendState, target, fd, sending.messages.asSlice((long) sent * MMSGHDR), sending.count - sent, 0);
            if (n <= 0) break; // EAGAIN (a full buffer) or EINTR: the rest is lost, as a dropped datagram would be
            sent += n;
        }
        sending.count = 0;
        return sent;
    }

    /**
     * Receiving thread: waits up to {@code timeoutMillis} for datagrams and receives up to {@code slots.length}
     * of them, datagram {@code i} into {@code slots[i]}; returns how many, 0 when none came. Their lengths are
     * {@link #receivedLength}.
     */
    public int receiveBatch(MemorySegment[] slots, int timeoutMillis) {
        int ready = Linux.poll(receiveState, target, pollFd, 1, timeoutMillis);
        if (ready <= 0 || shutDown.get()) return 0;
        int count = Math.min(slots.length, receiving.capacity);
        for (int i = 0; i < count; i++) {
            long iov = (long) i * IOVEC;
            receiving.iovecs.set(ADDRESS, iov, slots[i]);
            receiving.iovecs.set(JAVA_LONG, iov + 8, slots[i].byteSize());
        }
        int n = Linux.recvmmsg(receiveState, target, fd, receiving.messages, count, Linux.MSG_DONTWAIT);
        return Math.max(n, 0);
    }

    /** The length of datagram {@code i} of the last {@link #receiveBatch}. */
    public int receivedLength(int i) {
        return receiving.messages.get(JAVA_INT, (long) i * MMSGHDR + MSG_LEN);
    }

    /** Wakes a receiver waiting in {@link #receiveBatch}; later calls return at once. The descriptor stays open. */
    public void shutdown() {
        if (shutDown.compareAndSet(false, true)) Linux.shutdown(sendState, fd, Linux.SHUT_RDWR);
    }

    /** Closes the descriptor, once neither thread uses the socket any more (the number may be reused at once); idempotent. */
    @Override
    public void close() {
        shutdown();
        if (closed.compareAndSet(false, true)) Linux.close(sendState, target, fd);
    }

    @Override
    public String toString() {
        return target;
    }
}

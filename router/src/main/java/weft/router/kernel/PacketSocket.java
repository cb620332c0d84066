package weft.router.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * An {@code AF_PACKET} raw socket bound to one interface and one ethertype: whole Ethernet frames in and out,
 * header included. For control frames the router exchanges through the kernel's own data path (fast path
 * heartbeats on the bridge device), not for bulk traffic. Bind it to a bridge itself, not to one of its ports: a
 * port hands its frames to the bridge before protocol-bound sockets see them. Sending and receiving may run on
 * different threads; each alone is one thread at a time.
 */
public final class PacketSocket implements AutoCloseable {
    /** IEEE 802 "local experimental" ethertype 1: never carried by anything a container runs. */
    public static final int ETH_P_LOCAL_EXPERIMENTAL = 0x88B5;
    /** sockaddr_ll: u16 family, be16 protocol, s32 ifindex, u16 hatype, u8 pkttype, u8 halen, u8[8] addr. */
    private static final int SOCKADDR_LL = 20;

    private final Arena arena;
    private final int fd;
    private final String target;
    private final MemorySegment sendState, receiveState, pollFd;
    private boolean closed;

    private PacketSocket(Arena arena, int fd, String target, MemorySegment sendState, MemorySegment receiveState) {
        this.arena = arena;
        this.fd = fd;
        this.target = target;
        this.sendState = sendState;
        this.receiveState = receiveState;
        this.pollFd = arena.allocate(Linux.POLLFD_SIZE, 8);
        pollFd.set(JAVA_INT, 0, fd);
        pollFd.set(JAVA_SHORT, Linux.POLLFD_EVENTS, Linux.POLLIN);
    }

    /** Opens a socket that sends through and receives from interface {@code ifindex} frames of {@code ethertype}. */
    public static PacketSocket open(int ifindex, String interfaceName, int ethertype) {
        Arena arena = Arena.ofShared();
        MemorySegment sendState = Linux.newCallState(arena), receiveState = Linux.newCallState(arena);
        String target = "AF_PACKET ethertype 0x" + Integer.toHexString(ethertype) + " on " + interfaceName;
        int protocol = Short.toUnsignedInt(Short.reverseBytes((short) ethertype)); // htons
        int fd;
        try {
            fd = Linux.socket(sendState, target, Linux.AF_PACKET, Linux.SOCK_RAW | Linux.SOCK_CLOEXEC, protocol);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        try {
            MemorySegment address = arena.allocate(SOCKADDR_LL, 4);
            address.set(JAVA_SHORT, 0, (short) Linux.AF_PACKET);
            address.set(JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) ethertype);
            address.set(JAVA_INT, 4, ifindex);
            Linux.bind(sendState, target, fd, address);
            return new PacketSocket(arena, fd, target, sendState, receiveState);
        } catch (RuntimeException e) {
            Linux.close(sendState, target, fd);
            arena.close();
            throw e;
        }
    }

    /**
     * Sends the frame in {@code frame[0, length)} without blocking; false when the kernel refused it for now (a full
     * queue, the interface down), which a periodic sender simply tries again.
     */
    public boolean send(MemorySegment frame, int length) {
        try {
            return Linux.sendTo(sendState, target, fd, frame, length, Linux.MSG_DONTWAIT, MemorySegment.NULL) == length;
        } catch (NativeCallException e) {
            return false;
        }
    }

    /**
     * Waits up to {@code timeoutMillis} for a frame; returns its length (cut to {@code into}'s size), or 0 when none
     * came.
     */
    public int receive(MemorySegment into, int timeoutMillis) {
        int ready = Linux.poll(receiveState, target, pollFd, 1, timeoutMillis);
        if (ready <= 0) return 0;
        long n = Linux.recv(receiveState, target, fd, into, into.byteSize(), Linux.MSG_DONTWAIT);
        return n < 0 ? 0 : (int) n;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            Linux.close(sendState, target, fd);
        } finally {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return target;
    }
}

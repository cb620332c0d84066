package weft.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * An {@code AF_PACKET} raw socket on one interface that sends whole Ethernet frames and receives those of one
 * ethertype arriving from the wire (not those the host sends). For control frames the router exchanges through
 * the kernel's own data path (fast path heartbeats on the VXLAN port), not for bulk traffic.
 *
 * <p>A socket bound to one protocol sees nothing on a bridge port: the bridge takes the frame before
 * protocol handlers run. So the socket listens to every protocol, as packet taps do, and a socket filter in the
 * kernel keeps only the wanted ethertype, so the data path's frames never reach userspace. Sending and receiving
 * may run on different threads; each alone is one thread at a time.
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

    /** Opens a socket that sends through interface {@code ifindex} and receives the frames of {@code ethertype} it gets. */
    public static PacketSocket open(int ifindex, String interfaceName, int ethertype) {
        Arena arena = Arena.ofShared();
        MemorySegment sendState = Linux.newCallState(arena), receiveState = Linux.newCallState(arena);
        String target = "AF_PACKET ethertype 0x" + Integer.toHexString(ethertype) + " on " + interfaceName;
        int fd;
        try {
            // protocol 0 receives nothing until bind: the filter is in place before the first frame
            fd = Linux.socket(sendState, target, Linux.AF_PACKET, Linux.SOCK_RAW | Linux.SOCK_CLOEXEC, 0);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        try {
            Linux.setOption(sendState, target + ", SO_ATTACH_FILTER", fd, Linux.SOL_SOCKET, Linux.SO_ATTACH_FILTER,
                    etherTypeFilter(arena, ethertype));
            Linux.setIntOption(sendState, target + ", PACKET_IGNORE_OUTGOING", fd, Linux.SOL_PACKET, Linux.PACKET_IGNORE_OUTGOING, 1);
            MemorySegment address = arena.allocate(SOCKADDR_LL, 4);
            address.set(JAVA_SHORT, 0, (short) Linux.AF_PACKET);
            address.set(JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) Linux.ETH_P_ALL);
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
     * A classic BPF program (struct sock_fprog) that accepts a frame whose ethertype is {@code ethertype}:
     * {@code ldh [12]; jeq #ethertype, 0, 1; ret #65535; ret #0}.
     */
    static MemorySegment etherTypeFilter(Arena arena, int ethertype) {
        MemorySegment program = arena.allocate(4 * 8, 8);
        instruction(program, 0, 0x28, 0, 0, 12);         // BPF_LD | BPF_H | BPF_ABS
        instruction(program, 1, 0x15, 0, 1, ethertype);  // BPF_JMP | BPF_JEQ | BPF_K
        instruction(program, 2, 0x06, 0, 0, 0xFFFF);     // BPF_RET | BPF_K: the whole frame
        instruction(program, 3, 0x06, 0, 0, 0);          // BPF_RET | BPF_K: nothing
        MemorySegment fprog = arena.allocate(16, 8);     // u16 len, padding, pointer
        fprog.set(JAVA_SHORT, 0, (short) 4);
        fprog.set(ADDRESS, 8, program);
        return fprog;
    }

    private static void instruction(MemorySegment program, int index, int code, int jumpTrue, int jumpFalse, int k) {
        long at = index * 8L;
        program.set(JAVA_SHORT, at, (short) code);
        program.set(JAVA_BYTE, at + 2, (byte) jumpTrue);
        program.set(JAVA_BYTE, at + 3, (byte) jumpFalse);
        program.set(JAVA_INT, at + 4, k);
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

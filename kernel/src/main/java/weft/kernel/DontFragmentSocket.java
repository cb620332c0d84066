package weft.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A UDP socket connected to one IPv4 endpoint that never lets the kernel fragment what it sends
 * ({@code IP_MTU_DISCOVER = IP_PMTUDISC_DO}): a datagram larger than the path MTU the kernel knows (from the
 * outgoing link or an ICMP "fragmentation needed") is refused with EMSGSIZE, and {@code IP_MTU} then reads that
 * path MTU. For path MTU probes, which are rare; one thread at a time.
 */
public final class DontFragmentSocket implements AutoCloseable {
    /** {@link #send}: the datagram left. */
    public static final int SENT = 0;
    private final int fd;
    private final String target;
    private final MemorySegment state, peer;
    private boolean closed;

    private DontFragmentSocket(int fd, String target, MemorySegment state, MemorySegment peer) {
        this.fd = fd;
        this.target = target;
        this.state = state;
        this.peer = peer;
    }

    /** Opens a socket connected to {@code to} (an IPv4 endpoint), from an ephemeral port. */
    public static DontFragmentSocket connect(InetSocketAddress to) {
        if (!(to.getAddress() instanceof Inet4Address ip)) throw new IllegalArgumentException("not IPv4: " + to);
        Arena arena = Arena.ofAuto();
        MemorySegment state = Linux.newCallState(arena);
        String target = "udp probe to " + to.getAddress().getHostAddress() + ":" + to.getPort();
        int fd = Linux.socket(state, target, Linux.AF_INET, Linux.SOCK_DGRAM | Linux.SOCK_CLOEXEC, 0);
        try {
            Linux.setIntOption(state, target, fd, Linux.IPPROTO_IP, Linux.IP_MTU_DISCOVER, Linux.IP_PMTUDISC_DO);
            MemorySegment sockaddr = arena.allocate(16, 8);
            sockaddr.set(JAVA_SHORT, 0, (short) Linux.AF_INET);
            sockaddr.set(JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) to.getPort());
            MemorySegment.copy(ip.getAddress(), 0, sockaddr, JAVA_BYTE, 4, 4);
            Linux.connect(state, target, fd, sockaddr);
            return new DontFragmentSocket(fd, target, state, sockaddr);
        } catch (RuntimeException e) {
            Linux.close(state, target, fd);
            throw e;
        }
    }

    /**
     * Sends {@code data[0, length)} with don't-fragment; returns {@link #SENT}, the kernel's path MTU (positive)
     * when the datagram is too big for it, or -1 when it could not be sent for another reason (an ICMP error the
     * socket reported, a full buffer).
     */
    public int send(MemorySegment data, int length) {
        try {
            Linux.sendTo(state, target, fd, data, length, Linux.MSG_DONTWAIT, MemorySegment.NULL);
            return SENT;
        } catch (NativeCallException e) {
            if (e.errno() != Errno.EMSGSIZE) return -1;
            try {
                return Linux.getIntOption(state, target, fd, Linux.IPPROTO_IP, Linux.IP_MTU);
            } catch (NativeCallException unknown) {
                return -1;
            }
        }
    }

    /** The kernel's path MTU towards the endpoint. */
    public int pathMtu() {
        return Linux.getIntOption(state, target, fd, Linux.IPPROTO_IP, Linux.IP_MTU);
    }

    /**
     * The kernel's path MTU towards the endpoint as it is now: connecting again looks the route up afresh, since the
     * socket's cached route does not see a narrower path the kernel learnt since (from an ICMP to another socket).
     */
    public int currentPathMtu() {
        Linux.connect(state, target, fd, peer);
        return pathMtu();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        Linux.close(state, target, fd);
    }

    @Override
    public String toString() {
        return target;
    }
}

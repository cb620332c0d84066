package weft.router.sleeve;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/**
 * Sends the sleeve's path MTU probes with don't-fragment, so the kernel refuses what it knows is too big instead of
 * fragmenting it. In production one connected FFM socket per neighbour; in tests a simulated path. Sending thread
 * only.
 */
public interface DontFragmentSender extends AutoCloseable {
    /**
     * Sends {@code datagram[0, length)} to {@code to}; returns {@link PathMtu.Prober#SENT}, the kernel's path MTU
     * (positive) when the datagram is too big for it, or a negative number when it could not be sent otherwise.
     */
    int send(InetSocketAddress to, MemorySegment datagram, int length);

    /** The kernel's path MTU towards {@code to} now, or 0 when it cannot say. */
    int pathMtu(InetSocketAddress to);

    @Override
    void close();
}

package weft.router.sleeve;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/**
 * The sleeve's UDP socket, in batches: each sending thread collects the datagrams of one frame (all for one hop)
 * in its own {@link Sender} and sends them at once, the receiving thread takes whatever datagrams are waiting. In
 * production an FFM socket with {@code sendmmsg}/{@code recvmmsg} ({@link KernelSleeveSocket}); in tests a
 * {@link java.nio.channels.DatagramChannel}. One receiving thread, and one thread per sender.
 */
public interface SleeveSocket extends AutoCloseable {
    /** One sending thread's batches; never shared between threads. */
    interface Sender {
        /** Starts a batch for {@code to}. */
        void startBatch(InetSocketAddress to);

        /** Adds {@code datagram[0, length)}, which must stay unchanged until {@link #flush}; false when full. */
        boolean add(MemorySegment datagram, int length);

        /** Sends the batch; returns how many of its datagrams went out (the others are lost). */
        int flush();
    }

    /** A sender for one more sending thread (a forwarder lane). */
    Sender newSender();

    /**
     * Receiving thread: waits up to {@code timeoutMillis} (or, for implementations that cannot, until a datagram
     * or {@link #close}) and receives up to {@code slots.length} datagrams, datagram {@code i} into
     * {@code slots[i]} with its length in {@code lengths[i]} and where it came from in {@code sourceAddresses[i]}
     * (an IPv4 address, its first octet in the top byte) and {@code sourcePorts[i]} (-1 when it came from no IPv4
     * address); returns how many, 0 when none came. The arrays are as long as {@code slots}.
     */
    int receive(MemorySegment[] slots, int[] lengths, int[] sourceAddresses, int[] sourcePorts, int timeoutMillis) throws IOException;

    /** Wakes a waiting receiver for good; after it, {@link #receive} returns at once. */
    void shutdown();

    /** Releases the socket; only once neither thread uses it any more. Idempotent. */
    @Override
    void close();
}

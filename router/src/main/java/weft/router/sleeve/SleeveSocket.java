package weft.router.sleeve;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/**
 * The sleeve's UDP socket, in batches: the sending thread collects the datagrams of one frame (all for one hop)
 * and sends them at once, the receiving thread takes whatever datagrams are waiting. In production an FFM socket
 * with {@code sendmmsg}/{@code recvmmsg}; in tests a {@link java.nio.channels.DatagramChannel}
 * ({@link ChannelSleeveSocket}). One sending and one receiving thread.
 */
public interface SleeveSocket extends AutoCloseable {
    /** Sending thread: starts a batch for {@code to}. */
    void startBatch(InetSocketAddress to);

    /** Sending thread: adds {@code datagram[0, length)}, which must stay unchanged until {@link #flush}; false when full. */
    boolean add(MemorySegment datagram, int length);

    /** Sending thread: sends the batch; returns how many of its datagrams went out (the others are lost). */
    int flush();

    /**
     * Receiving thread: waits up to {@code timeoutMillis} (or, for implementations that cannot, until a datagram
     * or {@link #close}) and receives up to {@code slots.length} datagrams, datagram {@code i} into
     * {@code slots[i]} with its length in {@code lengths[i]}; returns how many, 0 when none came.
     */
    int receive(MemorySegment[] slots, int[] lengths, int timeoutMillis) throws IOException;

    /** Wakes a waiting receiver for good; after it, {@link #receive} returns at once. */
    void shutdown();

    /** Releases the socket; only once neither thread uses it any more. Idempotent. */
    @Override
    void close();
}

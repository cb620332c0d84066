package weft.router.sleeve;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The sleeve datagrams and bytes exchanged with one neighbour (the hop, not the frames' origin or destination):
 * sent by every lane, received by the receive lane, UDP payload bytes with headers, tags and fragments. Lives as
 * long as its {@link SleevePeer}, so a reconnected peer starts from zero, which Prometheus takes as a reset.
 *
 * <p>Thread rule: each sending lane counts in slots of its own lane number and the receive lane in its own, with a
 * plain read of the slot and an opaque write, as {@link weft.kernel.EnumCounters} does; the slots of different
 * threads lie a cache line apart, so lanes sending to one peer on different cores do not contend. Readers sum the
 * slots from any thread. Nothing is allocated per datagram.
 */
public final class PeerTraffic {
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Longs per thread: 64 bytes, a cache line. */
    private static final int STRIDE = 8;
    private static final int DATAGRAMS = 0, BYTES = 1, LAST_NANOS = 2;
    /** The receive lane's slots come after the sending lanes'. */
    private static final int RECEIVED = SleeveCipher.MAX_LANES * STRIDE;
    private final long[] slots = new long[RECEIVED + STRIDE];

    /** Sending lane {@code lane} sent {@code datagrams} datagrams of {@code bytes} bytes in all. */
    void sent(int lane, int datagrams, long bytes) {
        int slot = lane * STRIDE;
        SLOTS.setOpaque(slots, slot + DATAGRAMS, slots[slot + DATAGRAMS] + datagrams);
        SLOTS.setOpaque(slots, slot + BYTES, slots[slot + BYTES] + bytes);
    }

    /** The receive lane took a datagram of {@code bytes} bytes from this neighbour in its batch read at {@code nowNanos}. */
    void received(int bytes, long nowNanos) {
        SLOTS.setOpaque(slots, RECEIVED + LAST_NANOS, nowNanos);
        // released after the time: a reader that sees a count sees a time at least as recent as its first datagram
        SLOTS.setRelease(slots, RECEIVED + DATAGRAMS, slots[RECEIVED + DATAGRAMS] + 1);
        SLOTS.setOpaque(slots, RECEIVED + BYTES, slots[RECEIVED + BYTES] + bytes);
    }

    public long sentDatagrams() {
        return sumSent(DATAGRAMS);
    }

    public long sentBytes() {
        return sumSent(BYTES);
    }

    public long receivedDatagrams() {
        return (long) SLOTS.getAcquire(slots, RECEIVED + DATAGRAMS);
    }

    /**
     * When the latest datagram from this neighbour arrived, on the receive lane's clock; meaningless while
     * {@link #receivedDatagrams} is 0 (read that first). A neighbour whose control connection is up but from whom
     * nothing arrives here for longer than its probes' period is cut off on UDP: {@code weft doctor} says so.
     */
    public long lastReceivedNanos() {
        return (long) SLOTS.getOpaque(slots, RECEIVED + LAST_NANOS);
    }

    public long receivedBytes() {
        return (long) SLOTS.getOpaque(slots, RECEIVED + BYTES);
    }

    private long sumSent(int field) {
        long sum = 0;
        for (int lane = 0; lane < SleeveCipher.MAX_LANES; lane++) sum += (long) SLOTS.getOpaque(slots, lane * STRIDE + field);
        return sum;
    }
}

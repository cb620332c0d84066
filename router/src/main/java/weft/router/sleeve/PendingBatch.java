package weft.router.sleeve;

import weft.kernel.EnumCounters;
import weft.router.sleeve.SleeveCounters.Counter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Small unicast frames for one destination that the port had ready together, waiting to share a datagram
 * ({@link FrameBatch}, flag {@link SleeveHeader#FLAG_BATCH}): one system call and one seal for all of them. A frame
 * that ends up alone leaves alone, as any frame. Owned by one send lane's thread, like the {@link HopSender} it sends
 * through.
 */
final class PendingBatch {
    /** The largest frame that may share a datagram. */
    static final int BATCHED_FRAME_MAX = 512;

    private final long self;
    private final HopSender out;
    private final EnumCounters.Writer<Counter> counters;
    /**
     * The frames, as a {@link FrameBatch} at {@link SleeveHeader#LENGTH}; {@link #single} is the datagram that
     * carries the first frame alone, its header right before the frame.
     */
    private final MemorySegment pending, single;
    private SleevePeer hop;
    private long owner;
    private int frames, length, limit;

    /** @param counters the send lane's writer, as {@code out}'s */
    PendingBatch(long self, Arena arena, HopSender out, EnumCounters.Writer<Counter> counters) {
        this.self = self;
        this.out = out;
        this.counters = counters;
        this.pending = arena.allocate(SleeveHeader.LENGTH + SleeveForwarder.MAX_PATH_MTU, 64);
        this.single = pending.asSlice(FrameBatch.PREFIX);
    }

    /**
     * Whether a frame of {@code frameLength} bytes (without a virtio_net_hdr) may wait to share a datagram that
     * carries at most {@code datagramPayload}: it is small, and the datagram has room for at least two such.
     */
    static boolean takes(int frameLength, int datagramPayload) {
        return frameLength <= BATCHED_FRAME_MAX && 2 * (FrameBatch.PREFIX + frameLength) <= datagramPayload;
    }

    boolean isEmpty() {
        return frames == 0;
    }

    /**
     * Adds a small frame, at {@link SleeveHeader#LENGTH} in {@code datagram}, for {@code frameOwner} by way of
     * {@code nextHop}, whose datagrams carry at most {@code datagramPayload}; first sends what is pending when it is
     * for another destination or has no room left.
     */
    void add(SleevePeer nextHop, long frameOwner, MemorySegment datagram, int frameLength, int datagramPayload) {
        if (frames != 0 && (owner != frameOwner || hop.name() != nextHop.name()
                || length + FrameBatch.PREFIX + frameLength > limit)) {
            flush();
        }
        if (frames == 0) {
            hop = nextHop;
            owner = frameOwner;
            limit = datagramPayload;
            length = 0;
        }
        long at = SleeveHeader.LENGTH + length;
        FrameBatch.putLength(pending, at, frameLength);
        MemorySegment.copy(datagram, SleeveHeader.LENGTH, pending, at + FrameBatch.PREFIX, frameLength);
        length += FrameBatch.PREFIX + frameLength;
        frames++;
    }

    /** Sends the pending frames, if any: one alone as any frame, several as a batch. */
    void flush() {
        if (frames == 0) return;
        if (frames == 1) {
            // the frame sits behind its length prefix: the header goes right before it
            out.sendLocal(hop, false, owner, single, length - FrameBatch.PREFIX, false, limit);
        } else {
            SleeveHeader.write(pending, false, self, self, owner, length);
            SleeveHeader.markBatch(pending);
            out.send(hop, pending, length, limit);
            counters.add(Counter.FRAMES_BATCHED, frames);
        }
        frames = 0;
        hop = null;
    }
}

package weft.router.sleeve;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Rebuilds what fragments carry (a payload, and its tag when sealed), in a fixed number of preallocated slots: at most
 * {@code perSender} frames in flight per neighbour and {@code slots} in all, so no sender can hold more memory
 * than its share and nothing grows. A frame is keyed by the neighbour that sent it (the last hop), its origin and
 * the origin's frame id. When a new frame needs a slot, a stale one (older than {@code staleNanos}) or else the
 * oldest of the sender (when it is at its share) or of all is given up; every given-up frame is counted. Owned
 * by the receiving thread: not thread-safe, allocates nothing after construction.
 */
final class FrameReassembly {
    /** What {@link #offer} did with a fragment; each value but {@link #INCOMPLETE} and {@link #COMPLETE} is a drop. */
    enum Outcome { INCOMPLETE, COMPLETE, DUPLICATE, INCONSISTENT }

    /** Where the bytes go in each slot: after room for the header of the whole datagram they are rebuilt into. */
    static final int STREAM_OFFSET = SleeveHeader.LENGTH;

    private final int perSender;
    private final long staleNanos;
    private final Runnable onGivenUp;
    private final long[] sender, origin, started;
    private final int[] frameId, count, chunk, received, length;
    private final boolean[] used;
    private final long[][] seen;
    private final MemorySegment[] buffer;

    /**
     * @param onGivenUp called once for every frame given up incomplete (the caller counts it)
     */
    FrameReassembly(Arena arena, int slots, int perSender, long staleNanos, Runnable onGivenUp) {
        if (slots < 1 || perSender < 1 || perSender > slots) throw new IllegalArgumentException(slots + " slots, " + perSender + " per sender");
        this.perSender = perSender;
        this.staleNanos = staleNanos;
        this.onGivenUp = onGivenUp;
        sender = new long[slots];
        origin = new long[slots];
        started = new long[slots];
        frameId = new int[slots];
        count = new int[slots];
        chunk = new int[slots];
        received = new int[slots];
        length = new int[slots];
        used = new boolean[slots];
        seen = new long[slots][4];
        buffer = new MemorySegment[slots];
        for (int i = 0; i < slots; i++) buffer[i] = arena.allocate(STREAM_OFFSET + SleeveHeader.MAX_STREAM, 64);
    }

    /**
     * Takes the share of fragment {@code index} of {@code fragmentCount} (chunk {@code chunkBytes}), the
     * {@code shareLength} bytes of {@code data} from {@code dataOffset}; the caller has checked the fragment with
     * {@link SleeveHeader#checkFragment}. On {@link Outcome#COMPLETE} the bytes are in {@link #buffer(int)} of
     * {@link #completedSlot()} from {@link #STREAM_OFFSET}, {@link #length(int)} of them, until the next offer.
     */
    Outcome offer(long from, long frameOrigin, int id, int index, int fragmentCount, int chunkBytes,
                  MemorySegment data, long dataOffset, int shareLength, long now) {
        int slot = find(from, frameOrigin, id);
        if (slot < 0) {
            slot = claim(from, now);
            used[slot] = true;
            sender[slot] = from;
            origin[slot] = frameOrigin;
            frameId[slot] = id;
            count[slot] = fragmentCount;
            chunk[slot] = chunkBytes;
            received[slot] = 0;
            length[slot] = -1;
            started[slot] = now;
            java.util.Arrays.fill(seen[slot], 0L);
        } else if (count[slot] != fragmentCount || chunk[slot] != chunkBytes) {
            release(slot);
            onGivenUp.run();
            return Outcome.INCONSISTENT;
        }
        long bit = 1L << (index & 63);
        if ((seen[slot][index >>> 6] & bit) != 0) return Outcome.DUPLICATE;
        seen[slot][index >>> 6] |= bit;
        MemorySegment.copy(data, dataOffset, buffer[slot], STREAM_OFFSET + (long) index * chunkBytes, shareLength);
        if (index == fragmentCount - 1) length[slot] = index * chunkBytes + shareLength;
        if (++received[slot] < fragmentCount) return Outcome.INCOMPLETE;
        completed = slot;
        release(slot);
        return Outcome.COMPLETE;
    }

    private int completed = -1;

    /** The slot the last {@link Outcome#COMPLETE} left its payload in. */
    int completedSlot() {
        return completed;
    }

    MemorySegment buffer(int slot) {
        return buffer[slot];
    }

    int length(int slot) {
        return length[slot];
    }

    /** Frames in flight, for tests and status. */
    int inFlight() {
        int n = 0;
        for (boolean u : used) if (u) n++;
        return n;
    }

    private int find(long from, long frameOrigin, int id) {
        for (int i = 0; i < used.length; i++) {
            if (used[i] && frameId[i] == id && sender[i] == from && origin[i] == frameOrigin) return i;
        }
        return -1;
    }

    /** A slot for a new frame of {@code from}, giving up a stale, the sender's oldest, or the oldest frame. */
    private int claim(long from, long now) {
        int free = -1, oldest = -1, oldestOfSender = -1, ofSender = 0;
        for (int i = 0; i < used.length; i++) {
            if (used[i] && now - started[i] > staleNanos) {
                release(i);
                onGivenUp.run();
            }
            if (!used[i]) {
                // the slot a completed frame was just delivered from is reused last, so its payload outlives one offer
                if (free < 0 || free == completed) free = i;
                continue;
            }
            if (oldest < 0 || started[i] - started[oldest] < 0) oldest = i;
            if (sender[i] == from) {
                ofSender++;
                if (oldestOfSender < 0 || started[i] - started[oldestOfSender] < 0) oldestOfSender = i;
            }
        }
        int victim = ofSender >= perSender ? oldestOfSender : free >= 0 ? -1 : oldest;
        if (victim < 0) return free;
        release(victim);
        onGivenUp.run();
        return victim;
    }

    private void release(int slot) {
        used[slot] = false;
    }
}

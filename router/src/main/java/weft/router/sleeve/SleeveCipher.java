package weft.router.sleeve;

import java.lang.foreign.MemorySegment;

/**
 * Seals and opens the sleeve datagrams exchanged with one neighbour, with keys of that pair's session. The sealed
 * data is the frame; the {@link SleeveHeader} is authenticated with it. {@link #seal} is called by the sending
 * threads and the relaying thread, each passing its own lane number, so that implementations keep one sealing
 * state per lane and need no lock; {@link #open} is called only by the receiving thread.
 */
public interface SleeveCipher {
    /** Outcome of {@link #open}; each refusal is a counter. */
    enum Opened { OK, AUTHENTICATION_FAILED, REPLAYED, TOO_OLD }

    /**
     * The first sending thread's lane, and the receiving (relaying) thread's; more sending threads (one per queue of
     * a multi-queue port) take the lanes from 2 up to {@link #MAX_LANES} - 1.
     */
    int SEND_LANE = 0, RELAY_LANE = 1, MAX_LANES = 10;

    /**
     * Seals the frame of {@code frameLength} bytes at {@link SleeveHeader#LENGTH} in place, appends the tag, and
     * marks the header sealed with the sequence number it used.
     */
    void seal(MemorySegment datagram, int frameLength, int lane);

    /** Opens the sealed frame of a datagram {@link SleeveHeader#wrap} accepted, in place. */
    Opened open(MemorySegment datagram, int frameLength, long sequence);
}

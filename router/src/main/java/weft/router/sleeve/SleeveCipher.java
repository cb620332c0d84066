package weft.router.sleeve;

import java.lang.foreign.MemorySegment;

/**
 * Seals and opens the sleeve datagrams exchanged with one neighbour, with keys of that pair's session. The sealed
 * data is the payload; the {@link SleeveHeader} is authenticated with it. A payload too large for one datagram is
 * sealed whole, once, and its sealed bytes are then cut into fragments, which carry {@link #fragmentToken} in clear
 * until the receiver has them all and opens the payload. {@link #seal} is called by the sending threads and the
 * relaying thread, each passing its own lane number, so that implementations keep one sealing state per lane and
 * need no lock; {@link #open} and {@link #admitFragment} are called only by the receiving thread.
 */
public interface SleeveCipher {
    /** Outcome of {@link #open} and {@link #admitFragment}; each refusal is a counter. */
    enum Opened { OK, AUTHENTICATION_FAILED, REPLAYED, TOO_OLD }

    /**
     * The first sending thread's lane, and the receiving (relaying) thread's; more sending threads (one per queue of
     * a multi-queue port) take the lanes from 2 up to {@link #MAX_LANES} - 1.
     */
    int SEND_LANE = 0, RELAY_LANE = 1, MAX_LANES = 10;

    /**
     * Reads the header and the payload of {@code payloadLength} bytes at {@link SleeveHeader#LENGTH} from
     * {@code clear}, and writes into {@code sealed} the header marked sealed with the sequence number it used, the
     * sealed payload and the tag. {@code clear} is left as it was, unless it is {@code sealed} itself.
     */
    void seal(MemorySegment clear, MemorySegment sealed, int payloadLength, int lane);

    /**
     * Opens the sealed payload of {@code payloadLength} bytes (tag not counted) of a datagram, in place; after a
     * refusal the payload's bytes are nobody's to use.
     */
    Opened open(MemorySegment datagram, int payloadLength, long sequence);

    /** The token the fragments we send to this neighbour carry. */
    long fragmentToken();

    /**
     * Whether a fragment that says it is from this neighbour may be kept until its payload is whole: it carries the
     * neighbour's token, and its sequence number is neither accepted already nor too old. Changes nothing.
     */
    Opened admitFragment(long token, long sequence);
}

package weft.crypto;

/**
 * Which sequence numbers of one sleeve direction have been seen: the highest so far and a bitmap of the
 * {@code size} numbers just below it (a ring of 64-bit words, RFC 6479). A datagram is new when its number is
 * above the highest, or within the window and not yet marked.
 *
 * <p>Checking ({@link #check}) and marking ({@link #accept}) are separate so that the opener marks only after
 * the datagram authenticated: a forged datagram with a huge number must not slide the window and make every
 * genuine datagram look too old.
 *
 * <p>Pure and not thread-safe: one per receiving thread, owned by its {@link DatagramOpener}.
 */
public final class ReplayWindow {

    /** What a sequence number is to this window. */
    public enum Verdict {
        /** Not seen, and recent enough to judge. */
        NEW,
        /** Seen before. */
        REPLAYED,
        /** At least {@code size} below the highest seen (or negative): can no longer be told apart from a replay. */
        TOO_OLD
    }

    /** Default width: a few milliseconds of reordering between sending threads at line rate. */
    public static final int DEFAULT_SIZE = 2048;

    private final int size;
    private final long[] ring;           // word w holds numbers [64w, 64w + 63] for the words in the window
    private long highest = -1;           // -1: nothing seen yet

    /** @param size numbers remembered below the highest; a positive multiple of 64 */
    public ReplayWindow(int size) {
        if (size <= 0 || size % 64 != 0) throw new IllegalArgumentException("size must be a positive multiple of 64: " + size);
        this.size = size;
        // One word more than size/64: the highest number's word is partly in the future, and every number
        // within size below the highest must still have its bit.
        this.ring = new long[size / 64 + 1];
    }

    public ReplayWindow() {
        this(DEFAULT_SIZE);
    }

    /** Whether {@code sequence} would be new; changes nothing. */
    public Verdict check(long sequence) {
        if (sequence < 0) return Verdict.TOO_OLD;           // senders number from 0; negative is never ours
        if (sequence > highest) return Verdict.NEW;
        if (highest - sequence >= size) return Verdict.TOO_OLD;
        return (ring[slot(sequence)] & bit(sequence)) != 0 ? Verdict.REPLAYED : Verdict.NEW;
    }

    /**
     * Checks {@code sequence} and, when new, marks it (sliding the window if it is the new highest).
     * Call only for authenticated datagrams.
     */
    public Verdict accept(long sequence) {
        Verdict verdict = check(sequence);
        if (verdict != Verdict.NEW) return verdict;
        if (sequence > highest) slideTo(sequence);
        ring[slot(sequence)] |= bit(sequence);
        return Verdict.NEW;
    }

    /** The highest number accepted so far, or -1. */
    public long highest() {
        return highest;
    }

    public int size() {
        return size;
    }

    private void slideTo(long sequence) {
        long oldWord = highest >> 6;                        // -1 when empty, so the first word cleared is 0
        long newWord = sequence >> 6;
        long words = Math.min(newWord - oldWord, ring.length);
        for (long i = 1; i <= words; i++) ring[(int) Math.floorMod(oldWord + i, (long) ring.length)] = 0;
        highest = sequence;
    }

    private int slot(long sequence) {
        return (int) ((sequence >> 6) % ring.length);
    }

    private static long bit(long sequence) {
        return 1L << (sequence & 63);
    }

    @Override
    public String toString() {
        return "ReplayWindow[size=" + size + ", highest=" + highest + "]";
    }
}

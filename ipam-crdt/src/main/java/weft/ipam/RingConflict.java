package weft.ipam;

/**
 * Something a merge refused or repaired, kept as a value for the status instead of closing a
 * connection: Weave tore connections down on these; Weft reports them and keeps running.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param kind   what went wrong
 * @param detail one line for an operator, naming the rings, peers and ranges involved
 */
public record RingConflict(Kind kind, String detail) {
    /** The kinds of conflict. */
    public enum Kind {
        /** The other peer was started with a different {@code --ipalloc-range}: never merged. */
        DIFFERENT_UNIVERSE,
        /** Two independently initialised rings met; the lower {@link RingId} wins. */
        INDEPENDENT_RINGS,
        /** Two different entries for one token at one version; resolved by {@link RingEntry#ORDER}. */
        INCONSISTENT_ENTRY,
        /** A range we held addresses in now belongs to another peer (an admin takeover of a live peer). */
        RANGE_TAKEN_OVER,
        /** A persisted snapshot belonged to another peer name or range and was ignored. */
        SNAPSHOT_IGNORED
    }
}

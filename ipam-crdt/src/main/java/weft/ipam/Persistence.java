package weft.ipam;

import java.util.Optional;

/**
 * Where the allocator makes its state durable. The allocator calls {@link #save} before anything that
 * depends on the new state leaves it (a message, a completed allocation), so a crash at any moment
 * restarts from a state no peer has seen us go beyond.
 *
 * <p>Called by the allocator's {@link SnapshotSaver}: on the allocator's thread when inline, on the
 * {@link SnapshotWriter}'s thread in the router, one save at a time; may block for the write and fsync.
 */
@FunctionalInterface
public interface Persistence {
    /** Saves durably; returns the failure reason, or empty when the snapshot is on disk. */
    Optional<String> save(Snapshot snapshot);

    /**
     * Leaves what was saved in the form that needs nothing else to read it back (a {@link JournaledSnapshot}
     * folds its journal into the snapshot file); called once the last save is done, when the router stops.
     * Returns the failure reason, or empty.
     */
    default Optional<String> checkpoint() {
        return Optional.empty();
    }

    /** For peers that keep nothing across restarts (and for tests and benchmarks). */
    Persistence NONE = snapshot -> Optional.empty();
}

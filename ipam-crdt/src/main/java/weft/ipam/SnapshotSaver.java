package weft.ipam;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * How the allocator's saves are run: it hands a {@link Snapshot} over and hears the outcome back on its own
 * thread, later ({@link SnapshotWriter}: the disk I/O runs on a writer thread, the mesh loop goes on) or at
 * once ({@link #inline}: tests, simulations, benchmarks). The allocator has at most one save in flight, and
 * holds everything that depends on it until it hears the outcome (see {@link DurableOutbox}).
 */
@FunctionalInterface
public interface SnapshotSaver {
    /**
     * Starts saving {@code snapshot}; {@code done} is called once, on the allocator's thread, with the failure
     * reason or empty when the snapshot is on disk. Called on the allocator's thread, never while a save is in
     * flight.
     */
    void save(Snapshot snapshot, Consumer<Optional<String>> done);

    /** Keeps nothing across restarts: the allocator then skips saving altogether. */
    SnapshotSaver NONE = (snapshot, done) -> done.accept(Optional.empty());

    /**
     * Saves through {@code persistence} on the calling thread and calls {@code done} before returning: the
     * allocator's behaviour before saves moved off its thread. {@link Persistence#NONE} gives {@link #NONE}.
     */
    static SnapshotSaver inline(Persistence persistence) {
        if (persistence == Persistence.NONE) {
            return NONE;
        }
        return (snapshot, done) -> done.accept(persistence.save(snapshot));
    }
}

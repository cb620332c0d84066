package weft.ipam;

import java.lang.System.Logger.Level;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Writes the allocator's snapshots on a thread of its own, so that the write, fsync, rename and directory fsync
 * of a {@link SnapshotFile} never stall the mesh loop that owns the allocator. The loop hands a snapshot over
 * with {@link #save}; the outcome comes back as a task on the loop, through {@code completions}.
 *
 * <p>Bounded by its one caller: the allocator has at most one save in flight (a second one is a broken
 * invariant and throws), so the hand-over holds one job and there is at most one completion outstanding.
 *
 * <p>Thread-safe: {@link #save} on the allocator's thread, {@link #close} on any.
 */
public final class SnapshotWriter implements SnapshotSaver, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SnapshotWriter.class.getName());

    private record Job(Snapshot snapshot, Consumer<Optional<String>> done) {}

    private static final Job STOP = new Job(null, null);

    private final Persistence persistence;
    private final Executor completions;
    private final BlockingQueue<Job> jobs = new ArrayBlockingQueue<>(2); // one save in flight, and STOP
    private final AtomicBoolean inFlight = new AtomicBoolean();
    private final Thread thread;
    private volatile boolean closed;

    /**
     * Starts the writer thread.
     *
     * @param persistence where snapshots go, e.g. a {@link SnapshotFile}; called on the writer thread only
     * @param completions runs the outcome on the allocator's thread and must not refuse it for load (the mesh's
     *                    {@code completeOnLoop}): a lost completion would hold the allocator's messages forever
     */
    public SnapshotWriter(Persistence persistence, Executor completions) {
        this.persistence = persistence;
        this.completions = completions;
        this.thread = Thread.ofPlatform().name("ipam-snapshot").daemon().unstarted(this::run);
        thread.start();
    }

    @Override
    public void save(Snapshot snapshot, Consumer<Optional<String>> done) {
        if (closed) {
            complete(done, Optional.of("the snapshot writer is closed"));
            return;
        }
        if (!inFlight.compareAndSet(false, true)) {
            throw new IllegalStateException("a second ipam snapshot save while one is in flight");
        }
        jobs.add(new Job(snapshot, done)); // room for it: one job at most, and STOP
    }

    private void run() {
        while (true) {
            Job job;
            try {
                job = jobs.take();
            } catch (InterruptedException e) {
                return; // nothing of ours interrupts the writer; whoever did wants it gone
            }
            if (job == STOP) {
                checkpoint();
                return;
            }
            Optional<String> outcome;
            try {
                outcome = persistence.save(job.snapshot());
            } catch (RuntimeException e) {
                // a bug below us must not kill the writer: the allocator holds and retries as for a failed write
                LOG.log(Level.ERROR, "saving the ipam snapshot failed", e);
                outcome = Optional.of("saving the ipam snapshot failed: " + e);
            }
            inFlight.set(false); // before the outcome: the completion may start the next save at once
            complete(job.done(), outcome);
        }
    }

    private void checkpoint() {
        try {
            persistence.checkpoint().ifPresent(failure -> LOG.log(Level.WARNING, failure
                    + "; the state is safe in the journal, which a release without journal does not read"));
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "checkpointing the ipam state failed", e);
        }
    }

    private void complete(Consumer<Optional<String>> done, Optional<String> outcome) {
        try {
            completions.execute(() -> done.accept(outcome));
        } catch (RejectedExecutionException e) {
            // the mesh loop has stopped: nobody is left to wait for this save
            LOG.log(Level.DEBUG, "ipam snapshot saved after the mesh loop stopped: " + outcome.orElse("ok"));
        }
    }

    /**
     * Lets the save in flight finish (a write is never cut short), checkpoints the persistence (see
     * {@link Persistence#checkpoint}), then stops the thread and waits for it.
     */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        jobs.put(STOP);
        thread.join();
    }
}

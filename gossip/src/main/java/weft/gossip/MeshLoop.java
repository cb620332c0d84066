package weft.gossip;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A single-threaded actor: one platform thread runs submitted tasks in order and a periodic tick,
 * so the state they touch needs no locks. Other threads only {@link #execute}, {@link #call} or
 * {@link #executeLifecycle}.
 *
 * <p>Two ways in. Ordinary work goes through a bounded queue: when it is full the submission is refused
 * (an exception or a failed future, and {@link #refused()} counts it), so overload is visible and never
 * silent. Events that must not be lost (a connection accepted, established or closed; a disk write done)
 * go through {@link #executeLifecycle}, which never refuses while the loop runs; it is unbounded in type
 * but bounded by what feeds it: a few events per connection the edge holds, one completion per write in
 * flight.
 *
 * <p>Order: tasks of each way run in the order they were submitted, and a lifecycle event runs before
 * every task its submitter queued after it. Lifecycle events may overtake tasks queued before them: a
 * close is handled even while the bounded queue is full of that connection's messages.
 *
 * <p>Thread-safe to submit to; the tasks and the tick run on the loop thread only.
 */
public final class MeshLoop implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MeshLoop.class.getName());
    /** Tasks that may wait in the bounded queue, unless the constructor says otherwise. */
    public static final int QUEUE_CAPACITY = 4096;

    private final BlockingQueue<Runnable> tasks; // bounded: overload is visible
    // unbounded by type, bounded by its callers: see executeLifecycle
    private final Queue<Runnable> lifecycle = new ConcurrentLinkedQueue<>();
    private final Queue<Runnable> deferred = new ArrayDeque<>(); // loop thread only
    private final LongAdder refused = new LongAdder();
    private final Thread thread;
    private final long tickNanos;
    private final Runnable onTick;
    private volatile boolean stopRequested;
    private volatile boolean stopped; // written by the loop thread as it exits, read by submitters

    /** Starts the loop thread, which calls {@code onTick} every {@code tick}. */
    public MeshLoop(String name, Duration tick, Runnable onTick) {
        this(name, tick, onTick, QUEUE_CAPACITY);
    }

    /** As above, with room for {@code capacity} ordinary tasks (tests use a tiny one). */
    MeshLoop(String name, Duration tick, Runnable onTick, int capacity) {
        this.tasks = new ArrayBlockingQueue<>(capacity);
        this.tickNanos = tick.toNanos();
        this.onTick = onTick;
        this.thread = Thread.ofPlatform().name(name).unstarted(this::run);
        thread.start();
    }

    /**
     * Queues a task for the loop thread.
     *
     * @throws RejectedExecutionException if the queue is full (counted in {@link #refused()}) or the loop
     *                                    has stopped
     */
    public void execute(Runnable task) {
        if (stopped) {
            throw new RejectedExecutionException(thread.getName() + " has stopped");
        }
        if (!tasks.offer(task)) {
            refused.increment();
            throw new RejectedExecutionException(thread.getName() + " queue full");
        }
        LockSupport.unpark(thread);
    }

    /**
     * Queues an event that must reach the loop whatever its load: never refused while the loop runs.
     * Callers keep this path bounded: at most a few events per connection (accepted, established, closed)
     * or one per piece of work the loop itself handed to another thread and awaits.
     *
     * @throws RejectedExecutionException only if the loop has stopped
     */
    public void executeLifecycle(Runnable event) {
        if (stopped) {
            throw new RejectedExecutionException(thread.getName() + " has stopped");
        }
        lifecycle.add(event);
        LockSupport.unpark(thread);
    }

    /**
     * Runs {@code query} on the loop thread and completes the future with its result or failure; the
     * future fails at once with {@link RejectedExecutionException} if the task cannot be queued.
     */
    public <T> CompletableFuture<T> call(Supplier<T> query) {
        var result = new CompletableFuture<T>();
        try {
            execute(() -> {
                try {
                    result.complete(query.get());
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    /**
     * Loop thread only: runs {@code task} once the current task (or tick) is done, before anything else.
     * A burst of wake-ups within one task thus costs one run of the work they ask for, and the work cannot
     * be refused by a full queue.
     */
    public void defer(Runnable task) {
        if (!inLoop()) {
            throw new IllegalStateException("defer is for the loop thread");
        }
        deferred.add(task);
    }

    /** Ordinary tasks refused because the queue was full, since start. Thread-safe. */
    public long refused() {
        return refused.sum();
    }

    /** True on the loop thread. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    private void run() {
        try {
            loop();
        } finally {
            stopped = true;
        }
    }

    private void loop() {
        long deadline = System.nanoTime() + tickNanos;
        while (true) {
            Runnable task = tasks.poll();
            // after the poll: an event queued before this task is visible now, and runs first
            runLifecycle();
            if (task != null) {
                runGuarded(task);
            } else if (stopRequested) {
                stopped = true;
                runLifecycle(); // what raced with the flag: submitters check it before they queue
                for (Runnable late; (late = tasks.poll()) != null; ) {
                    runGuarded(late);
                }
                return;
            } else if (lifecycle.isEmpty()) {
                long wait = deadline - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(this, wait); // submitters unpark us; a stale permit only costs a turn
                }
                if (Thread.interrupted()) {
                    LOG.log(Level.WARNING, thread.getName() + " interrupted; stopping");
                    return;
                }
            }
            if (deadline - System.nanoTime() <= 0) {
                runGuarded(onTick);
                deadline = System.nanoTime() + tickNanos; // after a stall, tick once rather than catch up
            }
        }
    }

    private void runLifecycle() {
        for (Runnable event; (event = lifecycle.poll()) != null; ) {
            runGuarded(event);
        }
    }

    private void runGuarded(Runnable task) {
        run(task);
        for (Runnable next; (next = deferred.poll()) != null; ) {
            run(next);
        }
    }

    private void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            // a failing task (or listener) must not stop the loop that owns all mesh state
            LOG.log(Level.ERROR, thread.getName() + " task failed", e);
        }
    }

    /**
     * Runs what was queued before this call (tasks and lifecycle events), then stops the thread and waits
     * for it. Not from the loop thread.
     */
    @Override
    public void close() throws InterruptedException {
        if (inLoop()) {
            throw new IllegalStateException("the loop cannot close itself");
        }
        stopRequested = true;
        LockSupport.unpark(thread);
        thread.join();
    }
}

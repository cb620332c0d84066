package weft.gossip;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A single-threaded actor: one platform thread runs submitted tasks in order and a periodic tick,
 * so the state they touch needs no locks. Other threads only {@link #execute} or {@link #call}.
 *
 * <p>Thread-safe to submit to; the tasks and the tick run on the loop thread only.
 */
public final class MeshLoop implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MeshLoop.class.getName());
    private static final int QUEUE_CAPACITY = 4096;

    private final BlockingQueue<Runnable> tasks = new ArrayBlockingQueue<>(QUEUE_CAPACITY); // bounded: overload is visible
    private final Thread thread;
    private final long tickNanos;
    private final Runnable onTick;
    private boolean running = true; // loop thread only
    private volatile boolean stopped; // written by the loop thread as it exits, read by submitters

    /** Starts the loop thread, which calls {@code onTick} every {@code tick}. */
    public MeshLoop(String name, Duration tick, Runnable onTick) {
        this.tickNanos = tick.toNanos();
        this.onTick = onTick;
        this.thread = Thread.ofPlatform().name(name).unstarted(this::run);
        thread.start();
    }

    /**
     * Queues a task for the loop thread.
     *
     * @throws RejectedExecutionException if the queue is full or the loop has stopped
     */
    public void execute(Runnable task) {
        if (stopped) {
            throw new RejectedExecutionException(thread.getName() + " has stopped");
        }
        if (!tasks.offer(task)) {
            throw new RejectedExecutionException(thread.getName() + " queue full");
        }
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
        while (running) {
            Runnable task;
            try {
                task = tasks.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                LOG.log(Level.WARNING, thread.getName() + " interrupted; stopping");
                return;
            }
            if (task != null) {
                runGuarded(task);
            }
            if (deadline - System.nanoTime() <= 0) {
                runGuarded(onTick);
                deadline = System.nanoTime() + tickNanos; // after a stall, tick once rather than catch up
            }
        }
    }

    private void runGuarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            // a failing task (or listener) must not stop the loop that owns all mesh state
            LOG.log(Level.ERROR, thread.getName() + " task failed", e);
        }
    }

    /** Runs the tasks queued so far, then stops the thread and waits for it. Not from the loop thread. */
    @Override
    public void close() throws InterruptedException {
        if (inLoop()) {
            throw new IllegalStateException("the loop cannot close itself");
        }
        execute(() -> running = false);
        thread.join();
    }
}

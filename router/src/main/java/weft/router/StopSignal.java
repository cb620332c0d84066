package weft.router;

import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Why a running router should stop: asked to (the API's {@code /stop}, a signal), or a failure it cannot recover
 * from — a long-lived thread that ended unexpectedly, a part of the data path that is gone for good. A failed
 * router exits non-zero, so that whatever supervises it (systemd, a DaemonSet, the operator reading the log)
 * starts it over rather than leave it half alive. {@link #supervising} makes this the handler of any thread's
 * uncaught throwable.
 *
 * <p>Thread-safe: anyone may stop or fail it, the first failure is kept, and the main thread waits on it.
 */
public final class StopSignal {
    private static final System.Logger LOG = System.getLogger(StopSignal.class.getName());
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<String> failure = new AtomicReference<>();

    /** A normal stop. */
    public void stop() {
        stopped.countDown();
    }

    /** A failure the router cannot recover from: logged, kept (the first one), and the router stops. */
    public void fail(String why) {
        if (failure.compareAndSet(null, why)) {
            LOG.log(System.Logger.Level.ERROR, why + "; the router stops and exits non-zero, so that its supervisor starts it over");
        }
        stopped.countDown();
    }

    /** Blocks until the router should stop. */
    public void await() throws InterruptedException {
        stopped.await();
    }

    /** Why the router failed, or empty after a normal stop (or while it runs). */
    public Optional<String> failure() {
        return Optional.ofNullable(failure.get());
    }

    /**
     * The handler for threads that end by an uncaught throwable: every long-lived thread of a router is one the
     * router cannot do without, so such an end fails it.
     */
    public Thread.UncaughtExceptionHandler supervising() {
        return (thread, thrown) -> {
            LOG.log(System.Logger.Level.ERROR, "thread " + thread.getName() + " ended unexpectedly", thrown);
            fail("thread " + thread.getName() + " ended unexpectedly: " + thrown);
        };
    }
}

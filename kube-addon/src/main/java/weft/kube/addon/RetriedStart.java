package weft.kube.addon;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Starts the addon once the API server answers: at once, then after 1 s, 2 s, 4 s … at most 30 s apart, for as long
 * as it takes, since the router forwards meanwhile and nothing is lost by waiting. A streak of failures is logged
 * when it starts, every tenth attempt, and when it ends, not once per attempt. Closing it stops the attempts and
 * closes the addon if one started.
 *
 * <p>Thread rule: {@link #run} runs on one thread (the caller's, or the one {@link #inBackground} starts); {@link
 * #close} may come from any other.
 */
public final class RetriedStart implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RetriedStart.class.getName());
    static final Duration FIRST_WAIT = Duration.ofSeconds(1), LONGEST_WAIT = Duration.ofSeconds(30);

    /** How the runner waits between attempts; {@code Thread::sleep} in production. */
    @FunctionalInterface
    public interface Wait {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final Callable<? extends AutoCloseable> attempt;
    private final Wait wait;
    private volatile boolean closed;
    private volatile AutoCloseable started;
    private volatile Thread thread;

    /** @param attempt starts the addon, or throws why it could not (the API is down, refuses, times out) */
    public RetriedStart(Callable<? extends AutoCloseable> attempt, Wait wait) {
        this.attempt = attempt;
        this.wait = wait;
    }

    /** Runs the attempts on a daemon thread named {@code kube-addon}. */
    public static RetriedStart inBackground(Callable<? extends AutoCloseable> attempt) {
        RetriedStart start = new RetriedStart(attempt, Thread::sleep);
        start.thread = Thread.ofPlatform().name("kube-addon").daemon().start(start::run);
        return start;
    }

    /** Attempts until one succeeds or this is closed; returns how many attempts it took (0 when closed first). */
    int run() {
        Duration next = FIRST_WAIT;
        for (int attempts = 1; !closed; attempts++) {
            try {
                AutoCloseable addon = attempt.call();
                started = addon;
                if (closed) closeQuietly(addon); // closed while the attempt ran: it must not outlive the router
                if (attempts > 1) LOG.log(System.Logger.Level.INFO, "kube: the API server answers again; the addon started after " + attempts + " attempts");
                return attempts;
            } catch (InterruptedException e) {
                return 0;
            } catch (Exception e) {
                if (attempts == 1 || attempts % 10 == 0) {
                    LOG.log(System.Logger.Level.WARNING, "kube: cannot follow the cluster yet (attempt " + attempts + "): " + e.getMessage()
                            + "; the router forwards meanwhile and tries again, at most " + LONGEST_WAIT.toSeconds() + " s apart");
                }
            }
            try {
                wait.sleep(next);
            } catch (InterruptedException e) {
                return 0;
            }
            next = next.multipliedBy(2).compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : next.multipliedBy(2);
        }
        return 0;
    }

    /** Whether an attempt has succeeded. */
    public boolean started() {
        return started != null;
    }

    @Override
    public void close() {
        closed = true;
        Thread running = thread;
        if (running != null) running.interrupt();
        AutoCloseable addon = started;
        if (addon != null) closeQuietly(addon);
    }

    private static void closeQuietly(AutoCloseable addon) {
        try {
            addon.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "kube: closing the addon: " + e.getMessage());
        }
    }
}

package weft.lab;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Polls, with a deadline, what a lab test can only observe from outside: a line in a log, a router's status, the
 * size of a capture, whether a ping is answered. Every wait of the lab tests for something to happen goes through
 * here; a wait that is meant to let time pass (a window in which something must not happen) says so where it is.
 * Stateless and thread-safe.
 */
final class Poll {
    private static final long INTERVAL_NANOS = 50_000_000L;

    /** A condition; {@code E} is what reading it may throw (inferred, so a check that throws nothing needs no catch). */
    interface Check<E extends Exception> {
        boolean holds() throws E;
    }

    /** A reading of something; {@code E} as for {@link Check}. */
    interface Probe<T, E extends Exception> {
        T read() throws E;
    }

    private Poll() {
    }

    /** True once {@code check} holds; false when {@code within} passed first. Checks at least once. */
    static <E extends Exception> boolean until(Check<E> check, Duration within) throws E {
        long deadline = System.nanoTime() + within.toNanos();
        while (!check.holds()) {
            if (deadline - System.nanoTime() <= 0) return false;
            LockSupport.parkNanos(INTERVAL_NANOS);
        }
        return true;
    }

    /**
     * Reads {@code probe} until {@code wanted} accepts what it read or {@code within} passed, and returns the last
     * reading either way: the caller asserts on it, and shows it when it is not what was wanted. Reads at least once.
     */
    static <T, E extends Exception> T until(Probe<T, E> probe, Predicate<? super T> wanted, Duration within) throws E {
        long deadline = System.nanoTime() + within.toNanos();
        T last = probe.read();
        while (!wanted.test(last) && deadline - System.nanoTime() > 0) {
            LockSupport.parkNanos(INTERVAL_NANOS);
            last = probe.read();
        }
        return last;
    }
}

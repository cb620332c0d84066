package weft.lab;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/** Polls, with a deadline, what a lab test can only observe from outside: a line in a log, the size of a capture. */
final class Poll {
    private static final long INTERVAL_NANOS = 50_000_000L;

    interface Check {
        boolean holds() throws IOException;
    }

    private Poll() {
    }

    /** True once {@code check} holds; false when {@code within} passed first. */
    static boolean until(Check check, Duration within) throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!check.holds()) {
            if (deadline - System.nanoTime() <= 0) return false;
            LockSupport.parkNanos(INTERVAL_NANOS);
        }
        return true;
    }
}

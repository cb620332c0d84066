package weft.crypto;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * A clock that moves only when a test moves it. Shared with the modules above crypto (gossip, ipam)
 * through crypto's test-jar.
 *
 * <p>Not thread-safe: for single-threaded tests of pure cores.
 */
public final class ManualClock implements InstantSource {
    private Instant now;

    public ManualClock(Instant start) {
        now = start;
    }

    @Override
    public Instant instant() {
        return now;
    }

    public void advance(Duration by) {
        if (by.isNegative()) {
            throw new IllegalArgumentException("time does not run backwards: " + by);
        }
        now = now.plus(by);
    }
}

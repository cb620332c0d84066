package weft.crypto;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/** Time that moves only when the test moves it. Not thread-safe. */
final class ManualClock implements InstantSource {
    private Instant now;

    ManualClock(Instant start) {
        now = start;
    }

    @Override
    public Instant instant() {
        return now;
    }

    void advance(Duration by) {
        now = now.plus(by);
    }
}

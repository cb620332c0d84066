package weft.kube.addon;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The addon's start against an API server that is down for a while, on an injected wait: no thread, no clock. */
class RetriedStartTest {
    private final List<Duration> waits = new ArrayList<>();
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicBoolean addonClosed = new AtomicBoolean();

    /** An attempt that fails until the {@code up}th call, as an API server down at start. */
    private java.util.concurrent.Callable<AutoCloseable> apiUpFromCall(int up) {
        return () -> {
            if (calls.incrementAndGet() < up) throw new java.io.IOException("connect refused");
            return () -> addonClosed.set(true);
        };
    }

    @Test
    void anApiThatIsDownAtStartIsAskedAgainWithGrowingWaitsUntilItAnswers() {
        RetriedStart start = new RetriedStart(apiUpFromCall(4), waits::add);
        assertEquals(4, start.run());
        assertTrue(start.started());
        assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4)), waits);
    }

    @Test
    void theWaitsStopGrowingAtThirtySecondsHoweverLongTheApiStaysDown() {
        RetriedStart start = new RetriedStart(apiUpFromCall(12), waits::add);
        assertEquals(12, start.run());
        assertEquals(List.of(1L, 2L, 4L, 8L, 16L, 30L, 30L, 30L, 30L, 30L, 30L), waits.stream().map(Duration::toSeconds).toList());
    }

    @Test
    void closingStopsTheAttemptsAndClosesAnAddonThatStartedMeanwhile() {
        RetriedStart[] holder = new RetriedStart[1];
        holder[0] = new RetriedStart(apiUpFromCall(100), wait -> {
            if (waits.size() == 2) holder[0].close(); // the router stops while the API is still down
            waits.add(wait);
        });
        assertEquals(0, holder[0].run());
        assertFalse(holder[0].started());
        assertEquals(3, calls.get());

        RetriedStart[] late = new RetriedStart[1];
        late[0] = new RetriedStart(() -> {
            late[0].close(); // the router stops while the successful attempt runs
            return () -> addonClosed.set(true);
        }, waits::add);
        late[0].run();
        assertTrue(addonClosed.get(), "an addon that started after the router stopped was left running");
    }
}

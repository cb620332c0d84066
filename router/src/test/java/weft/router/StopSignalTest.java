package weft.router;

import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StopSignalTest {
    @Test
    void aSupervisedThreadThatDiesFailsTheRouterAndTheFirstFailureIsKept() throws Exception {
        StopSignal stop = new StopSignal();
        Thread dying = Thread.ofPlatform().name("weft-sleeve-receive").uncaughtExceptionHandler(stop.supervising())
                .start(() -> {
                    throw new StackOverflowError("deep");
                });
        assertTrue(dying.join(java.time.Duration.ofSeconds(10)), "the thread did not end");
        stop.await(); // returns at once: the failure stopped it
        assertEquals(Optional.of("thread weft-sleeve-receive ended unexpectedly: java.lang.StackOverflowError: deep"), stop.failure());
        stop.fail("later");
        assertTrue(stop.failure().orElseThrow().startsWith("thread weft-sleeve-receive"), "the first failure is the news");
    }

    @Test
    void aNormalStopIsNoFailure() throws Exception {
        StopSignal stop = new StopSignal();
        stop.stop();
        stop.await();
        assertEquals(Optional.empty(), stop.failure());
    }
}

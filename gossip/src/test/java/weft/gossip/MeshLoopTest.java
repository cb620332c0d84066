package weft.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A loop with room for two tasks, stalled by a task that waits for the test: overload without timing. */
class MeshLoopTest {
    private static final long WAIT_SECONDS = 10;

    final MeshLoop loop = new MeshLoop("test-loop", Duration.ofHours(1), () -> {}, 2);
    final CountDownLatch stalled = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final List<String> ran = new ArrayList<>(); // loop thread only; read after close, which joins it

    @AfterEach
    void close() throws InterruptedException {
        release.countDown();
        loop.close();
    }

    private void stall() throws InterruptedException {
        loop.execute(() -> {
            stalled.countDown();
            try {
                release.await(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(stalled.await(WAIT_SECONDS, TimeUnit.SECONDS), "the loop took the stalling task");
    }

    private void fill() {
        loop.execute(() -> ran.add("task 1"));
        loop.execute(() -> ran.add("task 2"));
    }

    @Test
    void shouldRefuseAndCountTasksWhileTheQueueIsFullAndFailTheFutureOfACall() throws Exception {
        stall();
        fill();
        assertThrows(RejectedExecutionException.class, () -> loop.execute(() -> ran.add("refused")));
        CompletableFuture<String> answer = loop.call(() -> "refused");
        var failure = assertThrows(ExecutionException.class, () -> answer.get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertInstanceOf(RejectedExecutionException.class, failure.getCause());
        assertEquals(2, loop.refused());

        release.countDown();
        loop.close();
        assertEquals(List.of("task 1", "task 2"), ran);
    }

    @Test
    void shouldDeliverEveryLifecycleEventWhileTheQueueIsFull() throws Exception {
        stall();
        fill();
        for (int i = 0; i < 1000; i++) {
            int event = i;
            loop.executeLifecycle(() -> ran.add("event " + event));
        }
        release.countDown();
        loop.close();
        List<String> expected = new ArrayList<>(IntStream.range(0, 1000).mapToObj(i -> "event " + i).toList());
        expected.addAll(List.of("task 1", "task 2")); // events may overtake the tasks queued before them
        assertEquals(expected, ran);
        assertEquals(0, loop.refused());
    }

    @Test
    void shouldRunALifecycleEventBeforeTheTasksQueuedAfterIt() throws Exception {
        stall();
        loop.executeLifecycle(() -> ran.add("accepted"));
        loop.execute(() -> ran.add("message"));
        loop.executeLifecycle(() -> ran.add("closed"));
        release.countDown();
        loop.close();
        assertEquals(List.of("accepted", "closed", "message"), ran);
    }

    @Test
    void shouldRunDeferredWorkRightAfterItsTaskEvenWhenTheQueueIsFull() throws Exception {
        stall();
        loop.execute(() -> {
            loop.defer(() -> ran.add("deferred"));
            loop.defer(() -> ran.add("deferred again"));
            ran.add("task");
        });
        loop.execute(() -> ran.add("next task"));
        assertThrows(RejectedExecutionException.class, () -> loop.execute(() -> ran.add("refused")));
        release.countDown();
        loop.close();
        assertEquals(List.of("task", "deferred", "deferred again", "next task"), ran);
        assertThrows(IllegalStateException.class, () -> loop.defer(() -> {}), "defer is for the loop thread");
    }

    @Test
    void shouldRunWhatWasQueuedBeforeCloseAndThenRefuse() throws Exception {
        stall();
        fill();
        loop.executeLifecycle(() -> ran.add("event"));
        release.countDown();
        loop.close();
        assertEquals(List.of("event", "task 1", "task 2"), ran);
        assertThrows(RejectedExecutionException.class, () -> loop.execute(() -> {}));
        assertThrows(RejectedExecutionException.class, () -> loop.executeLifecycle(() -> {}));
    }
}

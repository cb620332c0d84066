package weft.kernel;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnumCountersTest {
    private enum Fact { SENT, RECEIVED, DROPPED }

    @Test
    void aCounterIsTheSumOfEveryWritersSlot() {
        EnumCounters<Fact> counters = new EnumCounters<>(Fact.class);
        EnumCounters.Writer<Fact> first = counters.writer(), second = counters.writer();
        first.increment(Fact.SENT);
        first.add(Fact.SENT, 41);
        second.add(Fact.SENT, 100);
        second.increment(Fact.DROPPED);
        assertEquals(142, counters.get(Fact.SENT));
        assertEquals(0, counters.get(Fact.RECEIVED));
        assertEquals(1, counters.get(Fact.DROPPED));
        assertEquals(Map.of(Fact.SENT, 142L, Fact.RECEIVED, 0L, Fact.DROPPED, 1L), counters.snapshot());
    }

    @Test
    void aWriterTakenLaterCountsTooAndASnapshotStaysAsItWasTaken() {
        EnumCounters<Fact> counters = new EnumCounters<>(Fact.class);
        assertEquals(0, counters.get(Fact.RECEIVED), "no writers yet");
        counters.writer().add(Fact.RECEIVED, 5);
        Map<Fact, Long> before = counters.snapshot();
        counters.writer().add(Fact.RECEIVED, 7);
        assertEquals(12, counters.get(Fact.RECEIVED));
        assertEquals(5L, before.get(Fact.RECEIVED));
    }

    @Test
    void threadsCountingAtOnceLoseNothing() throws Exception {
        EnumCounters<Fact> counters = new EnumCounters<>(Fact.class);
        int threads = 4, each = 200_000;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> counting = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            EnumCounters.Writer<Fact> writer = counters.writer();
            counting.add(Thread.ofPlatform().start(() -> {
                try {
                    assertTrue(go.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                for (int i = 0; i < each; i++) {
                    writer.increment(Fact.SENT);
                    writer.add(Fact.RECEIVED, 2);
                }
            }));
        }
        go.countDown();
        long seen = 0;
        while (counting.stream().anyMatch(Thread::isAlive)) {
            long now = counters.get(Fact.SENT);
            assertTrue(now >= seen && now <= (long) threads * each, "a sum read while counting: " + now + " after " + seen);
            seen = now;
        }
        for (Thread thread : counting) thread.join();
        assertEquals((long) threads * each, counters.get(Fact.SENT));
        assertEquals(2L * threads * each, counters.get(Fact.RECEIVED));
    }
}

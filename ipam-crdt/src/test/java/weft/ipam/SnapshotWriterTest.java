package weft.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import weft.gossip.PeerName;

/** The writer thread against a persistence the test holds up; completions go to a queue the test runs. */
class SnapshotWriterTest {
    private static final long WAIT_SECONDS = 10;
    private static final AddressRange UNIVERSE = AddressRange.parse("10.32.0.0/24");
    private static final Snapshot SNAPSHOT = new Snapshot(new PeerName(0xa), Ring.empty(UNIVERSE), AcceptorState.INITIAL,
            new TreeMap<>());

    final CountDownLatch writing = new CountDownLatch(1);
    final CountDownLatch diskDone = new CountDownLatch(1);
    final AtomicReference<String> writtenOn = new AtomicReference<>();
    final BlockingQueue<Runnable> loop = new ArrayBlockingQueue<>(4); // stands for the mesh loop
    volatile RuntimeException failWith;

    final SnapshotWriter writer = new SnapshotWriter(snapshot -> {
        writtenOn.set(Thread.currentThread().getName());
        writing.countDown();
        try {
            diskDone.await(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failWith != null) {
            throw failWith;
        }
        return Optional.empty();
    }, loop::add);

    @AfterEach
    void close() throws InterruptedException {
        diskDone.countDown();
        writer.close();
    }

    @Test
    void shouldCheckpointOnItsThreadAfterTheSaveInFlightWhenClosed() throws Exception {
        List<String> calls = Collections.synchronizedList(new ArrayList<>());
        SnapshotWriter closing = new SnapshotWriter(new Persistence() {
            @Override
            public Optional<String> save(Snapshot snapshot) {
                calls.add("save on " + Thread.currentThread().getName());
                return Optional.empty();
            }

            @Override
            public Optional<String> checkpoint() {
                calls.add("checkpoint on " + Thread.currentThread().getName());
                return Optional.empty();
            }
        }, loop::add);
        closing.save(SNAPSHOT, outcome -> {});
        closing.close();
        assertEquals(List.of("save on ipam-snapshot", "checkpoint on ipam-snapshot"), calls);
    }

    private Runnable nextCompletion() throws InterruptedException {
        Runnable completion = loop.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertTrue(completion != null, "no completion within " + WAIT_SECONDS + " s");
        return completion;
    }

    @Test
    void shouldWriteOnItsOwnThreadAndHandTheOutcomeBackToTheLoop() throws Exception {
        AtomicReference<Optional<String>> outcome = new AtomicReference<>();
        writer.save(SNAPSHOT, outcome::set); // returns at once: the caller's thread does no disk I/O
        assertTrue(writing.await(WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals("ipam-snapshot", writtenOn.get());
        assertNotEquals(Thread.currentThread().getName(), writtenOn.get());
        assertNull(outcome.get(), "no outcome while the disk works");
        assertThrows(IllegalStateException.class, () -> writer.save(SNAPSHOT, o -> {}), "one save in flight at most");

        diskDone.countDown();
        Runnable completion = nextCompletion();
        assertNull(outcome.get(), "the outcome runs as a task on the loop, not on the writer");
        completion.run();
        assertEquals(Optional.empty(), outcome.get());

        writer.save(SNAPSHOT, outcome::set); // the next save once the outcome is in
        nextCompletion().run();
        assertEquals(Optional.empty(), outcome.get());
    }

    @Test
    void shouldReportAPersistenceThatThrowsAsAFailedSave() throws Exception {
        failWith = new IllegalStateException("bug below");
        diskDone.countDown();
        AtomicReference<Optional<String>> outcome = new AtomicReference<>();
        writer.save(SNAPSHOT, outcome::set);
        nextCompletion().run();
        assertEquals(Optional.of("saving the ipam snapshot failed: java.lang.IllegalStateException: bug below"),
                outcome.get());
    }

    @Test
    void shouldFinishTheSaveInFlightWhenClosedAndFailLaterOnes() throws Exception {
        AtomicReference<Optional<String>> outcome = new AtomicReference<>();
        writer.save(SNAPSHOT, outcome::set);
        assertTrue(writing.await(WAIT_SECONDS, TimeUnit.SECONDS));
        Thread closer = Thread.ofVirtual().start(() -> {
            try {
                writer.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        diskDone.countDown();
        closer.join(Duration.ofSeconds(WAIT_SECONDS));
        nextCompletion().run();
        assertEquals(Optional.empty(), outcome.get(), "the write was not cut short");

        writer.save(SNAPSHOT, outcome::set);
        nextCompletion().run();
        assertEquals(Optional.of("the snapshot writer is closed"), outcome.get());
        assertEquals(List.of(), List.copyOf(loop));
    }
}

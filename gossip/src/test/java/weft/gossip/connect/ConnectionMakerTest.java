package weft.gossip.connect;

import weft.crypto.ManualClock;
import weft.gossip.PeerName;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ConnectionMakerTest {
    static final Instant START = Instant.parse("2025-01-01T00:00:00Z");
    static final PeerName B = PeerName.parse("02:00:00:00:00:0b");
    static final long SEED = 1234;

    final ManualClock clock = new ManualClock(START);
    final List<String> dialled = new ArrayList<>();
    ConnectionMaker maker = new ConnectionMaker(clock, new SplittableRandom(SEED), ConnectionMaker.Settings.DEFAULT,
            (target, address) -> dialled.add(target));

    static InetSocketAddress address(int i) {
        return new InetSocketAddress("10.0.0." + i, 6783);
    }

    ConnectionMaker.TargetStatus status(String target) {
        return maker.status().stream().filter(t -> t.target().equals(target)).findFirst().orElseThrow();
    }

    @Test
    void shouldDialANewTargetOnTheFirstTick() {
        maker.add("a", address(1));
        maker.tick();
        assertEquals(List.of("a"), dialled);
        assertEquals(ConnectionMaker.State.CONNECTING, status("a").state());
        maker.tick();
        assertEquals(List.of("a"), dialled, "never dials a target with an attempt in flight");
    }

    @Test
    void shouldBackOffWithJitterGrowingByHalfUpToTheCap() {
        maker.add("a", address(1));
        double interval = 2.0;
        for (int failure = 0; failure < 20; failure++) {
            maker.tick();
            assertEquals(failure + 1, dialled.size());
            maker.onAttemptFailed("a", "connection refused");
            Duration delay = Duration.between(clock.instant(), status("a").nextAttempt().orElseThrow());
            double seconds = delay.toNanos() / 1e9;
            assertTrue(seconds >= interval / 2 && seconds <= Math.min(1.5 * interval, 360.0),
                    "failure " + failure + ": delay " + seconds + "s for interval " + interval + "s (seed " + SEED + ")");
            clock.advance(delay.minusNanos(1));
            maker.tick();
            assertEquals(failure + 1, dialled.size(), "not before the deadline");
            clock.advance(Duration.ofNanos(1));
            interval = Math.min(interval * 1.5, 360.0);
        }
        assertEquals(360.0, interval);
        assertEquals("connection refused", status("a").lastError().orElseThrow());
        assertEquals(20, status("a").attempts());
    }

    @Test
    void shouldRedialAtOnceWithTheInitialIntervalWhenAnEstablishedConnectionIsLost() {
        maker.add("a", address(1));
        for (int i = 0; i < 5; i++) { // grow the interval first
            maker.tick();
            maker.onAttemptFailed("a", "refused");
            clock.advance(Duration.ofMinutes(10));
        }
        maker.tick();
        maker.onConnected("a", B);
        assertEquals(ConnectionMaker.State.CONNECTED, status("a").state());
        clock.advance(Duration.ofMinutes(1));
        maker.tick();
        assertEquals(6, dialled.size(), "a connected target is not dialled");

        maker.onPeerLost(B, "peer silent");
        maker.tick();
        assertEquals(7, dialled.size(), "redialled at once");
        maker.onAttemptFailed("a", "refused");
        double seconds = Duration.between(clock.instant(), status("a").nextAttempt().orElseThrow()).toNanos() / 1e9;
        assertTrue(seconds >= 1.0 && seconds <= 3.0, "back to the initial interval: " + seconds);
    }

    @Test
    void shouldTreatAConnectionLostAtOnceAsAFailure() {
        maker.add("a", address(1));
        maker.tick();
        maker.onConnected("a", B);
        clock.advance(Duration.ofMillis(500));
        maker.onPeerLost(B, "closed by peer");
        maker.tick();
        assertEquals(1, dialled.size());
        assertEquals(ConnectionMaker.State.WAITING, status("a").state());
    }

    @Test
    void shouldRespectTheLimitCountingAttemptsInFlight() {
        maker = new ConnectionMaker(clock, new SplittableRandom(SEED), new ConnectionMaker.Settings(
                Duration.ofSeconds(2), Duration.ofMinutes(6), 3), (target, address) -> dialled.add(target));
        for (int i = 1; i <= 5; i++) {
            maker.add("t" + i, address(i));
        }
        maker.connectionsInUse(1); // e.g. one inbound connection
        maker.tick();
        assertEquals(List.of("t1", "t2"), dialled, "1 in use + 2 in flight = limit");
        maker.onConnected("t1", B);
        maker.connectionsInUse(2); // the transport now counts t1's connection
        maker.tick();
        assertEquals(List.of("t1", "t2"), dialled);
        maker.onAttemptFailed("t2", "refused");
        maker.tick();
        assertEquals(List.of("t1", "t2", "t3"), dialled, "the freed slot goes to the next due target");
    }

    @Test
    void shouldNeverRetryATargetThatGaveUp() {
        maker.add("self", address(1));
        maker.tick();
        maker.onGaveUp("self", "connected to self");
        clock.advance(Duration.ofHours(1));
        maker.tick();
        assertEquals(1, dialled.size());
        assertEquals(ConnectionMaker.State.FAILED, status("self").state());
    }

    @Test
    void shouldIgnoreOutcomesOfForgottenTargets() {
        maker.add("a", address(1));
        maker.tick();
        maker.forget("a");
        maker.onAttemptFailed("a", "refused");
        assertEquals(List.of(), maker.status());
    }
}

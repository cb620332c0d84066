package weft.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import weft.crypto.ManualClock;

/** Every timer of the bans on both sides of its boundary, on a manual clock. */
class HandshakeBansTest {
    static final Duration MS = Duration.ofMillis(1);
    static final InboundLimits.Bans SETTINGS = new InboundLimits.Bans(5, Duration.ofMinutes(1), Duration.ofMinutes(1),
            Duration.ofMinutes(8), Duration.ofHours(1), 4);
    static final SourceAddress A = source("10.0.0.1");
    static final SourceAddress B = source("10.0.0.2");

    final ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
    final HandshakeBans bans = new HandshakeBans(SETTINGS, clock);

    static SourceAddress source(String ip) {
        try {
            return SourceAddress.of(InetAddress.getByName(ip));
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** {@code n} failures from {@code source}, one every {@code apart}; returns what the last one said. */
    Optional<Duration> fail(SourceAddress source, int n, Duration apart) {
        Optional<Duration> last = Optional.empty();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                clock.advance(apart);
            }
            last = bans.onFailure(source);
        }
        return last;
    }

    /** A ban of {@code source} begun now: {@code failures} failures at this instant. */
    Optional<Duration> earnBan(SourceAddress source) {
        return fail(source, SETTINGS.failures(), Duration.ZERO);
    }

    @Test
    void shouldBanAtTheFifthFailureWithinTheWindowAndNotBefore() {
        assertEquals(Optional.empty(), fail(A, 4, Duration.ofSeconds(10)));
        assertFalse(bans.isBanned(A));
        clock.advance(Duration.ofSeconds(30).minus(MS)); // the fifth just inside the minute that began with the first
        assertEquals(Optional.of(Duration.ofMinutes(1)), bans.onFailure(A));
        assertTrue(bans.isBanned(A));
        assertFalse(bans.isBanned(B), "other sources are not touched");
    }

    @Test
    void shouldNotBanWhenTheFifthFailureComesAsTheWindowEnds() {
        fail(A, 4, Duration.ofSeconds(10));
        clock.advance(Duration.ofSeconds(30)); // a minute after the first: a new window begins
        assertEquals(Optional.empty(), bans.onFailure(A));
        assertFalse(bans.isBanned(A));
        assertEquals(Optional.of(Duration.ofMinutes(1)), fail(A, 4, Duration.ofSeconds(1)), "five in the new window");
    }

    @Test
    void shouldEndTheBanAtItsLengthAndNotBefore() {
        earnBan(A);
        clock.advance(Duration.ofMinutes(1).minus(MS));
        assertTrue(bans.isBanned(A));
        clock.advance(MS);
        assertFalse(bans.isBanned(A));
    }

    @Test
    void shouldNotCountFailuresDuringABan() {
        earnBan(A);
        assertEquals(Optional.empty(), fail(A, 10, Duration.ZERO), "connections admitted before the ban began");
        clock.advance(Duration.ofMinutes(1));
        assertFalse(bans.isBanned(A));
        assertEquals(Optional.empty(), fail(A, 4, Duration.ZERO), "a fresh window after the ban");
    }

    @Test
    void shouldDoubleEachFurtherBanUpToTheLongest() {
        for (Duration expected : new Duration[] {Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(4),
                Duration.ofMinutes(8), Duration.ofMinutes(8)}) {
            assertEquals(Optional.of(expected), earnBan(A));
            clock.advance(expected);
            assertFalse(bans.isBanned(A));
        }
    }

    @Test
    void shouldRememberASourceUntilItHasBeenQuietForForgetAfterAndNotBefore() {
        earnBan(A);
        clock.advance(Duration.ofMinutes(1)); // the ban ends
        clock.advance(SETTINGS.forgetAfter().minus(MS));
        assertEquals(Optional.of(Duration.ofMinutes(2)), earnBan(A), "still remembered: the second ban is longer");

        clock.advance(Duration.ofMinutes(2)); // that ban ends
        clock.advance(SETTINGS.forgetAfter());
        assertEquals(Optional.of(Duration.ofMinutes(1)), earnBan(A), "forgotten: a first ban again");
    }

    @Test
    void shouldHoldNoMoreSourcesThanItsCapacityAndKeepBansOverSingleFailures() {
        earnBan(A);
        for (int i = 0; i < 1000; i++) {
            bans.onFailure(source("10.1." + (i / 250) + "." + (i % 250)));
            assertTrue(bans.size() <= SETTINGS.sources(), "at most " + SETTINGS.sources() + " sources");
        }
        assertTrue(bans.isBanned(A), "sources that failed once went first");
    }

    @Test
    void shouldForgetQuietSourcesBeforeAnyOtherWhenFull() {
        earnBan(A);
        clock.advance(Duration.ofMinutes(1).plus(SETTINGS.forgetAfter())); // A is quiet long enough to be forgotten
        for (int i = 0; i < SETTINGS.sources() - 1; i++) {
            earnBan(source("10.2.0." + i));
        }
        assertEquals(SETTINGS.sources(), bans.size());
        bans.onFailure(B);
        assertEquals(SETTINGS.sources(), bans.size());
        for (int i = 0; i < SETTINGS.sources() - 1; i++) {
            assertTrue(bans.isBanned(source("10.2.0." + i)), "no ban was pushed out while a quiet source was there");
        }
    }

    @Test
    void shouldPushOutTheLeastRecentBanOnlyWhenEverySourceIsBanned() {
        earnBan(A);
        clock.advance(MS);
        for (int i = 0; i < SETTINGS.sources() - 1; i++) {
            earnBan(source("10.3.0." + i));
        }
        bans.onFailure(B);
        assertFalse(bans.isBanned(A), "A failed least recently");
        assertTrue(bans.isBanned(source("10.3.0.0")));
        assertTrue(bans.size() <= SETTINGS.sources());
    }
}

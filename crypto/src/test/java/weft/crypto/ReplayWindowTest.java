package weft.crypto;

import static org.junit.jupiter.api.Assertions.*;
import static weft.crypto.ReplayWindow.Verdict.*;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class ReplayWindowTest {

    final ReplayWindow window = new ReplayWindow(128);

    @Test
    void acceptsInOrder() {
        for (long s = 0; s < 1000; s++) assertEquals(NEW, window.accept(s), "seq " + s);
        assertEquals(999, window.highest());
    }

    @Test
    void acceptsOutOfOrderWithinTheWindow() {
        assertEquals(NEW, window.accept(200));
        assertEquals(NEW, window.accept(73));                  // 200 - 127: the oldest still judged
        assertEquals(NEW, window.accept(150));
        assertEquals(NEW, window.accept(199));
        assertEquals(TOO_OLD, window.accept(72));              // 200 - 128
    }

    @Test
    void refusesDuplicates() {
        window.accept(5);
        window.accept(9);
        assertEquals(REPLAYED, window.accept(5));
        assertEquals(REPLAYED, window.accept(9));
        assertEquals(REPLAYED, window.check(9));
    }

    @Test
    void checkChangesNothing() {
        assertEquals(NEW, window.check(1_000_000));
        assertEquals(-1, window.highest());
        assertEquals(NEW, window.accept(3));
        assertEquals(NEW, window.check(2));
        assertEquals(NEW, window.accept(2));
    }

    @Test
    void bigJumpForgetsEverythingBelowTheWindow() {
        for (long s = 0; s < 100; s++) window.accept(s);
        assertEquals(NEW, window.accept(1L << 40));
        assertEquals(TOO_OLD, window.accept(99));
        assertEquals(NEW, window.accept((1L << 40) - 1));      // stale bits of the ring were cleared
        assertEquals(NEW, window.accept((1L << 40) - 127));
        assertEquals(REPLAYED, window.accept(1L << 40));
    }

    @Test
    void jumpOfExactlyOneRingDoesNotLeaveStaleBits() {
        // ring of 3 words: after a jump of 3 words the same slots come back into use and must be empty
        for (long s = 0; s < 192; s++) window.accept(s);
        assertEquals(NEW, window.accept(191 + 192));
        for (long s = 191 + 192 - 127; s < 191 + 192; s++) assertEquals(NEW, window.accept(s), "seq " + s);
    }

    @Test
    void negativeNumbersAreTooOld() {
        assertEquals(TOO_OLD, window.accept(-1));
        assertEquals(TOO_OLD, window.accept(Long.MIN_VALUE));
        assertEquals(NEW, window.accept(Long.MAX_VALUE));
        assertEquals(REPLAYED, window.accept(Long.MAX_VALUE));
    }

    @Test
    void sizeMustBeAMultipleOf64() {
        assertThrows(IllegalArgumentException.class, () -> new ReplayWindow(100));
        assertThrows(IllegalArgumentException.class, () -> new ReplayWindow(0));
    }

    @Property(tries = 300)
    void behavesLikeTheObviousModel(@ForAll("sequences") List<Long> sequences) {
        ReplayWindow real = new ReplayWindow(128);
        Set<Long> seen = new HashSet<>();
        long highest = -1;
        for (long s : sequences) {
            ReplayWindow.Verdict expected = s < 0 || (s <= highest && highest - s >= 128) ? TOO_OLD
                    : seen.contains(s) ? REPLAYED : NEW;
            assertEquals(expected, real.accept(s), "seq " + s + " after highest " + highest);
            if (expected == NEW) {
                seen.add(s);
                highest = Math.max(highest, s);
            }
        }
    }

    @Property(tries = 300)
    void acceptedNumbersAreNeverDuplicated(@ForAll("sequences") List<Long> sequences) {
        ReplayWindow real = new ReplayWindow(64);
        Set<Long> accepted = new HashSet<>();
        for (long s : sequences) {
            if (real.accept(s) == NEW) assertTrue(accepted.add(s), "accepted twice: " + s);
        }
    }

    /** Mostly small steps around a moving point, with repeats, some jumps, and an occasional negative. */
    @Provide
    Arbitrary<List<Long>> sequences() {
        Arbitrary<Long> near = Arbitraries.longs().between(0, 400);
        Arbitrary<Long> jump = Arbitraries.longs().between(0, 1L << 20);
        Arbitrary<Long> negative = Arbitraries.longs().between(Long.MIN_VALUE, -1);
        return Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(20, near), net.jqwik.api.Tuple.of(1, jump),
                        net.jqwik.api.Tuple.of(1, negative))
                .list().ofMaxSize(600)
                .map(ReplayWindowTest::cumulativeDrift);
    }

    /** Turns small numbers into a slowly rising stream, so reordering around the window's edge is common. */
    private static List<Long> cumulativeDrift(List<Long> raw) {
        long base = 0;
        List<Long> out = new java.util.ArrayList<>(raw.size());
        for (long r : raw) {
            if (r < 0) { out.add(r); continue; }
            if (r > 400) base += r;
            else base += r % 3;
            out.add(Math.max(0, base - 200 + r % 400));
        }
        return out;
    }
}

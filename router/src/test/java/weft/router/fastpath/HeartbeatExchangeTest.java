package weft.router.fastpath;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two routers' tables exchanging heartbeats every interval over a simulated path that can drop each direction:
 * the promise of the fast path, that a pair leaves it within 3 s of a break and returns within 3 s of a repair,
 * whichever direction broke.
 */
class HeartbeatExchangeTest {
    private static final long MS = 1_000_000L, STEP = 100 * MS;
    private static final long A = 0xAL, B = 0xBL;

    private final FastPathTable a = new FastPathTable(Optional.empty(), 1424), b = new FastPathTable(Optional.empty(), 1424);
    private boolean aToB = true, bToA = true;
    private long now;

    HeartbeatExchangeTest() {
        a.connected(new FastPathTable.Peer(B, "b", InetAddress.getLoopbackAddress(), Optional.empty(), Optional.empty(), Optional.empty()), 0);
        b.connected(new FastPathTable.Peer(A, "a", InetAddress.getLoopbackAddress(), Optional.empty(), Optional.empty(), Optional.empty()), 0);
    }

    /** Runs until both sides agree on {@code fast}; returns how long that took. */
    private long untilBoth(boolean fast, long limit) {
        long start = now;
        while (now - start <= limit) {
            if (now % FastPathTable.HEARTBEAT_INTERVAL_NANOS == 0) {
                boolean aHears = a.hearing(B, now), bHears = b.hearing(A, now);
                if (aToB) {
                    b.heard(A, false, aHears, now);
                    b.heard(A, true, aHears, now);
                }
                if (bToA) {
                    a.heard(B, false, bHears, now);
                    a.heard(B, true, bHears, now);
                }
            }
            a.evaluate(now);
            b.evaluate(now);
            if (a.fast().isEmpty() != fast && b.fast().isEmpty() != fast) return now - start;
            now += STEP;
        }
        throw new AssertionError("no agreement on fast=" + fast + " within " + limit / MS + " ms: a " + a.describe(B, now) + ", b " + b.describe(A, now));
    }

    @Test
    void eachDirectionBreakingAndHealingMovesBothSidesWithinThreeSeconds() {
        untilBoth(true, 3_000 * MS);
        for (int direction = 0; direction < 3; direction++) {
            aToB = direction == 1;
            bToA = direction == 2;
            long off = untilBoth(false, 3_000 * MS);
            assertTrue(off < 3_000 * MS, "left the fast path after " + off / MS + " ms");
            aToB = bToA = true;
            long back = untilBoth(true, 3_000 * MS);
            assertTrue(back < 3_000 * MS, "back on the fast path after " + back / MS + " ms");
        }
    }
}

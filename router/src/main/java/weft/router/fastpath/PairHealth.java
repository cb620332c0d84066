package weft.router.fastpath;

import java.util.Locale;

/**
 * Whether the fast path between this router and one peer works, from the heartbeats the peer sends through it.
 * The pair is fast while, within the last {@code lostAfter}, both small and full-size heartbeats arrived and the
 * latest of them said the peer hears ours: then the path carries full-size frames in both directions. Pure: the
 * caller passes the time (nanoseconds of any monotonic clock) and owns the thread.
 */
final class PairHealth {
    private final long lostAfter;
    private final long created;
    private boolean heardSmall, heardFull, heardHearing;
    private long lastSmall, lastFull, lastHearing;
    private boolean fast;
    private long since;

    PairHealth(long lostAfterNanos, long now) {
        this.lostAfter = lostAfterNanos;
        this.created = now;
        this.since = now;
    }

    /** A heartbeat arrived: {@code full} if it was full-size, {@code hearsUs} if the peer hears ours. */
    void heard(boolean full, boolean hearsUs, long now) {
        if (full) {
            heardFull = true;
            lastFull = now;
        } else {
            heardSmall = true;
            lastSmall = now;
        }
        if (hearsUs) {
            heardHearing = true;
            lastHearing = now;
        }
    }

    /** Both kinds of heartbeat arrive: what our heartbeats tell the peer. */
    boolean hearing(long now) {
        return recent(heardSmall, lastSmall, now) && recent(heardFull, lastFull, now);
    }

    /** Re-decides the pair's path; true when it changed. */
    boolean evaluate(long now) {
        boolean nowFast = hearing(now) && recent(heardHearing, lastHearing, now);
        if (nowFast == fast) return false;
        fast = nowFast;
        since = now;
        return true;
    }

    boolean fast() {
        return fast;
    }

    /** When the pair last changed path (or was first seen). */
    long since() {
        return since;
    }

    /**
     * Why the pair is not fast, for logs and status; {@code fullLength} is the full-size heartbeat's length, and
     * {@code esp} whether the pair's VXLAN packets travel in ESP (which adds up to {@link EspPair#MAX_OVERHEAD} bytes).
     */
    String reason(long now, int fullLength, boolean esp) {
        if (!heardSmall && !heardFull) {
            return "no heartbeats from the peer in " + seconds(now - created) + (esp
                    ? " (ESP, IP protocol 50, blocked, or the peer has no ESP fast path for us)"
                    : " (UDP 6784 blocked, or the peer runs without a fast path)");
        }
        long lastAny = Math.max(heardSmall ? lastSmall : Long.MIN_VALUE, heardFull ? lastFull : Long.MIN_VALUE);
        if (now - lastAny >= lostAfter) return "heartbeats lost " + seconds(now - lastAny) + " ago";
        if (!recent(heardFull, lastFull, now)) {
            return "full-size heartbeats (" + fullLength + " B) lost while small ones arrive: the underlay path MTU is below the overlay MTU + 50"
                    + (esp ? " + " + EspPair.MAX_OVERHEAD + " for ESP" : "");
        }
        if (!recent(heardSmall, lastSmall, now)) return "small heartbeats lost " + seconds(now - lastSmall) + " ago";
        return "the peer does not hear our heartbeats";
    }

    private boolean recent(boolean ever, long last, long now) {
        return ever && now - last < lostAfter;
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}

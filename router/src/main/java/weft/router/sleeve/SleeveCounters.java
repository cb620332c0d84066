package weft.router.sleeve;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Per-packet facts of the sleeve, as counters: what was forwarded and why anything was dropped. Thread-safe;
 * each counter is written by one forwarding thread and read by the API.
 */
public final class SleeveCounters {
    /** Every counted outcome. Names appear in status and metrics in lower case with dashes. */
    public enum Counter {
        FRAMES_FROM_TAP, FRAMES_SENT, BYTES_SENT, FRAMES_FLOODED, SEND_ERRORS, FRAMES_NOT_SENT_NO_PEERS, FRAMES_TOO_LARGE,
        DATAGRAMS_RECEIVED, BYTES_RECEIVED, FRAMES_TO_TAP,
        DROPPED_TOO_SHORT, DROPPED_BAD_MAGIC, DROPPED_BAD_VERSION, DROPPED_BAD_TYPE, DROPPED_LENGTH_MISMATCH,
        DROPPED_UNKNOWN_SENDER, DROPPED_FROM_SELF;

        public String label() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    private final AtomicLongArray values = new AtomicLongArray(Counter.values().length);

    public void increment(Counter counter) {
        values.incrementAndGet(counter.ordinal());
    }

    public void add(Counter counter, long amount) {
        values.addAndGet(counter.ordinal(), amount);
    }

    public long get(Counter counter) {
        return values.get(counter.ordinal());
    }

    /** The counter a refused datagram is counted under. */
    static Counter droppedFor(SleeveHeader.Check check) {
        return switch (check) {
            case OK -> throw new IllegalArgumentException("an accepted datagram is not dropped");
            case TOO_SHORT -> Counter.DROPPED_TOO_SHORT;
            case BAD_MAGIC -> Counter.DROPPED_BAD_MAGIC;
            case BAD_VERSION -> Counter.DROPPED_BAD_VERSION;
            case BAD_TYPE -> Counter.DROPPED_BAD_TYPE;
            case LENGTH_MISMATCH -> Counter.DROPPED_LENGTH_MISMATCH;
        };
    }

    public Map<Counter, Long> snapshot() {
        Map<Counter, Long> copy = new EnumMap<>(Counter.class);
        for (Counter counter : Counter.values()) copy.put(counter, get(counter));
        return copy;
    }
}

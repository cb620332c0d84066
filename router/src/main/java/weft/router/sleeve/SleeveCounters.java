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
        DATAGRAMS_RECEIVED, BYTES_RECEIVED, FRAMES_TO_TAP, FRAMES_RELAYED,
        DROPPED_TOO_SHORT, DROPPED_BAD_MAGIC, DROPPED_BAD_VERSION, DROPPED_BAD_TYPE, DROPPED_BAD_FLAGS,
        DROPPED_LENGTH_MISMATCH, DROPPED_UNKNOWN_SENDER, DROPPED_FROM_SELF, DROPPED_NOT_SEALED,
        DROPPED_AUTHENTICATION_FAILED, DROPPED_REPLAYED, DROPPED_TOO_OLD, DROPPED_NO_ROUTE,
        FRAGMENTS_SENT, FRAGMENTS_RECEIVED, FRAMES_REASSEMBLED, DROPPED_BAD_FRAGMENT, DROPPED_FRAGMENTED_TOO_LARGE,
        DROPPED_DUPLICATE_FRAGMENT, DROPPED_INCONSISTENT_FRAGMENT, DROPPED_REASSEMBLY_GIVEN_UP, DROPPED_WRONG_FRAGMENT_TOKEN,
        DROPPED_NEEDS_OFFLOAD, DROPPED_BAD_VNET_HEADER,
        PMTU_PROBES_SENT, PMTU_PROBES_ANSWERED, PMTU_PROBES_ACKNOWLEDGED, PATH_MTU_LOWERED, PATH_MTU_RAISED, FRAG_NEEDED_SENT,
        FRAMES_LEFT_TO_FAST_PATH, FRAMES_BATCHED, DROPPED_BAD_BATCH;

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
            case BAD_FLAGS -> Counter.DROPPED_BAD_FLAGS;
            case LENGTH_MISMATCH -> Counter.DROPPED_LENGTH_MISMATCH;
            case BAD_FRAGMENT -> Counter.DROPPED_BAD_FRAGMENT;
            case FRAGMENTED_TOO_LARGE -> Counter.DROPPED_FRAGMENTED_TOO_LARGE;
        };
    }

    /** The counter a datagram that failed to open is counted under. */
    static Counter droppedFor(SleeveCipher.Opened opened) {
        return switch (opened) {
            case OK -> throw new IllegalArgumentException("an opened datagram is not dropped");
            case AUTHENTICATION_FAILED -> Counter.DROPPED_AUTHENTICATION_FAILED;
            case REPLAYED -> Counter.DROPPED_REPLAYED;
            case TOO_OLD -> Counter.DROPPED_TOO_OLD;
        };
    }

    public Map<Counter, Long> snapshot() {
        Map<Counter, Long> copy = new EnumMap<>(Counter.class);
        for (Counter counter : Counter.values()) copy.put(counter, get(counter));
        return copy;
    }
}

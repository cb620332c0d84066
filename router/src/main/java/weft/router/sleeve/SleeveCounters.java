package weft.router.sleeve;

import weft.kernel.EnumCounters;

import java.util.Map;

/**
 * Per-packet facts of the sleeve, as counters: what was forwarded and why anything was dropped. Each forwarding
 * thread (every send lane, the receive lane) counts with {@link #writer}s of its own, never another thread's;
 * {@link #get} and {@link #snapshot} sum them from any thread ({@link EnumCounters}).
 */
public final class SleeveCounters {
    /** Every counted outcome. Names appear in status and metrics in lower case with dashes. */
    public enum Counter {
        FRAMES_FROM_TAP, FRAMES_SENT, BYTES_SENT, FRAMES_FLOODED, SEND_ERRORS, FRAMES_NOT_SENT_NO_PEERS, FRAMES_TOO_LARGE,
        DATAGRAMS_RECEIVED, BYTES_RECEIVED, FRAMES_TO_TAP, FRAMES_RELAYED,
        DROPPED_TOO_SHORT, DROPPED_BAD_MAGIC, DROPPED_BAD_VERSION, DROPPED_BAD_TYPE, DROPPED_BAD_FLAGS,
        DROPPED_LENGTH_MISMATCH, DROPPED_UNKNOWN_SENDER, DROPPED_FROM_SELF, DROPPED_NOT_SEALED, DROPPED_WRONG_SOURCE,
        DROPPED_AUTHENTICATION_FAILED, DROPPED_REPLAYED, DROPPED_TOO_OLD, DROPPED_NO_ROUTE,
        FRAGMENTS_SENT, FRAGMENTS_RECEIVED, FRAMES_REASSEMBLED, DROPPED_BAD_FRAGMENT, DROPPED_FRAGMENTED_TOO_LARGE,
        DROPPED_DUPLICATE_FRAGMENT, DROPPED_INCONSISTENT_FRAGMENT, DROPPED_REASSEMBLY_GIVEN_UP, DROPPED_WRONG_FRAGMENT_TOKEN,
        DROPPED_NEEDS_OFFLOAD, DROPPED_BAD_VNET_HEADER,
        PMTU_PROBES_SENT, PMTU_PROBES_ANSWERED, PMTU_PROBES_ACKNOWLEDGED, PATH_MTU_LOWERED, PATH_MTU_RAISED, FRAG_NEEDED_SENT,
        FRAMES_LEFT_TO_FAST_PATH, FRAMES_BATCHED, DROPPED_BAD_BATCH, DROPPED_BAD_PROBE;

        public String label() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    private final EnumCounters<Counter> counters = new EnumCounters<>(Counter.class);

    /** Slots for one more forwarding thread to count in; only that thread may use them. */
    EnumCounters.Writer<Counter> writer() {
        return counters.writer();
    }

    /** The counter summed over the forwarding threads. */
    public long get(Counter counter) {
        return counters.get(counter);
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

    /** Every counter summed over the forwarding threads. */
    public Map<Counter, Long> snapshot() {
        return counters.snapshot();
    }
}

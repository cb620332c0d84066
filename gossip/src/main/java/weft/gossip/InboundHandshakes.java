package weft.gossip;

import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The inbound connections that have not authenticated yet, within their {@link InboundLimits}: at most
 * {@code handshakes} at once and {@code handshakesPerSource} from one {@link SourceAddress}, and none from a source
 * that {@link HandshakeBans} refuses. A new connection is admitted or refused before anything is spent on it (no key
 * generated, no byte sent); a refused one is closed at once and counted. Its slot is given back when it has
 * authenticated, from then on it counts against the connection limit, or when it closes.
 *
 * <p>Not thread-safe: owned by the mesh's Netty event loop; {@link #counters()} may be read on any thread.
 */
final class InboundHandshakes {
    // the mesh's logger: operators set one level for all of the mesh's connection lines
    private static final System.Logger LOG = System.getLogger(Mesh.class.getName());
    /** Refusals for want of a slot are logged at most this often; they are all counted. */
    static final Duration BUSY_LOG_INTERVAL = Duration.ofMinutes(1);

    /** What is counted, by the label that metrics show. */
    enum Counter {
        /** Closed at once: its source is banned. */
        REFUSED_BANNED("inbound-refused-banned"),
        /** Closed at once: every slot was taken. */
        REFUSED_BUSY("inbound-refused-busy"),
        /** Closed at once: its source's slots were taken. */
        REFUSED_BUSY_SOURCE("inbound-refused-busy-source"),
        /** Admitted, and failed to authenticate. */
        FAILED_AUTHENTICATION("inbound-failed-authentication"),
        /** Bans begun. */
        BANS("inbound-bans");

        final String label;

        Counter(String label) {
            this.label = label;
        }
    }

    private final InboundLimits limits;
    private final InstantSource clock;
    private final HandshakeBans bans;
    private final Map<SourceAddress, Integer> perSource = new HashMap<>(); // at most `handshakes` entries
    private final AtomicLongArray counts = new AtomicLongArray(Counter.values().length);
    private int inProgress;
    private Instant nextBusyLog = Instant.MIN;

    InboundHandshakes(InboundLimits limits, InstantSource clock) {
        this.limits = limits;
        this.clock = clock;
        this.bans = new HandshakeBans(limits.bans(), clock);
    }

    /** One admitted connection's place in the budget. */
    final class Slot {
        private final SourceAddress source;
        private boolean released;

        private Slot(SourceAddress source) {
            this.source = source;
        }

        /** The connection has authenticated or closed: its slot is free again. Only the first call counts. */
        void release() {
            if (released) {
                return;
            }
            released = true;
            inProgress--;
            perSource.computeIfPresent(source, (s, n) -> n == 1 ? null : n - 1);
        }

        /** The connection failed to authenticate ({@code reason} is why it closed): counted against its source. */
        void failed(String reason) {
            count(Counter.FAILED_AUTHENTICATION);
            bans.onFailure(source).ifPresent(ban -> {
                count(Counter.BANS);
                // concatenated rather than formatted: MessageFormat would print 3600 as 3,600
                LOG.log(Level.WARNING, "refusing connections from " + source + " for " + ban.toSeconds() + " s: "
                        + limits.bans().failures() + " handshakes from it failed to authenticate within "
                        + limits.bans().window().toSeconds() + " s, the last with: " + reason);
            });
        }
    }

    /**
     * A slot for a new connection from {@code remote}, or empty when it must be closed at once: its source is banned
     * (logged when the ban began) or there is no slot for it (logged at most once per {@link #BUSY_LOG_INTERVAL}).
     * Every refusal is counted.
     */
    Optional<Slot> admit(InetAddress remote) {
        SourceAddress source = SourceAddress.of(remote);
        if (bans.isBanned(source)) {
            count(Counter.REFUSED_BANNED);
            return Optional.empty();
        }
        int fromSource = perSource.getOrDefault(source, 0);
        if (inProgress >= limits.handshakes()) {
            refuseBusy(Counter.REFUSED_BUSY, source, inProgress + " inbound connections are");
            return Optional.empty();
        }
        if (fromSource >= limits.handshakesPerSource()) {
            refuseBusy(Counter.REFUSED_BUSY_SOURCE, source, fromSource + " of its connections are");
            return Optional.empty();
        }
        perSource.put(source, fromSource + 1);
        inProgress++;
        return Optional.of(new Slot(source));
    }

    /** Connections admitted and neither authenticated nor closed yet. */
    int inProgress() {
        return inProgress;
    }

    /** Every counter by its label, sorted. Thread-safe. */
    Map<String, Long> counters() {
        Map<String, Long> all = new TreeMap<>();
        for (Counter counter : Counter.values()) {
            all.put(counter.label, counts.get(counter.ordinal()));
        }
        return all;
    }

    private void count(Counter counter) {
        counts.incrementAndGet(counter.ordinal());
    }

    private void refuseBusy(Counter counter, SourceAddress source, String taken) {
        count(counter);
        Instant now = clock.instant();
        if (!now.isBefore(nextBusyLog)) {
            nextBusyLog = now.plus(BUSY_LOG_INTERVAL);
            LOG.log(Level.WARNING, "refused a connection from " + source + ": " + taken + " in their handshake (at most "
                    + limits.handshakes() + ", " + limits.handshakesPerSource() + " per source); such refusals are "
                    + "counted as " + counter.label + " and logged at most once a minute");
        }
    }
}

package weft.gossip.connect;

import weft.gossip.PeerName;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * Decides when to dial which target: the first attempt at once, retries after a jittered delay that
 * grows 1.5× per failure up to a cap, a prompt redial when an established connection is lost, and
 * never more dials than the connection limit allows. A pure state machine: time comes from the
 * injected clock, dials go to the {@link Outbox}, and the transport reports outcomes back.
 *
 * <p>Invariant: a target is dialled only from {@link State#WAITING}, so a connected target, or one
 * with an attempt in flight, is never dialled again.
 *
 * <p>Not thread-safe: owned by the mesh loop.
 */
public final class ConnectionMaker {
    /** Where dial requests go; the transport answers with the {@code on…} methods. */
    public interface Outbox {
        void dial(String target, InetSocketAddress address);
    }

    /** Where a target is in its life. */
    public enum State {
        /** An attempt is in flight: TCP connect or hello. */
        CONNECTING,
        /** A connection made for this target is established, to {@link TargetStatus#peer()}. */
        CONNECTED,
        /** Waiting for {@link TargetStatus#nextAttempt()}. */
        WAITING,
        /** Given up for good (e.g. the target is ourselves); {@link TargetStatus#lastError()} says why. */
        FAILED
    }

    /**
     * @param initialDelay    retry delay after the first failure, before jitter
     * @param maxDelay        no retry waits longer than this
     * @param connectionLimit established connections plus our dials in flight, at most (inbound connections count
     *                        once they have authenticated)
     */
    public record Settings(Duration initialDelay, Duration maxDelay, int connectionLimit) {
        public static final Settings DEFAULT = new Settings(Duration.ofSeconds(2), Duration.ofMinutes(6), 100);

        public Settings {
            if (initialDelay.isNegative() || initialDelay.isZero() || maxDelay.compareTo(initialDelay) < 0
                    || connectionLimit < 1) {
                throw new IllegalArgumentException("bad connection maker settings " + initialDelay + ", "
                        + maxDelay + ", limit " + connectionLimit);
            }
        }
    }

    /** One target as the status shows it. Empty optionals mean "none yet" or "not now". */
    public record TargetStatus(String target, InetSocketAddress address, State state, Optional<PeerName> peer,
            Optional<String> lastError, Optional<Instant> nextAttempt, int attempts) {}

    private static final double GROWTH = 1.5;

    private final InstantSource clock;
    private final RandomGenerator random;
    private final Settings settings;
    private final Outbox outbox;
    private final Map<String, Target> targets = new TreeMap<>(); // sorted: same inputs, same dial order
    private int connectionsInUse;

    public ConnectionMaker(InstantSource clock, RandomGenerator random, Settings settings, Outbox outbox) {
        this.clock = clock;
        this.random = random;
        this.settings = settings;
        this.outbox = outbox;
    }

    private static final class Target {
        final InetSocketAddress address;
        State state = State.WAITING;
        Duration interval;
        Instant nextAttempt;
        int attempts;
        String lastError;
        PeerName peer;
        Instant connectedAt;

        Target(InetSocketAddress address, Duration interval, Instant nextAttempt) {
            this.address = address;
            this.interval = interval;
            this.nextAttempt = nextAttempt;
        }
    }

    /** Adds a target, due at once (call {@link #tick()} to dial). Returns false if it was already there. */
    public boolean add(String target, InetSocketAddress address) {
        return targets.putIfAbsent(target, new Target(address, settings.initialDelay(), clock.instant())) == null;
    }

    /** Drops a target; an attempt in flight for it is no longer reported. Returns false if unknown. */
    public boolean forget(String target) {
        return targets.remove(target) != null;
    }

    /**
     * Tells the maker how many connections the transport holds besides the maker's own attempts in
     * flight: the established connections, inbound and outbound. Inbound handshakes do not count, so that
     * connections that never authenticate cannot stop our dials.
     */
    public void connectionsInUse(int count) {
        connectionsInUse = count;
    }

    /** Dials every due target, in target order, while the connection limit allows. */
    public void tick() {
        Instant now = clock.instant();
        int inFlight = (int) targets.values().stream().filter(t -> t.state == State.CONNECTING).count();
        for (Map.Entry<String, Target> entry : targets.entrySet()) {
            Target target = entry.getValue();
            if (target.state != State.WAITING || now.isBefore(target.nextAttempt)) {
                continue;
            }
            if (connectionsInUse + inFlight >= settings.connectionLimit()) {
                return; // due targets stay due and go first once a slot frees
            }
            target.state = State.CONNECTING;
            target.attempts++;
            inFlight++;
            outbox.dial(entry.getKey(), target.address);
        }
    }

    /** The attempt for {@code target} failed; it waits a jittered, growing delay. */
    public void onAttemptFailed(String target, String reason) {
        Target t = targets.get(target);
        if (t != null && t.state == State.CONNECTING) {
            backOff(t, reason);
        }
    }

    /** The attempt for {@code target} showed that retrying cannot help; it is never dialled again. */
    public void onGaveUp(String target, String reason) {
        Target t = targets.get(target);
        if (t != null && t.state == State.CONNECTING) {
            t.state = State.FAILED;
            t.lastError = reason;
        }
    }

    /**
     * The attempt for {@code target} reached {@code peer}, which is now connected (by this attempt's
     * connection or by another one that won a tie-break).
     */
    public void onConnected(String target, PeerName peer) {
        Target t = targets.get(target);
        if (t != null && t.state == State.CONNECTING) {
            t.state = State.CONNECTED;
            t.peer = peer;
            t.connectedAt = clock.instant();
            t.lastError = null;
        }
    }

    /**
     * The connection to {@code peer} is gone: targets connected to it are dialled again at once with
     * the initial interval. A connection that lasted less than the initial delay counts as a failure
     * instead, so a peer that accepts and drops at once is not redialled in a tight loop.
     */
    public void onPeerLost(PeerName peer, String reason) {
        Instant now = clock.instant();
        for (Target t : targets.values()) {
            if (t.state != State.CONNECTED || !t.peer.equals(peer)) {
                continue;
            }
            if (Duration.between(t.connectedAt, now).compareTo(settings.initialDelay()) < 0) {
                backOff(t, reason);
            } else {
                t.state = State.WAITING;
                t.interval = settings.initialDelay();
                t.nextAttempt = now;
                t.lastError = reason;
            }
        }
    }

    /** Snapshot of every target, in target order. */
    public List<TargetStatus> status() {
        List<TargetStatus> result = new ArrayList<>(targets.size());
        targets.forEach((name, t) -> result.add(new TargetStatus(name, t.address, t.state,
                Optional.ofNullable(t.peer).filter(p -> t.state == State.CONNECTED),
                Optional.ofNullable(t.lastError),
                t.state == State.WAITING ? Optional.of(t.nextAttempt) : Optional.empty(),
                t.attempts)));
        return result;
    }

    private void backOff(Target t, String reason) {
        // uniform in [interval/2, 1.5·interval), never above the cap
        long jittered = (long) (t.interval.toNanos() * (0.5 + random.nextDouble()));
        Duration delay = Duration.ofNanos(Math.min(jittered, settings.maxDelay().toNanos()));
        t.state = State.WAITING;
        t.nextAttempt = clock.instant().plus(delay);
        t.lastError = reason;
        long grown = (long) (t.interval.toNanos() * GROWTH);
        t.interval = Duration.ofNanos(Math.min(grown, settings.maxDelay().toNanos()));
    }
}

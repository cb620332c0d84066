package weft.router.fastpath;

import weft.gossip.HeartbeatKeys;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The fast path's view of the connected peers: which may use it, what to send each of them next, and which pairs
 * are fast now. Pure and single-threaded; the caller passes the time and performs the I/O the answers call for.
 *
 * <p>A peer is a candidate when this host has a fast path, the pair is eligible, and, for a pair whose data is
 * encrypted, its kernel ESP state is installed ({@link #espInstalled}); until then, or when that failed, the pair
 * stays on sleeve with the reason.
 */
public final class FastPathTable {
    /** How often each candidate gets a small and a full-size heartbeat. */
    public static final long HEARTBEAT_INTERVAL_NANOS = 500_000_000L;
    /** Silence after which a pair leaves the fast path: three heartbeats missed, well inside the 3 s promised. */
    public static final long LOST_AFTER_NANOS = 1_500_000_000L;

    /**
     * A connected peer as the fast path sees it.
     *
     * @param underlay   the peer's underlay address, where its VXLAN port listens
     * @param ineligible why the pair may not use the fast path, or empty when it may
     * @param esp        the pair's ESP keys when its data is encrypted, and empty when it may travel in clear
     * @param heartbeat  the keys that authenticate the pair's heartbeats when the routers share a password
     */
    public record Peer(long name, String label, InetAddress underlay, Optional<String> ineligible, Optional<EspKeys> esp,
                       Optional<HeartbeatKeys> heartbeat) {
        public Peer {
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(underlay, "underlay");
            Objects.requireNonNull(ineligible, "ineligible");
            Objects.requireNonNull(esp, "esp");
            Objects.requireNonNull(heartbeat, "heartbeat");
        }
    }

    /** A pair that changed path, for the log. */
    public record Transition(Peer peer, boolean fast, String reason) {
    }

    private final Optional<String> hostUnavailable;
    private final int fullLength;
    private final Map<Long, Entry> peers = new LinkedHashMap<>();
    private long sequence;

    /** How soon a reconnection must follow a disconnection to keep the pair's health. */
    static final long REJOIN_NANOS = 1_000_000_000L;

    /** A pair that disconnected, kept briefly in case the same peer connects again at once. */
    private record Departed(Entry entry, long at) {
    }

    private final Map<Long, Departed> departed = new LinkedHashMap<>();

    private static final class Entry {
        final Peer peer;
        final PairHealth health;
        /** Why an encrypted pair cannot use the fast path yet (its ESP state is missing), or null when it can. */
        String espMissing;

        Entry(Peer peer, PairHealth health) {
            this.peer = peer;
            this.health = health;
            this.espMissing = peer.esp().isPresent() ? "data is encrypted, and its ESP state is not installed yet" : null;
        }
    }

    /**
     * @param hostUnavailable why this host has no fast path at all (turned off, or the kernel refused), or empty
     * @param fullLength      the length of a full-size heartbeat frame: the overlay MTU plus the Ethernet header
     */
    public FastPathTable(Optional<String> hostUnavailable, int fullLength) {
        this.hostUnavailable = Objects.requireNonNull(hostUnavailable, "hostUnavailable");
        this.fullLength = fullLength;
    }

    /** A peer connected, or reconnected with new keys or address: its health starts over. */
    public void connected(Peer peer, long now) {
        Departed before = departed.remove(peer.name());
        // both routers dial each other at start, and one connection replaces the other at once: the path is the same,
        // so its health carries over instead of sending the pair through sleeve and back (not with ESP: new keys)
        boolean samePath = before != null && now - before.at < REJOIN_NANOS && before.entry.peer.underlay().equals(peer.underlay())
                && before.entry.peer.ineligible().equals(peer.ineligible()) && peer.esp().isEmpty() && before.entry.peer.esp().isEmpty();
        peers.put(peer.name(), new Entry(peer, samePath ? before.entry.health : new PairHealth(LOST_AFTER_NANOS, now)));
    }

    /** The encrypted pair's ESP state is in the kernel: the pair may now try the fast path. */
    public void espInstalled(long name) {
        Entry entry = peers.get(name);
        if (entry != null) entry.espMissing = null;
    }

    /** The encrypted pair's ESP state could not be installed: it stays on sleeve, and says {@code why}. */
    public void espFailed(long name, String why) {
        Entry entry = peers.get(name);
        if (entry != null) entry.espMissing = Objects.requireNonNull(why, "why");
    }

    /** Returns the peer if it was known, for undoing what was programmed for it. */
    public Optional<Peer> disconnected(long name, long now) {
        Entry gone = peers.remove(name);
        if (gone == null) return Optional.empty();
        departed.values().removeIf(d -> now - d.at >= REJOIN_NANOS);
        departed.put(name, new Departed(gone, now));
        return Optional.of(gone.peer);
    }

    /** A heartbeat from {@code sender} arrived; false when the sender is no candidate (the caller counts the drop). */
    public boolean heard(long sender, boolean full, boolean hearsUs, long now) {
        Entry entry = peers.get(sender);
        if (entry == null || !candidate(entry)) return false;
        entry.health.heard(full, hearsUs, now);
        return true;
    }

    /** The peers to send heartbeats to: every candidate, whether fast or not, so a path that recovers is noticed. */
    public List<Peer> candidates() {
        List<Peer> list = new ArrayList<>();
        for (Entry entry : peers.values()) if (candidate(entry)) list.add(entry.peer);
        return list;
    }

    /** What our next heartbeats to {@code peer} say about hearing it. */
    public boolean hearing(long peer, long now) {
        Entry entry = peers.get(peer);
        return entry != null && entry.health.hearing(now);
    }

    /** The sequence number for the next heartbeat; one counter for all peers is enough to tell them apart. */
    public long nextSequence() {
        return ++sequence;
    }

    /** Re-decides every pair; returns those that changed path. */
    public List<Transition> evaluate(long now) {
        List<Transition> changed = new ArrayList<>();
        for (Entry entry : peers.values()) {
            if (!candidate(entry)) continue;
            if (entry.health.evaluate(now)) {
                changed.add(new Transition(entry.peer, entry.health.fast(), entry.health.fast() ? "heartbeats flow both ways"
                        + (entry.peer.esp().isPresent() ? ", encrypted by kernel ESP" : "")
                        : entry.health.reason(now, fullLength, entry.peer.esp().isPresent())));
            }
        }
        return changed;
    }

    /**
     * How long a pair is fast before the sleeve stops carrying unicast frames the bridge still hands it for that peer:
     * the peer may switch up to a heartbeat later, and until then its frames arrive by sleeve and teach our bridge to
     * send replies the old way. Floods exclude a fast peer at once, so broadcasts still arrive once.
     */
    public static final long SETTLE_NANOS = 2_000_000_000L;

    /** The pairs that have been fast for at least {@link #SETTLE_NANOS}. */
    public List<Peer> settled(long now) {
        List<Peer> list = new ArrayList<>();
        for (Entry entry : peers.values()) {
            if (candidate(entry) && entry.health.fast() && now - entry.health.since() >= SETTLE_NANOS) list.add(entry.peer);
        }
        return list;
    }

    /** The pairs that are fast now. */
    public List<Peer> fast() {
        List<Peer> list = new ArrayList<>();
        for (Entry entry : peers.values()) if (candidate(entry) && entry.health.fast()) list.add(entry.peer);
        return list;
    }

    /**
     * How the pair with {@code name} travels, for the status: {@code fast} ({@code fast (ESP)} when encrypted),
     * {@code fast: <why not>, on sleeve} for a candidate whose heartbeats do not flow, {@code sleeve: <why>} for a
     * pair that may not use the fast path.
     */
    public String describe(long name, long now) {
        Entry entry = peers.get(name);
        if (entry == null) return "sleeve";
        if (hostUnavailable.isPresent()) return "sleeve: " + hostUnavailable.get();
        if (entry.peer.ineligible().isPresent()) return "sleeve: " + entry.peer.ineligible().get();
        if (entry.espMissing != null) return "sleeve: " + entry.espMissing;
        boolean esp = entry.peer.esp().isPresent();
        if (entry.health.fast()) return esp ? "fast (ESP)" : "fast";
        return "fast: " + entry.health.reason(now, fullLength, esp) + ", on sleeve";
    }

    /** {@link #describe} for every connected peer, candidate or not, so the status names why a pair is on sleeve. */
    public Map<Long, String> describeAll(long now) {
        Map<Long, String> all = new LinkedHashMap<>();
        for (Long name : peers.keySet()) all.put(name, describe(name, now));
        return all;
    }

    private boolean candidate(Entry entry) {
        return hostUnavailable.isEmpty() && entry.peer.ineligible().isEmpty() && entry.espMissing == null;
    }
}

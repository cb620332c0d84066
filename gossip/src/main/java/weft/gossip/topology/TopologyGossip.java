package weft.gossip.topology;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import weft.gossip.PeerName;

/**
 * The topology gossip protocol: spreads changes as deltas to a few random neighbours, and repairs
 * what was lost with rare anti-entropy rounds.
 *
 * <ul>
 * <li>Our own changes are coalesced: {@link #selfChanged()} sets a flag; the next {@link #tick}
 *     bumps our record once and queues it.
 * <li>A received {@link TopologyMessage.Update} is merged; only the records that improved our view
 *     are queued. Each tick sends the queue, once, to {@link #fanout()} random neighbours, leaving
 *     out of each message the records that neighbour sent us. Nothing ever sends the whole topology
 *     because of a change, so a change costs each peer O(fan-out) small messages: O(log N).
 * <li>Anti-entropy: every {@code antiEntropyInterval} (first one at a random offset, so routers do
 *     not synchronise) one random neighbour gets a {@link TopologyMessage.Summary} (16 bytes); only
 *     if its digest hash differs does it answer with a {@link TopologyMessage.Digest} (22 bytes per
 *     peer), which is answered with the missing records and a {@link TopologyMessage.Request}.
 * <li>A new neighbour gets our digest at once, so a joining or healed peer catches up in a few
 *     round trips instead of waiting for rumours.
 * <li>Peers unreachable for {@code forgetAfter} are forgotten; the grace keeps a cold start from
 *     dropping records that arrive before the records of the peers that link to them.
 * </ul>
 *
 * <p>Owned by the mesh loop, like its {@link Topology}: every method must be called there, and the
 * outbox is called from within them.
 */
public final class TopologyGossip {
    /** Where messages go; the transport encodes them with {@link TopologyCodec}. Called on the mesh loop. */
    @FunctionalInterface
    public interface Outbox {
        /** Sends to a directly connected neighbour; may drop (anti-entropy repairs). */
        void send(PeerName neighbour, TopologyMessage message);
    }

    /** Most records per {@link TopologyMessage.Update}: bounds the frame size (about 64 bytes per link). */
    public static final int MAX_RECORDS_PER_UPDATE = 64;

    private final Topology topology;
    private final Supplier<List<PeerLink>> localLinks;
    private final Outbox outbox;
    private final RandomGenerator random;
    private final Duration antiEntropyInterval;
    private final Duration forgetAfter;
    private final TreeSet<PeerName> neighbours = new TreeSet<>(); // sorted: seeded choices are reproducible
    // the delta to send on the next tick, and per record the neighbours it came from
    private final Map<PeerName, PeerRecord> pending = new TreeMap<>();
    private final Map<PeerName, Set<PeerName>> pendingFrom = new HashMap<>();
    private final Map<PeerName, Instant> unreachableSince = new HashMap<>();
    private boolean selfDirty;
    private boolean viewChanged;
    private Instant nextAntiEntropy;

    /**
     * @param localLinks          our current links, read once per tick after {@link #selfChanged()}
     * @param antiEntropyInterval time between our anti-entropy rounds
     * @param forgetAfter         how long a peer stays unreachable before we forget it
     * @param now                 the time of construction; the first anti-entropy round comes at a
     *                            random point within one interval
     */
    public TopologyGossip(Topology topology, Supplier<List<PeerLink>> localLinks, Outbox outbox,
            RandomGenerator random, Duration antiEntropyInterval, Duration forgetAfter, Instant now) {
        if (!antiEntropyInterval.isPositive() || forgetAfter.isNegative()) {
            throw new IllegalArgumentException("intervals must be positive: " + antiEntropyInterval + ", " + forgetAfter);
        }
        this.topology = topology;
        this.localLinks = localLinks;
        this.outbox = outbox;
        this.random = random;
        this.antiEntropyInterval = antiEntropyInterval;
        this.forgetAfter = forgetAfter;
        this.nextAntiEntropy = now.plusMillis(random.nextLong(antiEntropyInterval.toMillis() + 1));
    }

    /** Our links changed; coalesced until the next {@link #tick}. */
    public void selfChanged() {
        selfDirty = true;
    }

    /**
     * A connection to {@code neighbour} is up: sends it our digest. The caller also calls
     * {@link #selfChanged()}, as our links changed.
     */
    public void onConnected(PeerName neighbour) {
        neighbours.add(neighbour);
        outbox.send(neighbour, new TopologyMessage.Digest(topology.digest()));
    }

    /** The connection to {@code neighbour} is gone. The caller also calls {@link #selfChanged()}. */
    public void onDisconnected(PeerName neighbour) {
        neighbours.remove(neighbour);
    }

    /** Our current neighbours, sorted. */
    public Set<PeerName> neighbours() {
        return java.util.Collections.unmodifiableSet(neighbours);
    }

    /** Handles a message from a neighbour. */
    public void onMessage(PeerName from, TopologyMessage message) {
        switch (message) {
            case TopologyMessage.Update(List<PeerRecord> records) -> {
                for (PeerRecord record : topology.merge(records)) {
                    queue(record, record.name().equals(topology.self()) ? null : from);
                }
            }
            case TopologyMessage.Summary(long digestHash, int peers) -> {
                if (digestHash != topology.digestHash()) {
                    outbox.send(from, new TopologyMessage.Digest(topology.digest()));
                }
            }
            case TopologyMessage.Digest(List<DigestEntry> entries) -> answerDigest(from, entries);
            case TopologyMessage.Request(List<PeerName> names) -> {
                List<PeerRecord> records = new ArrayList<>();
                for (PeerName name : names) {
                    topology.get(name).filter(r -> !r.isPlaceholder()).ifPresent(records::add);
                }
                sendUpdates(from, records);
            }
        }
    }

    private void answerDigest(PeerName from, List<DigestEntry> entries) {
        Map<PeerName, DigestEntry> theirs = new HashMap<>();
        List<PeerName> wanted = new ArrayList<>();
        for (DigestEntry entry : entries) {
            theirs.put(entry.name(), entry);
            PeerRecord ours = topology.get(entry.name()).orElse(null);
            boolean theyHaveNewer = ours == null
                    ? entry.version() > 0
                    : entry.supersedes(ours.version(), ours.incarnation());
            // about ourselves: asking for an old incarnation's record lets merge bump us past it; a record that
            // merge would refuse (the topology is full) is not asked for, or every round would fetch it again
            if (theyHaveNewer && topology.holdsOrHasRoomFor(entry.name()) && (!entry.name().equals(topology.self())
                    || entry.incarnation() != topology.ownRecord().incarnation())) {
                wanted.add(entry.name());
            }
        }
        List<PeerRecord> newer = new ArrayList<>();
        for (DigestEntry ours : topology.digest()) { // reachable records only: see Topology.digest
            DigestEntry their = theirs.get(ours.name());
            if (their == null || ours.supersedes(their.version(), their.incarnation())) {
                newer.add(topology.get(ours.name()).orElseThrow());
            }
        }
        sendUpdates(from, newer);
        if (!wanted.isEmpty()) {
            outbox.send(from, new TopologyMessage.Request(wanted));
        }
    }

    private void queue(PeerRecord record, PeerName from) {
        viewChanged = true;
        PeerRecord previous = pending.put(record.name(), record);
        if (previous != null && previous.version() != record.version()) {
            pendingFrom.remove(record.name()); // a newer version: whoever had the old one lacks this one
        }
        if (from != null) {
            pendingFrom.computeIfAbsent(record.name(), k -> new HashSet<>()).add(from);
        }
    }

    /**
     * Advances time: publishes our coalesced change, sends the pending delta, runs anti-entropy when
     * due, and forgets peers unreachable for longer than {@code forgetAfter}.
     *
     * @return the peers forgotten now, sorted (the router drops their MACs, IPAM their claims)
     */
    public List<PeerName> tick(Instant now) {
        if (selfDirty) {
            selfDirty = false;
            queue(topology.updateSelf(localLinks.get()), null);
        }
        if (!pending.isEmpty()) {
            for (PeerName neighbour : randomNeighbours(fanout())) {
                List<PeerRecord> records = new ArrayList<>();
                for (PeerRecord record : pending.values()) {
                    if (!pendingFrom.getOrDefault(record.name(), Set.of()).contains(neighbour)) {
                        records.add(record);
                    }
                }
                sendUpdates(neighbour, records);
            }
            pending.clear();
            pendingFrom.clear();
        }
        if (now.compareTo(nextAntiEntropy) >= 0) {
            nextAntiEntropy = now.plus(antiEntropyInterval);
            List<PeerName> target = randomNeighbours(1);
            if (!target.isEmpty()) {
                outbox.send(target.getFirst(), new TopologyMessage.Summary(topology.digestHash(), topology.size()));
            }
        }
        return forgetLongUnreachable(now);
    }

    private List<PeerName> forgetLongUnreachable(Instant now) {
        if (!viewChanged && unreachableSince.isEmpty()) {
            return List.of(); // nothing changed and nobody is waiting to be forgotten
        }
        viewChanged = false;
        List<PeerName> unreachable = topology.unreachable();
        unreachableSince.keySet().retainAll(new HashSet<>(unreachable));
        List<PeerName> due = new ArrayList<>();
        for (PeerName name : unreachable) {
            Instant since = unreachableSince.computeIfAbsent(name, k -> now);
            if (!now.isBefore(since.plus(forgetAfter))) {
                due.add(name);
            }
        }
        if (due.isEmpty()) {
            return List.of();
        }
        due.forEach(unreachableSince::remove);
        return topology.forget(due);
    }

    /** How many neighbours a delta goes to: {@code min(neighbours, ceil(log2 N) + 1)}, N the known peers. */
    public int fanout() {
        int known = Math.max(2, topology.size());
        int log2Ceil = 64 - Long.numberOfLeadingZeros(known - 1L);
        return Math.min(neighbours.size(), log2Ceil + 1);
    }

    private List<PeerName> randomNeighbours(int count) {
        List<PeerName> all = new ArrayList<>(neighbours);
        // partial Fisher-Yates: the first `count` are a uniform random subset
        for (int i = 0; i < count && i < all.size(); i++) {
            int j = i + random.nextInt(all.size() - i);
            PeerName swap = all.get(i);
            all.set(i, all.get(j));
            all.set(j, swap);
        }
        return all.subList(0, Math.min(count, all.size()));
    }

    private void sendUpdates(PeerName neighbour, List<PeerRecord> records) {
        for (int start = 0; start < records.size(); start += MAX_RECORDS_PER_UPDATE) {
            int end = Math.min(records.size(), start + MAX_RECORDS_PER_UPDATE);
            outbox.send(neighbour, new TopologyMessage.Update(records.subList(start, end)));
        }
    }
}

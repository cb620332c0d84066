package weft.ipam;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import weft.gossip.wire.Decoding;
import weft.gossip.PeerName;
import weft.gossip.channel.Gossip;
import weft.gossip.channel.GossipData;
import weft.gossip.channel.Gossiper;

/**
 * One peer's address allocator: the ring, this peer's allocations, initialisation, donation between
 * peers and takeover of dead peers' space. A pure core: no threads, sockets or clocks of its own.
 *
 * <h2>Threading</h2>
 * Owned by one thread (the mesh loop, since it is the {@code ipam} channel's {@link Gossiper}). Every
 * method, the {@link Gossiper} callbacks and {@link #tick()} run there; futures are completed there too,
 * so dependent stages must not block. Other threads (HTTP API, CNI) hop onto the loop first.
 *
 * <h2>Durability rule</h2>
 * A handler changes state in memory, then saves a {@link Snapshot} through {@link Persistence}, and
 * only then sends messages and completes futures. If the save fails, both are held (and retried on
 * every tick), so no peer and no container ever sees a state this peer could forget in a crash: a
 * restarted peer cannot hand out an address twice or re-own a range it gave away.
 *
 * <h2>Getting space</h2>
 * An allocation takes the lowest free address of the subnet in our ranges. When we have none, we ask
 * one reachable peer with reported free space in the subnet (chosen at random, weighted by its free
 * space) once per tick; it grants at most half its free space there as an aligned block by re-owning
 * ring entries, persists, and unicasts its ring to us. A request waits at most
 * {@link AllocatorConfig#requestTimeout()} and then fails with the reason it was waiting.
 */
public final class Allocator implements Gossiper {
    /** The gossip channel name. */
    public static final String CHANNEL = "ipam";
    /** Conflicts kept for the status. */
    public static final int MAX_CONFLICTS = 32;
    private static final System.Logger LOG = System.getLogger(Allocator.class.getName());

    private enum Kind { ALLOCATE, CLAIM }

    private static final class Pending {
        final Kind kind;
        final String owner;
        final AddressRange subnet;
        final long address; // CLAIM only
        final CompletableFuture<AllocationResult> result = new CompletableFuture<>();
        final Instant since;
        String reason = "not tried yet";
        long askedAtTick = -1;
        int asks;

        Pending(Kind kind, String owner, AddressRange subnet, long address, Instant since) {
            this.kind = kind;
            this.owner = owner;
            this.subnet = subnet;
            this.address = address;
            this.since = since;
        }

        String describe() {
            return kind == Kind.CLAIM ? "claim " + AddressRange.format(address) : "allocate in " + subnet;
        }
    }

    private final PeerName self;
    private final AllocatorConfig config;
    private final InstantSource clock;
    private final RandomGenerator random;
    private final Persistence persistence;
    private final Space space;
    private final SeedConsensus consensus; // null unless InitMode.Consensus
    private final Gossip gossip;
    private final Set<PeerName> alive = new TreeSet<>(); // sorted: same inputs, same donor choice
    private final List<Pending> pending = new ArrayList<>();
    private final ArrayDeque<RingConflict> conflicts = new ArrayDeque<>();
    private final List<Runnable> afterDurable = new ArrayList<>();
    private Ring ring;
    private IpamMessage.State published; // the last durable state: all that others may learn from us
    private Ring winningForeignRing; // an independent ring that beats ours, while we keep ours
    private boolean dirty;
    private boolean broadcastDue;
    private boolean kickDue;
    private String persistenceFailure;
    private long ticks;
    private long lastKickTick = -1;
    private long refusedMessages;

    /**
     * @param restored the snapshot loaded at start, if any; ignored (and reported) if it is another
     *                 peer's or another range's
     * @param channel  registers the allocator as the {@code ipam} channel's gossiper and returns its send
     *                 side, e.g. {@code g -> channels.register(Allocator.CHANNEL, g)}; called last
     */
    public Allocator(PeerName self, AllocatorConfig config, Optional<Snapshot> restored, InstantSource clock,
            RandomGenerator random, Persistence persistence, Function<Gossiper, Gossip> channel) {
        this.self = self;
        this.config = config;
        this.clock = clock;
        this.random = random;
        this.persistence = persistence;
        this.space = new Space(config.universe());
        this.ring = Ring.empty(config.universe());
        AcceptorState acceptor = AcceptorState.INITIAL;
        if (restored.isPresent()) {
            Snapshot s = restored.get();
            if (!s.self().equals(self) || !s.ring().universe().equals(config.universe())) {
                conflict(new RingConflict(RingConflict.Kind.SNAPSHOT_IGNORED, "snapshot of peer " + s.self()
                        + " for range " + s.ring().universe() + " ignored; we are " + self + " with " + config.universe()));
            } else {
                ring = s.ring();
                acceptor = s.acceptor();
                s.allocations().forEach(space::take);
            }
        }
        this.consensus = config.init() instanceof InitMode.Consensus(int n)
                ? new SeedConsensus(self, n, random, acceptor) : null;
        this.published = currentState(); // restored from disk, so durable
        if (!ring.isInitialised() && config.init() instanceof InitMode.Seed(List<PeerName> seeds)) {
            ring = Ring.seeded(config.universe(), RingId.ofSeeds(seeds));
            dirty = true;
            broadcastDue = true;
        }
        this.gossip = channel.apply(this);
    }

    // ---------------------------------------------------------------- requests

    /** Allocates an address for {@code owner} in the default subnet; the same owner gets the same address. */
    public CompletableFuture<AllocationResult> allocate(String owner) {
        return allocate(owner, config.defaultSubnet());
    }

    /** Allocates an address for {@code owner} in {@code subnet} (a CIDR inside the range). */
    public CompletableFuture<AllocationResult> allocate(String owner, AddressRange subnet) {
        if (!config.universe().contains(subnet) || subnet.prefixLength() < 0) {
            return CompletableFuture.completedFuture(new AllocationResult.Failed(
                    "subnet " + subnet + " is not a CIDR inside the allocation range " + config.universe()));
        }
        return submit(new Pending(Kind.ALLOCATE, owner, subnet, 0, clock.instant()));
    }

    /**
     * Claims {@code address} for {@code owner} (a container that already has it, e.g. after a restart).
     * Succeeds if it lies in our ranges and is free or already the owner's; fails if another owner or
     * another peer holds it.
     */
    public CompletableFuture<AllocationResult> claim(String owner, long address) {
        if (!config.universe().contains(address)) {
            return CompletableFuture.completedFuture(new AllocationResult.Failed(
                    AddressRange.format(address) + " is outside the allocation range " + config.universe()));
        }
        AddressRange subnet = config.defaultSubnet().contains(address) ? config.defaultSubnet() : config.universe();
        return submit(new Pending(Kind.CLAIM, owner, subnet, address, clock.instant()));
    }

    private CompletableFuture<AllocationResult> submit(Pending p) {
        pending.add(p);
        if (attempt(p)) {
            pending.remove(p);
        }
        flush();
        return p.result;
    }

    /** Frees every address {@code owner} holds; returns them. */
    public List<Long> release(String owner) {
        List<Long> freed = space.releaseOwner(owner);
        if (!freed.isEmpty()) {
            dirty = true;
            flush();
        }
        return freed;
    }

    /** Frees {@code address}; returns the owner id that held it, if any. */
    public Optional<String> releaseAddress(long address) {
        String owner = space.release(address);
        if (owner != null) {
            dirty = true;
            flush();
        }
        return Optional.ofNullable(owner);
    }

    /** The owner id holding {@code address} here, if this peer handed it out. */
    public Optional<String> lookup(long address) {
        return Optional.ofNullable(space.holder(address));
    }

    /** The addresses {@code owner} holds here. */
    public List<Long> addressesOf(String owner) {
        return space.addressesOf(owner);
    }

    /** Starts initialisation now instead of on the first allocation (Weave's {@code prime}). */
    public void prime() {
        triggerInit();
        flush();
    }

    // ---------------------------------------------------------------- admin

    /**
     * Takes over every range {@code dead} owns (Weave's {@code rmpeer}). Safe for an automated controller:
     * idempotent (a second call takes over nothing and says so), and refused while {@code dead} is
     * reachable unless {@code force}. It is safe only if {@code dead} never comes back with its old data:
     * whatever it handed out is forgotten.
     */
    public TakeoverResult adminTakeover(PeerName dead, boolean force) {
        if (dead.equals(self)) {
            return new TakeoverResult.Refused("a peer cannot take over its own ranges");
        }
        if (!ring.isInitialised()) {
            return new TakeoverResult.Refused("no ring yet: " + waitingFor());
        }
        if (alive.contains(dead) && !force) {
            return new TakeoverResult.Refused("peer " + dead + " is reachable; take over a live peer only with force");
        }
        List<AddressRange> ranges = ring.rangesOwnedBy(dead);
        if (ranges.isEmpty()) {
            return new TakeoverResult.TookOver(dead, List.of(), 0);
        }
        ring = ring.takeOver(dead, self);
        refreshFree();
        dirty = true;
        broadcastDue = true;
        long addresses = ranges.stream().mapToLong(AddressRange::size).sum();
        LOG.log(System.Logger.Level.INFO, "took over " + addresses + " addresses of peer " + dead + (force ? " (forced)" : "")
                + ": " + ranges);
        processPending();
        flush();
        return new TakeoverResult.TookOver(dead, ranges, addresses);
    }

    /**
     * Resolves a {@link RingConflict.Kind#INDEPENDENT_RINGS} conflict by hand: drops our ring and every
     * address we handed out from it, and adopts the winning ring we have seen. Returns the addresses
     * dropped (their containers need new ones), or empty when there is no winning ring to adopt.
     */
    public Optional<List<Long>> adoptWinningRing() {
        if (winningForeignRing == null) {
            return Optional.empty();
        }
        List<Long> dropped = List.copyOf(space.allocations().keySet());
        for (long a : dropped) {
            space.release(a);
        }
        LOG.log(System.Logger.Level.WARNING, "adopting " + winningForeignRing.identity() + " instead of "
                + ring.identity() + "; dropped " + dropped.size() + " addresses");
        ring = winningForeignRing;
        winningForeignRing = null;
        dirty = true;
        broadcastDue = true;
        processPending();
        flush();
        return Optional.of(dropped);
    }

    // ---------------------------------------------------------------- liveness hooks and time

    /** {@code peer} became reachable. */
    public void peerAlive(PeerName peer) {
        if (!peer.equals(self) && alive.add(peer)) {
            broadcastDue |= ring.isInitialised() || consensus != null;
            processPending();
            flush();
        }
    }

    /** {@code peer} is no longer reachable. */
    public void peerGone(PeerName peer) {
        alive.remove(peer);
    }

    /** Advances time: retries held saves, drives consensus, retries and times out requests. */
    public void tick() {
        ticks++;
        Instant now = clock.instant();
        if (consensus != null && !ring.isInitialised()) {
            if (consensus.tick()) {
                dirty = true;
                broadcastDue = true;
            }
            adoptDecision();
        }
        if (ring.isInitialised()) {
            Ring before = ring;
            refreshFree();
            if (!ring.equals(before)) {
                dirty = true;
                broadcastDue = true;
            }
        }
        processPending();
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            Duration waited = Duration.between(p.since, now);
            if (waited.compareTo(config.requestTimeout()) >= 0) {
                it.remove();
                complete(p, new AllocationResult.Failed("gave up after " + waited.toSeconds() + "s: " + p.reason));
            }
        }
        flush();
    }

    // ---------------------------------------------------------------- Gossiper

    @Override
    public void onUnicast(PeerName from, byte[] payload) {
        switch (IpamCodec.decode(payload)) {
            case Decoding.Refused<IpamMessage> r -> refusedMessages++;
            case Decoding.Decoded<IpamMessage>(IpamMessage message) -> {
                switch (message) {
                    case IpamMessage.State state -> onState(state);
                    case IpamMessage.SpaceRequest(AddressRange subnet) -> onSpaceRequest(from, subnet);
                    case IpamMessage.SpaceDenied(AddressRange subnet) -> {
                        // ask again on the next tick, not now: with stale free counts an immediate retry
                        // could bounce between peers that all have nothing
                        for (Pending p : pending) {
                            if (p.subnet.equals(subnet)) {
                                p.reason = "peer " + from + " had no space in " + subnet + "; asking again next tick";
                            }
                        }
                    }
                    case IpamMessage.Kick() -> {
                        if (consensus != null) { // observers and seeded peers never pass kicks on
                            triggerInit();
                        }
                    }
                }
                flush();
            }
        }
    }

    @Override
    public GossipData onBroadcast(PeerName from, byte[] payload) {
        if (!(IpamCodec.decode(payload) instanceof Decoding.Decoded<IpamMessage>(IpamMessage.State state))) {
            refusedMessages++;
            return null;
        }
        onState(state);
        flush();
        return new IpamGossipData(state); // relay along the sender's tree whether or not it was new to us
    }

    /** The last state saved durably: gossiping anything newer could be undone by a crash. */
    @Override
    public GossipData completeState() {
        return new IpamGossipData(published);
    }

    @Override
    public GossipData onGossip(byte[] payload) {
        if (!(IpamCodec.decode(payload) instanceof Decoding.Decoded<IpamMessage>(IpamMessage.State state))) {
            refusedMessages++;
            return null;
        }
        boolean changed = onState(state);
        flush();
        return changed ? completeState() : null;
    }

    /** Payloads that did not decode (counted, then dropped). */
    public long refusedMessages() {
        return refusedMessages;
    }

    // ---------------------------------------------------------------- state

    /** Our current state as it is gossiped. */
    public IpamMessage.State currentState() {
        boolean voting = consensus != null && !ring.isInitialised();
        return new IpamMessage.State(ring, voting ? consensus.state() : ConsensusState.EMPTY);
    }

    /** What would be saved now. */
    public Snapshot snapshot() {
        AcceptorState acceptor = consensus == null ? AcceptorState.INITIAL : consensus.own();
        return new Snapshot(self, ring, acceptor, space.allocations());
    }

    /** The ring as this peer knows it. */
    public Ring ring() {
        return ring;
    }

    public PeerName self() {
        return self;
    }

    public IpamStatus status() {
        Instant now = clock.instant();
        IpamStatus.Phase phase;
        if (!ring.isInitialised()) {
            if (consensus == null) {
                phase = IpamStatus.Phase.AWAITING_RING;
            } else {
                phase = consensus.triggered() || consensus.state().acceptors().size() > 1
                        ? IpamStatus.Phase.AWAITING_CONSENSUS : IpamStatus.Phase.IDLE;
            }
        } else {
            phase = winningForeignRing != null ? IpamStatus.Phase.RING_CONFLICT : IpamStatus.Phase.READY;
        }
        List<IpamStatus.Waiting> waiting = pending.stream()
                .map(p -> new IpamStatus.Waiting(p.owner, p.describe(), p.reason, Duration.between(p.since, now)))
                .toList();
        List<AddressRange> owned = ring.rangesOwnedBy(self);
        long free = owned.stream().mapToLong(space::freeIn).sum();
        return new IpamStatus(self, phase, waitingFor(), Optional.ofNullable(ring.identity()), owned, free,
                space.size(), waiting, List.copyOf(conflicts), Optional.ofNullable(persistenceFailure));
    }

    private String waitingFor() {
        if (persistenceFailure != null) {
            return "a successful save of the snapshot: " + persistenceFailure;
        }
        if (!ring.isInitialised()) {
            if (consensus != null) {
                return consensus.waitingFor();
            }
            if (config.init() instanceof InitMode.Observer) {
                return "a ring from a voting or seeded peer; reachable peers: " + alive;
            }
            return "a ring";
        }
        if (winningForeignRing != null) {
            return "operator: " + winningForeignRing.identity() + " wins over our " + ring.identity()
                    + " and we hold " + space.size() + " addresses; run 'weft adopt-ring' to switch (their containers need new addresses)";
        }
        return pending.isEmpty() ? "nothing" : pending.getFirst().reason;
    }

    // ---------------------------------------------------------------- internals

    private boolean onState(IpamMessage.State state) {
        boolean changed = false;
        if (consensus != null && !ring.isInitialised() && !state.consensus().acceptors().isEmpty()) {
            if (consensus.onState(state.consensus())) {
                dirty = true;
                broadcastDue = true;
                changed = true;
            }
            changed |= adoptDecision();
        }
        changed |= mergeRing(state.ring());
        if (changed) {
            processPending();
        }
        return changed;
    }

    private boolean adoptDecision() {
        if (ring.isInitialised()) {
            return false;
        }
        Optional<SeedConsensus.Decision> decision = consensus.decision();
        if (decision.isEmpty()) {
            return false;
        }
        ring = Ring.seeded(config.universe(), decision.get().ringId());
        LOG.log(System.Logger.Level.INFO, "consensus chose " + ring.identity());
        dirty = true;
        broadcastDue = true;
        processPending();
        return true;
    }

    private boolean mergeRing(Ring incoming) {
        if (!incoming.isInitialised()) {
            return false;
        }
        if (!incoming.universe().equals(ring.universe())) {
            conflict(ring.merge(incoming).conflicts().getFirst());
            return false;
        }
        if (!ring.isInitialised()) {
            ring = incoming;
            dirty = true;
            broadcastDue = true;
            return true;
        }
        if (!incoming.identity().equals(ring.identity())) {
            return onIndependentRing(incoming);
        }
        RingMerge merge = ring.merge(incoming);
        merge.conflicts().forEach(this::conflict);
        Ring merged = merge.ring();
        if (merged.equals(ring)) {
            return false;
        }
        for (int i = 0; i < merged.entries().size(); i++) { // entries x log(allocations), not allocations
            PeerName owner = merged.entries().get(i).owner();
            if (owner.equals(self)) {
                continue;
            }
            AddressRange range = merged.rangeOf(i);
            for (long address : List.copyOf(space.allocations().subMap(range.start(), range.end()).keySet())) {
                String holder = space.release(address);
                conflict(new RingConflict(RingConflict.Kind.RANGE_TAKEN_OVER, AddressRange.format(address) + " of "
                        + holder + " lies in a range now owned by " + owner + "; dropped it here"));
            }
        }
        ring = merged;
        dirty = true;
        return true;
    }

    private boolean onIndependentRing(Ring incoming) {
        boolean theyWin = incoming.identity().compareTo(ring.identity()) < 0;
        String detail = "two independently initialised rings: " + (theyWin ? incoming.identity() + " wins over ours, "
                + ring.identity() : "ours, " + ring.identity() + ", wins over " + incoming.identity());
        if (theyWin && space.isEmpty()) {
            conflict(new RingConflict(RingConflict.Kind.INDEPENDENT_RINGS, detail
                    + "; we held no addresses and switched to the winner"));
            LOG.log(System.Logger.Level.WARNING, detail + "; switching (no addresses held)");
            ring = incoming;
            winningForeignRing = null;
            dirty = true;
            broadcastDue = true;
            return true;
        }
        if (theyWin) {
            boolean news = winningForeignRing == null || !winningForeignRing.identity().equals(incoming.identity());
            winningForeignRing = winningForeignRing == null || !news ? incoming
                    : (incoming.identity().compareTo(winningForeignRing.identity()) < 0 ? incoming : winningForeignRing);
            if (winningForeignRing.identity().equals(incoming.identity())) {
                winningForeignRing = winningForeignRing.merge(incoming).ring();
            }
            if (news) {
                conflict(new RingConflict(RingConflict.Kind.INDEPENDENT_RINGS, detail + "; we hold "
                        + space.size() + " addresses, so we keep ours until adoptWinningRing"));
            }
        } else {
            conflict(new RingConflict(RingConflict.Kind.INDEPENDENT_RINGS, detail));
        }
        return false;
    }

    private void conflict(RingConflict c) {
        if (conflicts.contains(c)) {
            return; // the same conflict arrives with every gossip; keep one line
        }
        if (conflicts.size() == MAX_CONFLICTS) {
            conflicts.removeFirst();
        }
        conflicts.addLast(c);
        LOG.log(System.Logger.Level.WARNING, "ipam: " + c.detail());
    }

    private void triggerInit() {
        if (ring.isInitialised()) {
            return;
        }
        if (consensus != null) {
            if (!consensus.triggered()) {
                consensus.trigger();
                broadcastDue = true;
            }
        } else if (config.init() instanceof InitMode.Observer && lastKickTick != ticks) {
            lastKickTick = ticks; // at most one round of kicks per tick
            kickDue = true;
        }
    }

    private void processPending() {
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (attempt(p)) {
                it.remove();
            }
        }
    }

    /** Tries to finish {@code p}; returns true when it is done (result queued). */
    private boolean attempt(Pending p) {
        if (!ring.isInitialised()) {
            triggerInit();
            p.reason = "no ring yet: " + waitingFor();
            return false;
        }
        if (p.kind == Kind.CLAIM) {
            PeerName owner = ring.ownerOf(p.address);
            if (!owner.equals(self)) {
                complete(p, new AllocationResult.Failed(AddressRange.format(p.address) + " lies in a range owned by peer "
                        + owner + (alive.contains(owner) ? "" : " (unreachable)")));
                return true;
            }
            String holder = space.holder(p.address);
            if (holder == null) {
                space.take(p.address, p.owner);
                dirty = true;
            } else if (!holder.equals(p.owner)) {
                complete(p, new AllocationResult.Failed(AddressRange.format(p.address) + " is held by " + holder));
                return true;
            }
            complete(p, new AllocationResult.Allocated(p.address, p.subnet));
            return true;
        }
        OptionalLong existing = space.addressOf(p.owner, p.subnet.hosts());
        if (existing.isPresent()) {
            complete(p, new AllocationResult.Allocated(existing.getAsLong(), p.subnet));
            return true;
        }
        OptionalLong free = space.findFree(ring.rangesOwnedBy(self), p.subnet.hosts());
        if (free.isPresent()) {
            space.take(free.getAsLong(), p.owner);
            dirty = true;
            complete(p, new AllocationResult.Allocated(free.getAsLong(), p.subnet));
            return true;
        }
        askForSpace(p);
        return false;
    }

    private void askForSpace(Pending p) {
        if (p.askedAtTick == ticks) {
            return; // one request per pending per tick
        }
        Map<PeerName, Long> free = ring.freeByOwner(p.subnet.hosts());
        free.remove(self);
        long total = 0;
        List<PeerName> unreachable = new ArrayList<>();
        for (var e : free.entrySet()) {
            if (e.getValue() <= 0) {
                continue;
            }
            if (alive.contains(e.getKey())) {
                total += e.getValue();
            } else {
                unreachable.add(e.getKey());
            }
        }
        if (total == 0) {
            p.reason = unreachable.isEmpty() ? "no free space left in " + p.subnet
                    : "all free space in " + p.subnet + " is owned by unreachable peers " + unreachable
                    + "; if they are dead, take their space over (rmpeer)";
            return;
        }
        long pick = random.nextLong(total); // weighted by reported free space
        PeerName donor = null;
        for (var e : free.entrySet()) {
            if (e.getValue() > 0 && alive.contains(e.getKey())) {
                pick -= e.getValue();
                if (pick < 0) {
                    donor = e.getKey();
                    break;
                }
            }
        }
        p.askedAtTick = ticks;
        p.asks++;
        p.reason = "asked peer " + donor + " for space in " + p.subnet + " (request " + p.asks + ")";
        PeerName to = donor;
        afterDurable.add(() -> gossip.unicast(to, IpamCodec.encode(new IpamMessage.SpaceRequest(p.subnet))));
    }

    private void onSpaceRequest(PeerName from, AddressRange subnet) {
        if (!ring.isInitialised() || !config.universe().contains(subnet) || from.equals(self)) {
            return;
        }
        AddressRange block = chooseDonation(subnet);
        if (block == null) {
            afterDurable.add(() -> gossip.unicast(from, IpamCodec.encode(new IpamMessage.SpaceDenied(subnet))));
            return;
        }
        ring = ring.grant(block, self, from);
        refreshFree();
        dirty = true;
        broadcastDue = true;
        LOG.log(System.Logger.Level.INFO, "gave " + block + " to peer " + from);
        afterDurable.add(() -> gossip.unicast(from, IpamCodec.encode(currentState())));
    }

    /** The largest aligned free block of ours in {@code subnet}, at most half our free space there. */
    private AddressRange chooseDonation(AddressRange subnet) {
        List<AddressRange> runs = new ArrayList<>();
        long freeTotal = 0;
        for (AddressRange owned : ring.rangesOwnedBy(self)) {
            var part = owned.intersect(subnet.hosts()); // never give away a network or broadcast address
            if (part.isPresent()) {
                for (AddressRange run : space.freeRuns(part.get())) {
                    runs.add(run);
                    freeTotal += run.size();
                }
            }
        }
        if (freeTotal == 0) {
            return null;
        }
        long cap = Math.max(1, freeTotal / 2);
        AddressRange best = null;
        for (AddressRange run : runs) {
            long size = Long.highestOneBit(Math.min(cap, run.size()));
            for (; size > 0; size >>= 1) {
                long start = (run.end() / size) * size - size; // the highest aligned block in the run
                if (start >= run.start()) {
                    AddressRange candidate = new AddressRange(start, start + size);
                    if (best == null || candidate.size() > best.size()
                            || (candidate.size() == best.size() && candidate.start() > best.start())) {
                        best = candidate;
                    }
                    break;
                }
            }
        }
        return best;
    }

    private void refreshFree() {
        ring = ring.withFree(self, space::freeIn);
    }

    private void complete(Pending p, AllocationResult result) {
        afterDurable.add(() -> {
            // held while a save failed, the owner may have released the address meanwhile
            if (result instanceof AllocationResult.Allocated(long address, var subnet)
                    && !p.owner.equals(space.holder(address))) {
                p.result.complete(new AllocationResult.Failed(AddressRange.format(address) + " was released by "
                        + p.owner + " before the allocation was saved"));
            } else {
                p.result.complete(result);
            }
        });
    }

    /**
     * Saves if anything changed, then releases what waited for durability: messages, then results.
     * Nothing leaves while a save is failing.
     */
    private void flush() {
        if (dirty && persistence != Persistence.NONE) {
            // a full snapshot per handler call: O(allocations); TODO(weft#ipam-journal) append-only journal
            Optional<String> failure = persistence.save(snapshot());
            if (failure.isPresent()) {
                persistenceFailure = failure.get();
                return;
            }
            persistenceFailure = null;
        }
        dirty = false;
        published = currentState();
        if (broadcastDue) {
            broadcastDue = false;
            IpamGossipData data = new IpamGossipData(currentState());
            afterDurable.addFirst(() -> gossip.broadcast(data));
        }
        if (kickDue) {
            kickDue = false;
            byte[] kick = IpamCodec.encode(new IpamMessage.Kick());
            for (PeerName peer : alive) {
                afterDurable.add(() -> gossip.unicast(peer, kick));
            }
        }
        List<Runnable> ready = List.copyOf(afterDurable);
        afterDurable.clear();
        ready.forEach(Runnable::run); // may re-enter (a future's dependents): the list is already clear
    }
}

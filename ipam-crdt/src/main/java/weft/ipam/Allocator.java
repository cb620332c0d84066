package weft.ipam;

import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
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
 * restarted peer cannot hand out an address twice or re-own a range it gave away. The save itself may run
 * on another thread ({@link SnapshotWriter}); its outcome comes back on the allocator's thread, and what
 * waited for it is released then ({@link DurableOutbox} says how the order is kept).
 *
 * <h2>Getting space</h2>
 * An allocation takes the lowest free address of the subnet in our ranges. When we have none, we ask
 * one reachable peer with reported free space in the subnet (chosen at random, weighted by its free
 * space) once per tick; it grants at most half its free space there as an aligned block by re-owning
 * ring entries, persists, and unicasts its ring to us. A request waits at most
 * {@link AllocatorConfig#requestTimeout()} and then fails with the reason it was waiting.
 *
 * <h2>Parts</h2>
 * This class is the face: the API and the {@link Gossiper} callbacks. Each calls the parts in the order
 * the rules above need, then {@link DurableOutbox#flush()}, which applies the durability rule. The parts
 * share one {@link AllocatorState} and run on the same thread: {@link Initialisation} (the first ring),
 * {@link RingAdoption} (rings from other peers, conflicts kept in a {@link ConflictLog}),
 * {@link SpaceDonation} (asking for space and giving it), {@link PendingRequests} (requests not done yet)
 * and {@link AllocatorStatusView}.
 */
public final class Allocator implements Gossiper {
    /** The gossip channel name. */
    public static final String CHANNEL = "ipam";
    /** Conflicts kept for the status. */
    public static final int MAX_CONFLICTS = 32;
    private static final System.Logger LOG = System.getLogger(Allocator.class.getName());

    private final InstantSource clock;
    private final AllocatorState state;
    private final DurableOutbox outbox;
    private final Initialisation init;
    private final DisplacedAddresses displaced;
    private final RingAdoption rings;
    private final SpaceDonation donation;
    private final PendingRequests requests;
    private final AllocatorStatusView view;
    private long refusedMessages;
    private final Leaving leaving;

    /**
     * @param restored the snapshot loaded at start, if any; ignored (and reported) if it is another
     *                 peer's or another range's
     * @param channel  registers the allocator as the {@code ipam} channel's gossiper and returns its send
     *                 side, e.g. {@code g -> channels.register(Allocator.CHANNEL, g)}; called last
     */
    public Allocator(PeerName self, AllocatorConfig config, Optional<Snapshot> restored, InstantSource clock,
            RandomGenerator random, Persistence persistence, Function<Gossiper, Gossip> channel) {
        this(self, config, restored, clock, random, SnapshotSaver.inline(persistence), channel);
    }

    /**
     * As above, with saves run by {@code saver}: a {@link SnapshotWriter} keeps the disk I/O off the allocator's
     * thread, and what depends on a save is held until its outcome comes back there.
     */
    public Allocator(PeerName self, AllocatorConfig config, Optional<Snapshot> restored, InstantSource clock,
            RandomGenerator random, SnapshotSaver saver, Function<Gossiper, Gossip> channel) {
        this.clock = clock;
        ConflictLog conflicts = new ConflictLog();
        Space space = new Space(config.universe());
        Ring ring = Ring.empty(config.universe());
        AcceptorState acceptor = AcceptorState.INITIAL;
        if (restored.isPresent()) {
            Snapshot s = restored.get();
            if (!s.self().equals(self) || !s.ring().universe().equals(config.universe())) {
                conflicts.add(new RingConflict(RingConflict.Kind.SNAPSHOT_IGNORED, "snapshot of peer " + s.self()
                        + " for range " + s.ring().universe() + " ignored; we are " + self + " with " + config.universe()));
            } else {
                ring = s.ring();
                acceptor = s.acceptor();
                s.allocations().forEach(space::take);
            }
        }
        SeedConsensus consensus = config.init() instanceof InitMode.Consensus(int n)
                ? new SeedConsensus(self, n, random, acceptor) : null;
        this.state = new AllocatorState(self, config, space, consensus, ring);
        this.outbox = new DurableOutbox(state, saver); // restored from disk, so durable
        this.init = new Initialisation(state, outbox);
        this.displaced = new DisplacedAddresses(state, outbox, conflicts);
        this.leaving = new Leaving(state, outbox);
        this.rings = new RingAdoption(state, outbox, conflicts, displaced);
        this.donation = new SpaceDonation(state, outbox, random);
        this.requests = new PendingRequests(state, outbox, init, donation, this::waitingFor);
        this.view = new AllocatorStatusView(state, outbox, rings, conflicts, requests, clock);
        init.seedIfConfigured();
        outbox.connect(channel.apply(this));
    }

    // ---------------------------------------------------------------- requests

    /** Allocates an address for {@code owner} in the default subnet; the same owner gets the same address. */
    public CompletableFuture<AllocationResult> allocate(String owner) {
        return allocate(owner, state.config().defaultSubnet());
    }

    /** Allocates an address for {@code owner} in {@code subnet} (a CIDR inside the range). */
    public CompletableFuture<AllocationResult> allocate(String owner, AddressRange subnet) {
        return inUniverse(subnet, () -> requests.allocate(owner, subnet, clock.instant()));
    }

    /** As {@link #allocateNew(String, AddressRange)} in the default subnet. */
    public CompletableFuture<AllocationResult> allocateNew(String owner) {
        return allocateNew(owner, state.config().defaultSubnet());
    }

    /**
     * Allocates an address in {@code subnet} for {@code owner} that it does not hold yet: an owner that stands for
     * many users (an IPAM driver's pool, whose client names no user) gets another address each time.
     */
    public CompletableFuture<AllocationResult> allocateNew(String owner, AddressRange subnet) {
        return inUniverse(subnet, () -> requests.allocateNew(owner, subnet, clock.instant()));
    }

    /** Submits {@code request} if {@code subnet} is a CIDR inside the range, or fails it saying so. */
    private CompletableFuture<AllocationResult> inUniverse(AddressRange subnet, java.util.function.Supplier<CompletableFuture<AllocationResult>> request) {
        AddressRange universe = state.config().universe();
        if (!universe.contains(subnet) || subnet.prefixLength() < 0) {
            return CompletableFuture.completedFuture(new AllocationResult.Failed(
                    "subnet " + subnet + " is not a CIDR inside the allocation range " + universe));
        }
        CompletableFuture<AllocationResult> result = request.get();
        outbox.flush();
        return result;
    }

    /**
     * Claims {@code address} for {@code owner} (a container that already has it, e.g. after a restart, or one given
     * that address). Succeeds if it lies in our ranges and is free or already the owner's. In another peer's range,
     * that peer is asked to hand the address over (a small free block around it becomes ours through the ring) and
     * the claim succeeds once its ring says so; it fails if the owner is unreachable, refuses (a container there holds
     * the address, or another peer's claim came first) or stays silent, and when another owner holds it here.
     */
    public CompletableFuture<AllocationResult> claim(String owner, long address) {
        AllocatorConfig config = state.config();
        if (!config.universe().contains(address)) {
            return CompletableFuture.completedFuture(new AllocationResult.Failed(
                    AddressRange.format(address) + " is outside the allocation range " + config.universe()));
        }
        AddressRange subnet = config.defaultSubnet().contains(address) ? config.defaultSubnet() : config.universe();
        CompletableFuture<AllocationResult> result = requests.claim(owner, address, subnet, clock.instant());
        outbox.flush();
        return result;
    }

    /** Frees every address {@code owner} holds; returns them. */
    public List<Long> release(String owner) {
        List<Long> freed = state.space().releaseOwner(owner);
        if (!freed.isEmpty()) {
            outbox.changed();
            outbox.flush();
        }
        return freed;
    }

    /** Frees {@code address}; returns the owner id that held it, if any. */
    public Optional<String> releaseAddress(long address) {
        String owner = state.space().release(address);
        if (owner != null) {
            outbox.changed();
            outbox.flush();
        }
        return Optional.ofNullable(owner);
    }

    /** The owner id holding {@code address} here, if this peer handed it out. */
    public Optional<String> lookup(long address) {
        return Optional.ofNullable(state.space().holder(address));
    }

    /** The addresses {@code owner} holds here. */
    public List<Long> addressesOf(String owner) {
        return state.space().addressesOf(owner);
    }

    /** Starts initialisation now instead of on the first allocation (Weave's {@code prime}). */
    public void prime() {
        init.trigger();
        outbox.flush();
    }

    // ---------------------------------------------------------------- admin

    /**
     * Takes over every range {@code dead} owns (Weave's {@code rmpeer}). Safe for an automated controller:
     * idempotent (a second call takes over nothing and says so), and refused while {@code dead} is
     * reachable unless {@code force}. It is safe only if {@code dead} never comes back with its old data:
     * whatever it handed out is forgotten.
     */
    public TakeoverResult adminTakeover(PeerName dead, boolean force) {
        if (dead.equals(state.self())) {
            return new TakeoverResult.Refused("a peer cannot take over its own ranges");
        }
        if (!state.ring().isInitialised()) {
            return new TakeoverResult.Refused("no ring yet: " + waitingFor());
        }
        if (state.isAlive(dead) && !force) {
            return new TakeoverResult.Refused("peer " + dead + " is reachable; take over a live peer only with --force, and only if it will never come back with its data");
        }
        List<AddressRange> ranges = state.ring().rangesOwnedBy(dead);
        if (ranges.isEmpty()) {
            return new TakeoverResult.TookOver(dead, List.of(), 0);
        }
        state.setRing(state.ring().takeOver(dead, state.self()));
        state.refreshFree();
        outbox.changed();
        outbox.broadcastState();
        long addresses = ranges.stream().mapToLong(AddressRange::size).sum();
        LOG.log(System.Logger.Level.INFO, "took over " + addresses + " addresses of peer " + dead + (force ? " (forced)" : "")
                + ": " + ranges);
        requests.processPending();
        outbox.flush();
        return new TakeoverResult.TookOver(dead, ranges, addresses);
    }

    /**
     * Leaves the ring gracefully before this peer goes for good ({@code weft reset}): forgets every allocation (the
     * containers go too) and gives every range of ours to one reachable peer, the first by name, as a takeover would,
     * so that nobody needs to run {@code rmpeer} for us. {@link #leaveConfirmed()} tells when a peer has shown that
     * it knows. Returns what happened, in words.
     */
    public String leave() {
        return leaving.leave();
    }

    /** Drops a request still waiting (its caller went away); returns whether it was waiting. See {@link PendingRequests}. */
    public boolean abandon(CompletableFuture<AllocationResult> request, String why) {
        boolean dropped = requests.abandon(request, why);
        if (dropped) LOG.log(System.Logger.Level.INFO, "dropped a waiting request: " + why);
        return dropped;
    }

    /** Whether a peer has shown that it knows of our {@link #leave()}: it sent a ring in which we own nothing. */
    public boolean leaveConfirmed() {
        return leaving.confirmed();
    }

    /**
     * Resolves a {@link RingConflict.Kind#INDEPENDENT_RINGS} conflict by hand: drops our ring and every
     * address we handed out from it, and adopts the winning ring we have seen. Returns the addresses
     * dropped (their containers need new ones), or empty when there is no winning ring to adopt.
     */
    public Optional<List<Long>> adoptWinningRing() {
        Optional<List<Long>> dropped = rings.adoptWinningRing();
        if (dropped.isPresent()) {
            requests.processPending();
            outbox.flush();
        }
        return dropped;
    }

    // ---------------------------------------------------------------- liveness hooks and time

    /** {@code peer} became reachable. */
    public void peerAlive(PeerName peer) {
        if (!peer.equals(state.self()) && state.peerAlive(peer)) {
            if (state.ring().isInitialised() || state.consensus() != null) {
                outbox.broadcastState();
            }
            requests.processPending();
            outbox.flush();
        }
    }

    /** {@code peer} is no longer reachable. */
    public void peerGone(PeerName peer) {
        state.peerGone(peer);
    }

    /** Advances time: retries held saves, drives consensus, retries and times out requests. */
    public void tick() {
        state.nextTick();
        Instant now = clock.instant();
        if (state.voting()) {
            init.tick();
            if (init.adoptDecision()) {
                requests.processPending();
            }
        }
        if (state.ring().isInitialised()) {
            Ring before = state.ring();
            state.refreshFree();
            if (!state.ring().equals(before)) {
                outbox.changed();
                outbox.broadcastState();
            }
            displaced.settle();
        }
        requests.processPending();
        requests.expire(now);
        outbox.flush();
    }

    // ---------------------------------------------------------------- Gossiper

    @Override
    public void onUnicast(PeerName from, byte[] payload) {
        switch (IpamCodec.decode(payload)) {
            case Decoding.Refused<IpamMessage> r -> refusedMessages++;
            case Decoding.Decoded<IpamMessage>(IpamMessage message) -> {
                switch (message) {
                    case IpamMessage.State s -> {
                        onState(s);
                        if (s.ring().isInitialised() && s.ring().rangesOwnedBy(from).isEmpty() && !from.equals(state.self())
                                && state.ring().isInitialised() && s.ring().identity().equals(state.ring().identity())) {
                            // a peer that owns nothing tells us its ring (one that left does so): ours back is its proof
                            outbox.unicastState(from);
                        }
                    }
                    case IpamMessage.SpaceRequest(AddressRange subnet) -> donation.onSpaceRequest(from, subnet);
                    case IpamMessage.SpaceDenied(AddressRange subnet) -> requests.onSpaceDenied(from, subnet);
                    case IpamMessage.Kick() -> init.onKick();
                    case IpamMessage.AddressRequest(long address) -> donation.onAddressRequest(from, address);
                    case IpamMessage.AddressDenied(long address) -> {
                        displaced.onDenied(from, address);
                        requests.onAddressDenied(from, address);
                    }
                }
                outbox.flush();
            }
        }
    }

    @Override
    public GossipData onBroadcast(PeerName from, byte[] payload) {
        if (!(IpamCodec.decode(payload) instanceof Decoding.Decoded<IpamMessage>(IpamMessage.State s))) {
            refusedMessages++;
            return null;
        }
        onState(s);
        outbox.flush();
        return new IpamGossipData(s); // relay along the sender's tree whether or not it was new to us
    }

    /** The last state saved durably: gossiping anything newer could be undone by a crash. */
    @Override
    public GossipData completeState() {
        return new IpamGossipData(outbox.published());
    }

    @Override
    public GossipData onGossip(byte[] payload) {
        if (!(IpamCodec.decode(payload) instanceof Decoding.Decoded<IpamMessage>(IpamMessage.State s))) {
            refusedMessages++;
            return null;
        }
        boolean changed = onState(s);
        outbox.flush();
        return changed ? completeState() : null;
    }

    /**
     * A message of ours did not leave. Only requests matter here: those that wait for a space request or an address
     * request say so and ask again on the next tick, as they do after a denial. The rest needs nothing: a state we send
     * is also broadcast and gossiped, a denial or a kick is asked for again by its receiver, and a displaced address is
     * asked for again on every tick.
     */
    @Override
    public void onUnicastRefused(PeerName to, byte[] payload, String reason) {
        switch (IpamCodec.decode(payload)) {
            case Decoding.Decoded<IpamMessage>(IpamMessage.SpaceRequest(AddressRange subnet)) -> requests.onRequestRefused(to, subnet, reason);
            case Decoding.Decoded<IpamMessage>(IpamMessage.AddressRequest(long address)) -> requests.onAddressRequestRefused(to, address, reason);
            default -> { }
        }
    }

    /** Payloads that did not decode (counted, then dropped). */
    public long refusedMessages() {
        return refusedMessages;
    }

    /** Merges a peer's state: its votes while we vote, then its ring; retries requests when ours changed. */
    private boolean onState(IpamMessage.State incoming) {
        boolean changed = false;
        leaving.onRing(incoming.ring());
        if (state.voting() && !incoming.consensus().acceptors().isEmpty()) {
            changed = init.onVotes(incoming.consensus());
            if (init.adoptDecision()) {
                requests.processPending();
                changed = true;
            }
        }
        changed |= rings.merge(incoming.ring());
        if (changed) {
            displaced.settle();
            requests.processPending();
        }
        return changed;
    }

    // ---------------------------------------------------------------- state

    /** Our current state as it is gossiped. */
    public IpamMessage.State currentState() {
        return state.currentState();
    }

    /** What would be saved now. */
    public Snapshot snapshot() {
        return state.snapshot();
    }

    /** The ring as this peer knows it. */
    public Ring ring() {
        return state.ring();
    }

    public PeerName self() {
        return state.self();
    }

    /**
     * Addresses we had handed out in ranges another peer took over while we were away: those still being asked back
     * (their holders may go on using them until the answer), then the latest outcomes. A holder must stop using an
     * address that was lost, and one this allocator neither holds nor asks for.
     */
    public List<Displacement> displacements() {
        return displaced.list();
    }

    public IpamStatus status() {
        return view.status();
    }

    private String waitingFor() {
        return view.waitingFor();
    }
}

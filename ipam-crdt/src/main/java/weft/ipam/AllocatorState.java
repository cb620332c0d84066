package weft.ipam;

import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import weft.gossip.PeerName;

/**
 * What one peer's allocator knows, shared by its parts: the ring as this peer knows it, the addresses it
 * handed out, its consensus vote while there is no ring, the peers it can reach and the ticks so far.
 * Derives the gossiped {@link IpamMessage.State} and the {@link Snapshot} from these; decides nothing.
 *
 * <p>Owned by the mesh loop, like the {@link Allocator} that creates it.
 */
final class AllocatorState {
    private final PeerName self;
    private final AllocatorConfig config;
    private final Space space;
    private final SeedConsensus consensus; // null unless InitMode.Consensus
    private final Set<PeerName> alive = new TreeSet<>(); // sorted: same inputs, same donor choice
    private Ring ring;
    private long ticks;

    AllocatorState(PeerName self, AllocatorConfig config, Space space, SeedConsensus consensus, Ring ring) {
        this.self = self;
        this.config = config;
        this.space = space;
        this.consensus = consensus;
        this.ring = ring;
    }

    PeerName self() {
        return self;
    }

    AllocatorConfig config() {
        return config;
    }

    /** The addresses this peer handed out. */
    Space space() {
        return space;
    }

    /** The seed vote, or null unless {@link InitMode.Consensus}. */
    SeedConsensus consensus() {
        return consensus;
    }

    Ring ring() {
        return ring;
    }

    void setRing(Ring ring) {
        this.ring = ring;
    }

    /** Writes our current free counts into our ring entries. */
    void refreshFree() {
        ring = ring.withFree(self, space::freeIn);
    }

    /** Whether we still vote on the seeds: consensus mode and no ring yet. */
    boolean voting() {
        return consensus != null && !ring.isInitialised();
    }

    /** Marks {@code peer} reachable; returns false if it already was. */
    boolean peerAlive(PeerName peer) {
        return alive.add(peer);
    }

    void peerGone(PeerName peer) {
        alive.remove(peer);
    }

    boolean isAlive(PeerName peer) {
        return alive.contains(peer);
    }

    /** The reachable peers, sorted. */
    Set<PeerName> alive() {
        return Collections.unmodifiableSet(alive);
    }

    long ticks() {
        return ticks;
    }

    void nextTick() {
        ticks++;
    }

    /** Our current state as it is gossiped. */
    IpamMessage.State currentState() {
        return new IpamMessage.State(ring, voting() ? consensus.state() : ConsensusState.EMPTY);
    }

    /** What would be saved now. */
    Snapshot snapshot() {
        AcceptorState acceptor = consensus == null ? AcceptorState.INITIAL : consensus.own();
        return new Snapshot(self, ring, acceptor, space.allocations());
    }
}

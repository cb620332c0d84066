package weft.ipam;

import java.util.List;
import java.util.Optional;
import weft.gossip.PeerName;

/**
 * How this peer gets its first ring ({@link InitMode}): a seeded peer makes it at once from the seed list; a
 * voting peer starts {@link SeedConsensus} when first asked (lazily, like Weave) and seeds the ring the vote
 * chooses; an observer kicks the reachable peers to start voting and waits for their ring to arrive by
 * gossip. Changes the shared state and queues messages; the {@link Allocator} retries its pending requests
 * when {@link #adoptDecision()} says a ring came about.
 *
 * <p>Owned by the mesh loop, like the {@link Allocator} that creates it.
 */
final class Initialisation {
    private static final System.Logger LOG = System.getLogger(Allocator.class.getName());

    private final AllocatorState state;
    private final DurableOutbox outbox;
    private long lastKickTick = -1;

    Initialisation(AllocatorState state, DurableOutbox outbox) {
        this.state = state;
        this.outbox = outbox;
    }

    /** A seeded peer without a restored ring makes its ring now; called once, at construction. */
    void seedIfConfigured() {
        if (!state.ring().isInitialised() && state.config().init() instanceof InitMode.Seed(List<PeerName> seeds)) {
            state.setRing(Ring.seeded(state.config().universe(), RingId.ofSeeds(seeds)));
            outbox.changed();
            outbox.broadcastState();
        }
    }

    /** Something needs a ring and there is none: start voting, or (an observer) kick the reachable peers. */
    void trigger() {
        if (state.ring().isInitialised()) {
            return;
        }
        SeedConsensus consensus = state.consensus();
        if (consensus != null) {
            if (!consensus.triggered()) {
                consensus.trigger();
                outbox.broadcastState();
            }
        } else if (state.config().init() instanceof InitMode.Observer && lastKickTick != state.ticks()) {
            lastKickTick = state.ticks(); // at most one round of kicks per tick
            outbox.kickPeers();
        }
    }

    /** An observer asked us to start voting; observers and seeded peers never pass kicks on. */
    void onKick() {
        if (state.consensus() != null) {
            trigger();
        }
    }

    /** Drives the vote by one tick; only while {@link AllocatorState#voting()}. */
    void tick() {
        if (state.consensus().tick()) {
            outbox.changed();
            outbox.broadcastState();
        }
    }

    /**
     * Merges another peer's votes; only while {@link AllocatorState#voting()}.
     *
     * @return whether our consensus state changed
     */
    boolean onVotes(ConsensusState votes) {
        if (state.consensus().onState(votes)) {
            outbox.changed();
            outbox.broadcastState();
            return true;
        }
        return false;
    }

    /** Seeds the ring the vote chose, if it chose one and we have no ring; returns whether it did. */
    boolean adoptDecision() {
        if (state.ring().isInitialised()) {
            return false;
        }
        Optional<SeedConsensus.Decision> decision = state.consensus().decision();
        if (decision.isEmpty()) {
            return false;
        }
        state.setRing(Ring.seeded(state.config().universe(), decision.get().ringId()));
        LOG.log(System.Logger.Level.INFO, "consensus chose " + state.ring().identity());
        outbox.changed();
        outbox.broadcastState();
        return true;
    }
}

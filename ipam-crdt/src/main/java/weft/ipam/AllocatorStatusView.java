package weft.ipam;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;

/**
 * Builds the allocator's {@link IpamStatus} from its parts, above all the one line of what it waits for.
 * Reads only; changes nothing.
 *
 * <p>Owned by the mesh loop, like the {@link Allocator} that creates it.
 */
final class AllocatorStatusView {
    private final AllocatorState state;
    private final DurableOutbox outbox;
    private final RingAdoption rings;
    private final ConflictLog conflicts;
    private final PendingRequests requests;
    private final InstantSource clock;

    AllocatorStatusView(AllocatorState state, DurableOutbox outbox, RingAdoption rings, ConflictLog conflicts,
            PendingRequests requests, InstantSource clock) {
        this.state = state;
        this.outbox = outbox;
        this.rings = rings;
        this.conflicts = conflicts;
        this.requests = requests;
        this.clock = clock;
    }

    IpamStatus status() {
        Instant now = clock.instant();
        Ring ring = state.ring();
        SeedConsensus consensus = state.consensus();
        IpamStatus.Phase phase;
        if (!ring.isInitialised()) {
            if (consensus == null) {
                phase = IpamStatus.Phase.AWAITING_RING;
            } else {
                phase = consensus.voting() ? IpamStatus.Phase.AWAITING_CONSENSUS : IpamStatus.Phase.IDLE;
            }
        } else {
            phase = rings.winningForeignRing().isPresent() ? IpamStatus.Phase.RING_CONFLICT : IpamStatus.Phase.READY;
        }
        List<IpamStatus.Waiting> waiting = requests.waiting().stream()
                .map(p -> new IpamStatus.Waiting(p.owner, p.describe(), p.reason, Duration.between(p.since, now)))
                .toList();
        List<AddressRange> owned = ring.rangesOwnedBy(state.self());
        long free = owned.stream().mapToLong(state.space()::freeIn).sum();
        return new IpamStatus(state.self(), phase, waitingFor(), Optional.ofNullable(ring.identity()), owned, free,
                state.space().size(), waiting, conflicts.list(), outbox.persistenceFailure());
    }

    /** One line: a failing save, what the first ring waits for, an operator's decision, or the oldest request's reason. */
    String waitingFor() {
        Optional<String> persistenceFailure = outbox.persistenceFailure();
        if (persistenceFailure.isPresent()) {
            return "a successful save of the snapshot: " + persistenceFailure.get();
        }
        Ring ring = state.ring();
        if (!ring.isInitialised()) {
            if (state.consensus() != null) {
                return state.consensus().waitingFor();
            }
            if (state.config().init() instanceof InitMode.Observer) {
                return "a ring from a voting or seeded peer; reachable peers: " + state.alive();
            }
            return "a ring";
        }
        Optional<Ring> winner = rings.winningForeignRing();
        if (winner.isPresent()) {
            return "operator: " + winner.get().identity() + " wins over our " + ring.identity()
                    + " and we hold " + state.space().size() + " addresses; run 'weft adopt-ring' to switch (their containers need new addresses)";
        }
        List<PendingRequests.Pending> waiting = requests.waiting();
        return waiting.isEmpty() ? "nothing" : waiting.getFirst().reason;
    }
}

package weft.ipam;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import weft.gossip.PeerName;

/**
 * What the allocator is doing, for {@code weft status ipam}: the phase, exactly what it waits for, its
 * space, its waiting requests with their reasons, and every conflict it has seen.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param waitingFor         one line: which peers, which quorum, or which owners of space; "nothing" when ready
 * @param ring               the identity of our ring, when there is one
 * @param ownedRanges        the ranges this peer owns
 * @param freeAddresses      addresses of our ranges not handed out
 * @param allocations        addresses handed out
 * @param conflicts          merge conflicts and repairs, newest last (bounded)
 * @param persistenceFailure why the last save failed; while present, nothing leaves this peer
 */
public record IpamStatus(PeerName self, Phase phase, String waitingFor, Optional<RingId> ring,
        List<AddressRange> ownedRanges, long freeAddresses, int allocations, List<Waiting> pending,
        List<RingConflict> conflicts, Optional<String> persistenceFailure) {

    /** Where the allocator is in its life. */
    public enum Phase {
        /** No ring, and nothing asked for one yet (consensus is lazy). */
        IDLE,
        /** Voting on the seed list. */
        AWAITING_CONSENSUS,
        /** An observer (or a loser of consensus) waiting for a ring from others. */
        AWAITING_RING,
        /** A ring exists; requests are served. */
        READY,
        /** Ready, but an independently initialised ring that wins over ours was seen: see conflicts. */
        RING_CONFLICT
    }

    /** A request that is not done yet. */
    public record Waiting(String owner, String request, String reason, Duration waited) {}

    public IpamStatus {
        ownedRanges = List.copyOf(ownedRanges);
        pending = List.copyOf(pending);
        conflicts = List.copyOf(conflicts);
    }
}

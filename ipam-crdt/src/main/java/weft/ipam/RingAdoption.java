package weft.ipam;

import java.util.List;
import java.util.Optional;
import weft.gossip.PeerName;

/**
 * What this peer does with a ring another peer sends: takes it when we have none, merges it into ours
 * when it is the same ring (our addresses in ranges now owned by others go to {@link DisplacedAddresses}, which
 * asks for them back), and when it was
 * initialised independently of ours, switches to it only if it wins and we hold no addresses; otherwise
 * it keeps ours, remembers the winner and reports the conflict until an operator calls
 * {@link #adoptWinningRing()}. Rings of another range are never merged.
 *
 * <p>Owned by the mesh loop, like the {@link Allocator} that creates it.
 */
final class RingAdoption {
    private static final System.Logger LOG = System.getLogger(Allocator.class.getName());

    private final AllocatorState state;
    private final DurableOutbox outbox;
    private final ConflictLog conflicts;
    private final DisplacedAddresses displaced;
    private Ring winningForeignRing; // an independent ring that beats ours, while we keep ours

    RingAdoption(AllocatorState state, DurableOutbox outbox, ConflictLog conflicts, DisplacedAddresses displaced) {
        this.state = state;
        this.outbox = outbox;
        this.conflicts = conflicts;
        this.displaced = displaced;
    }

    /** An independently initialised ring that wins over ours, while we keep ours because we hold addresses. */
    Optional<Ring> winningForeignRing() {
        return Optional.ofNullable(winningForeignRing);
    }

    /** Takes or merges {@code incoming} as the class comment says; returns whether our ring changed. */
    boolean merge(Ring incoming) {
        Ring ring = state.ring();
        if (!incoming.isInitialised()) {
            return false;
        }
        if (!incoming.universe().equals(ring.universe())) {
            conflicts.add(ring.merge(incoming).conflicts().getFirst());
            return false;
        }
        if (!ring.isInitialised()) {
            state.setRing(incoming);
            outbox.changed();
            outbox.broadcastState();
            return true;
        }
        if (!incoming.identity().equals(ring.identity())) {
            return onIndependentRing(incoming);
        }
        RingMerge merge = ring.merge(incoming);
        merge.conflicts().forEach(conflicts::add);
        Ring merged = merge.ring();
        if (merged.equals(ring)) {
            return false;
        }
        Space space = state.space();
        for (int i = 0; i < merged.entries().size(); i++) { // entries x log(allocations), not allocations
            PeerName owner = merged.entries().get(i).owner();
            if (owner.equals(state.self())) {
                continue;
            }
            AddressRange range = merged.rangeOf(i);
            for (long address : List.copyOf(space.allocations().subMap(range.start(), range.end()).keySet())) {
                displaced.displaced(address, space.holder(address), owner);
            }
        }
        state.setRing(merged);
        outbox.changed();
        return true;
    }

    private boolean onIndependentRing(Ring incoming) {
        Ring ring = state.ring();
        Space space = state.space();
        boolean theyWin = incoming.identity().compareTo(ring.identity()) < 0;
        String detail = "two independently initialised rings: " + (theyWin ? incoming.identity() + " wins over ours, "
                + ring.identity() : "ours, " + ring.identity() + ", wins over " + incoming.identity());
        if (theyWin && space.isEmpty()) {
            conflicts.add(new RingConflict(RingConflict.Kind.INDEPENDENT_RINGS, detail
                    + "; we held no addresses and switched to the winner"));
            LOG.log(System.Logger.Level.WARNING, detail + "; switching (no addresses held)");
            state.setRing(incoming);
            winningForeignRing = null;
            outbox.changed();
            outbox.broadcastState();
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
                conflicts.add(new RingConflict(RingConflict.Kind.INDEPENDENT_RINGS, detail + "; we hold "
                        + space.size() + " addresses, so we keep ours until adoptWinningRing"));
            }
        } else {
            conflicts.add(new RingConflict(RingConflict.Kind.INDEPENDENT_RINGS, detail));
        }
        return false;
    }

    /**
     * Drops our ring and every address we handed out from it, and adopts the winning ring we have seen.
     * Returns the addresses dropped, or empty when there is no winning ring to adopt.
     */
    Optional<List<Long>> adoptWinningRing() {
        if (winningForeignRing == null) {
            return Optional.empty();
        }
        Space space = state.space();
        List<Long> dropped = List.copyOf(space.allocations().keySet());
        for (long a : dropped) {
            space.release(a);
        }
        LOG.log(System.Logger.Level.WARNING, "adopting " + winningForeignRing.identity() + " instead of "
                + state.ring().identity() + "; dropped " + dropped.size() + " addresses");
        state.setRing(winningForeignRing);
        winningForeignRing = null;
        outbox.changed();
        outbox.broadcastState();
        return Optional.of(dropped);
    }
}

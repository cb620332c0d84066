package weft.ipam;

import java.util.List;
import weft.gossip.PeerName;

/**
 * This peer leaving the ring for good ({@code weft reset}): it forgets every allocation (the containers go too) and
 * gives every range of ours to one reachable peer, the first by name, as a takeover would, so that nobody needs to
 * run {@code rmpeer} for us. The leave is confirmed once a peer sends a ring of ours in which we own nothing: the
 * heir answers the state we unicast it with its own (see {@code Allocator#onUnicast}).
 *
 * <p>Owned by the mesh loop, like the {@link Allocator} that creates it.
 */
final class Leaving {
    private static final System.Logger LOG = System.getLogger(Allocator.class.getName());

    private final AllocatorState state;
    private final DurableOutbox outbox;
    private PeerName heir; // of our leave, until then null
    private boolean confirmed;

    Leaving(AllocatorState state, DurableOutbox outbox) {
        this.state = state;
        this.outbox = outbox;
    }

    /** Leaves as the class comment says; returns what happened, in words. */
    String leave() {
        Ring ring = state.ring();
        if (!ring.isInitialised()) {
            confirmed = true;
            return "no allocation ring yet: nothing to give away";
        }
        Space space = state.space();
        int dropped = space.size();
        for (long address : List.copyOf(space.allocations().keySet())) {
            space.release(address);
        }
        List<AddressRange> ours = ring.rangesOwnedBy(state.self());
        long addresses = ours.stream().mapToLong(AddressRange::size).sum();
        PeerName to = state.alive().stream().filter(p -> !p.equals(state.self())).findFirst().orElse(null);
        if (ours.isEmpty() || to == null) {
            outbox.changed();
            outbox.flush();
            confirmed = ours.isEmpty();
            return "dropped " + dropped + " allocations; " + (ours.isEmpty() ? "this peer owned no addresses"
                    : "no peer is reachable to take our " + addresses + " addresses " + ours + ": they stay ours until"
                    + " 'weft rmpeer " + state.self() + "' runs on another peer");
        }
        heir = to;
        confirmed = false;
        state.setRing(ring.takeOver(state.self(), to));
        state.refreshFree();
        outbox.changed();
        outbox.broadcastState();
        outbox.unicastState(to);
        outbox.flush();
        LOG.log(System.Logger.Level.INFO, "leaving: gave " + addresses + " addresses " + ours + " to peer " + to
                + " and dropped " + dropped + " allocations");
        return "dropped " + dropped + " allocations; gave " + addresses + " addresses " + ours + " to peer " + to;
    }

    /** A peer's ring of ours arrived: once we have left, one in which we own nothing confirms the leave. */
    void onRing(Ring incoming) {
        if (heir != null && incoming.isInitialised() && incoming.identity().equals(state.ring().identity())
                && incoming.rangesOwnedBy(state.self()).isEmpty()) {
            confirmed = true;
        }
    }

    /** Whether a peer has shown that it knows of our leave. */
    boolean confirmed() {
        return confirmed;
    }
}

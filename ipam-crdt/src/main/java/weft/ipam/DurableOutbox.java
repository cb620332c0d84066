package weft.ipam;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import weft.gossip.PeerName;
import weft.gossip.channel.Gossip;

/**
 * The allocator's durability rule: nothing that reflects a change leaves this peer before the change is
 * saved. The allocator's parts mark the state changed and queue messages and results here; {@link #flush()}
 * saves a {@link Snapshot} if anything changed, and only then broadcasts, sends and completes, in that
 * order. While a save fails, all of it is held, and every later flush tries again.
 *
 * <p>Owned by the mesh loop, like the {@link Allocator} that creates it.
 */
final class DurableOutbox {
    private final AllocatorState state;
    private final Persistence persistence;
    private final List<Runnable> afterDurable = new ArrayList<>();
    private Gossip gossip; // connected once, as the last step of the allocator's constructor
    private IpamMessage.State published; // the last durable state: all that others may learn from us
    private boolean dirty;
    private boolean broadcastDue;
    private boolean kickDue;
    private String persistenceFailure;

    /** @param state its current state counts as durable (restored from disk, or nothing yet) */
    DurableOutbox(AllocatorState state, Persistence persistence) {
        this.state = state;
        this.persistence = persistence;
        this.published = state.currentState();
    }

    /** Sets where messages go once they may leave; the allocator calls it once, after wiring its parts. */
    void connect(Gossip gossip) {
        if (this.gossip != null) {
            throw new IllegalStateException("ipam outbox connected twice");
        }
        this.gossip = gossip;
    }

    /** The state changed: save it at the next flush. */
    void changed() {
        dirty = true;
    }

    /** Broadcast our state at the next successful flush, before anything else queued. */
    void broadcastState() {
        broadcastDue = true;
    }

    /** Ask every reachable peer to start consensus at the next successful flush (an observer without a ring). */
    void kickPeers() {
        kickDue = true;
    }

    /** Runs {@code action} after the next successful save, e.g. completing a request's future. */
    void afterSave(Runnable action) {
        afterDurable.add(action);
    }

    /** Sends {@code message} to {@code to} after the next successful save. */
    void unicast(PeerName to, IpamMessage message) {
        afterDurable.add(() -> gossip.unicast(to, IpamCodec.encode(message)));
    }

    /** Sends our state to {@code to} after the next successful save, as it is then. */
    void unicastState(PeerName to) {
        afterDurable.add(() -> gossip.unicast(to, IpamCodec.encode(state.currentState())));
    }

    /** The last state saved durably: gossiping anything newer could be undone by a crash. */
    IpamMessage.State published() {
        return published;
    }

    /** Why the last save failed, while it keeps failing. */
    Optional<String> persistenceFailure() {
        return Optional.ofNullable(persistenceFailure);
    }

    /**
     * Saves if anything changed, then releases what waited for durability: messages, then results.
     * Nothing leaves while a save is failing.
     */
    void flush() {
        if (dirty && persistence != Persistence.NONE) {
            // a full snapshot per handler call: O(allocations); TODO(weft#ipam-journal) append-only journal
            Optional<String> failure = persistence.save(state.snapshot());
            if (failure.isPresent()) {
                persistenceFailure = failure.get();
                return;
            }
            persistenceFailure = null;
        }
        dirty = false;
        published = state.currentState();
        if (broadcastDue) {
            broadcastDue = false;
            IpamGossipData data = new IpamGossipData(state.currentState());
            afterDurable.addFirst(() -> gossip.broadcast(data));
        }
        if (kickDue) {
            kickDue = false;
            byte[] kick = IpamCodec.encode(new IpamMessage.Kick());
            for (PeerName peer : state.alive()) {
                afterDurable.add(() -> gossip.unicast(peer, kick));
            }
        }
        List<Runnable> ready = List.copyOf(afterDurable);
        afterDurable.clear();
        ready.forEach(Runnable::run); // may re-enter (a future's dependents): the list is already clear
    }
}

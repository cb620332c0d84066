package weft.ipam;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import weft.gossip.PeerName;
import weft.gossip.channel.Gossip;

/**
 * The allocator's durability rule: nothing that reflects a change leaves this peer before the change is
 * saved. The allocator's parts mark the state changed and queue messages and results here; {@link #flush()}
 * hands a {@link Snapshot} to the {@link SnapshotSaver} if anything changed, and only once the save is done
 * broadcasts, sends and completes, in that order. While a save fails, all of it is held, and every later flush
 * tries again.
 *
 * <p>Saves may finish later, on a writer thread ({@link SnapshotWriter}); the rule holds because of three
 * invariants:
 * <ul>
 * <li>A save takes with it exactly what was queued before its snapshot was taken, so everything it releases
 *     was decided on state the snapshot contains. What is queued while it is in flight waits for the next
 *     save, which the completion starts (its snapshot contains whatever those waited on).
 * <li>While a save is in flight nothing is released, not even what needs no new save: it may depend on a
 *     change that is still on its way to disk.
 * <li>What leaves carries the state of the snapshot that was saved, never the state as it is when the save
 *     completes ({@link #published()}, the broadcast, {@link #unicastState}), since that may already hold
 *     changes that are not durable yet.
 * </ul>
 *
 * <p>Owned by the mesh loop, like the {@link Allocator} that creates it; the saver's completions run there.
 */
final class DurableOutbox {
    /** What one save releases. */
    private record Held(List<Consumer<IpamMessage.State>> actions, boolean broadcast, boolean kick) {}

    private final AllocatorState state;
    private final SnapshotSaver saver;
    // each action gets the state that was saved before it: the only state it may tell others of
    private List<Consumer<IpamMessage.State>> afterDurable = new ArrayList<>();
    private Gossip gossip; // connected once, as the last step of the allocator's constructor
    private IpamMessage.State published; // the last durable state: all that others may learn from us
    private boolean dirty;
    private boolean saving;
    private boolean broadcastDue;
    private boolean kickDue;
    private String persistenceFailure;

    /** @param state its current state counts as durable (restored from disk, or nothing yet) */
    DurableOutbox(AllocatorState state, SnapshotSaver saver) {
        this.state = state;
        this.saver = saver;
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
        afterDurable.add(durable -> action.run());
    }

    /** Sends {@code message} to {@code to} after the next successful save. */
    void unicast(PeerName to, IpamMessage message) {
        afterDurable.add(durable -> gossip.unicast(to, IpamCodec.encode(message)));
    }

    /** Sends our state to {@code to} after the next successful save, as that save left it. */
    void unicastState(PeerName to) {
        afterDurable.add(durable -> gossip.unicast(to, IpamCodec.encode(durable)));
    }

    /** The last state saved durably: gossiping anything newer could be undone by a crash. */
    IpamMessage.State published() {
        return published;
    }

    /** Why the last save failed, while it keeps failing. */
    Optional<String> persistenceFailure() {
        return Optional.ofNullable(persistenceFailure);
    }

    /** Whether a save is in flight; what was queued meanwhile waits for it. */
    boolean saving() {
        return saving;
    }

    /**
     * Starts a save if anything changed, and releases what waited for durability (messages, then results) once
     * it is done; releases at once when nothing changed and no save is in flight. Nothing leaves while a save
     * is failing or in flight.
     */
    void flush() {
        if (saving) {
            return; // the save's completion flushes again
        }
        if (dirty && saver != SnapshotSaver.NONE) {
            // one Snapshot per save: the allocations copied (linear); the writer writes only what changed (journal)
            dirty = false;
            saving = true;
            IpamMessage.State durable = state.currentState();
            Held held = takeHeld();
            // may complete at once (an inline saver): every field is set for re-entry before this call
            saver.save(state.snapshot(), failure -> onSaved(durable, held, failure));
            return;
        }
        dirty = false;
        published = state.currentState();
        release(takeHeld(), published);
    }

    private void onSaved(IpamMessage.State durable, Held held, Optional<String> failure) {
        saving = false;
        if (failure.isPresent()) {
            persistenceFailure = failure.get();
            dirty = true; // the next flush saves again: what failed plus whatever changed since
            List<Consumer<IpamMessage.State>> later = afterDurable;
            afterDurable = new ArrayList<>(held.actions());
            afterDurable.addAll(later); // in their order: what failed went first
            broadcastDue |= held.broadcast();
            kickDue |= held.kick();
            return;
        }
        persistenceFailure = null;
        published = durable;
        release(held, durable);
        flush(); // what changed or was queued while the save was in flight
    }

    private Held takeHeld() {
        Held held = new Held(afterDurable, broadcastDue, kickDue);
        afterDurable = new ArrayList<>();
        broadcastDue = false;
        kickDue = false;
        return held;
    }

    /** Sends and completes what {@code held} holds: the broadcast first, then in order, then the kicks. */
    private void release(Held held, IpamMessage.State durable) {
        List<Consumer<IpamMessage.State>> ready = new ArrayList<>(held.actions().size() + 1);
        if (held.broadcast()) {
            IpamGossipData data = new IpamGossipData(durable);
            ready.add(d -> gossip.broadcast(data));
        }
        ready.addAll(held.actions());
        if (held.kick()) {
            byte[] kick = IpamCodec.encode(new IpamMessage.Kick());
            for (PeerName peer : state.alive()) {
                ready.add(d -> gossip.unicast(peer, kick));
            }
        }
        // may re-enter (a future's dependents) and queue or flush more: what is held here is already taken
        ready.forEach(action -> action.accept(durable));
    }
}

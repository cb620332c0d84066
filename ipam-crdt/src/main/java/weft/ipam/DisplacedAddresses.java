package weft.ipam;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import weft.gossip.PeerName;

/**
 * Addresses this peer handed out in ranges that another peer took over while we were away (an {@code rmpeer} of
 * us, then our return with our old snapshot). The taker forgot what we handed out there and may have given the
 * same addresses to its own containers, so we must not keep them on our word alone: each is out of our space at
 * once and asked back from the range's owner. The owner grants a block that holds it when it is free there (the
 * ring change makes it ours again, and it goes back to its holder), or denies it. A denial, an owner that
 * stays unreachable, or one that never answers (a release without address requests drops the message) loses the
 * address for good: its holder must stop using it, which is the router's part. Nothing here is persisted: after
 * a crash, what is neither held nor asked for counts as lost, which is the safe side.
 *
 * <p>Owned by the mesh loop, like the {@link Allocator} that creates it.
 */
final class DisplacedAddresses {
    private static final System.Logger LOG = System.getLogger(Allocator.class.getName());
    /** Ticks we ask a reachable owner before we take its silence for a refusal. */
    static final int MAX_ASKS = 5;
    /** Ticks we wait for an unreachable owner before we give up on it. */
    static final int MAX_UNREACHABLE_TICKS = 10;
    /** Outcomes kept for the status. */
    static final int MAX_OUTCOMES = 256;

    private static final class Asking {
        final String holder;
        long sinceTick;
        long askedAtTick = -1;
        int asks;

        Asking(String holder, long sinceTick) {
            this.holder = holder;
            this.sinceTick = sinceTick;
        }
    }

    private final AllocatorState state;
    private final DurableOutbox outbox;
    private final ConflictLog conflicts;
    private final Map<Long, Asking> asking = new TreeMap<>();
    private final Map<Long, Displacement> outcomes = new LinkedHashMap<>(); // oldest first, bounded

    DisplacedAddresses(AllocatorState state, DurableOutbox outbox, ConflictLog conflicts) {
        this.state = state;
        this.outbox = outbox;
        this.conflicts = conflicts;
    }

    /** {@code address}, held by {@code holder} here, lies in a range {@code owner} now owns: out of our space, ask. */
    void displaced(long address, String holder, PeerName owner) {
        state.space().release(address);
        asking.put(address, new Asking(holder, state.ticks()));
        outcomes.remove(address);
        conflicts.add(new RingConflict(RingConflict.Kind.RANGE_TAKEN_OVER, AddressRange.format(address) + " of " + holder
                + " lies in a range now owned by peer " + owner + " (it took over our ranges while we were away);"
                + " asking it for the address back"));
    }

    /**
     * After our ring changed or a tick: takes back what is ours again, asks the owners of the rest (once per tick),
     * and gives up on those that waited too long.
     */
    void settle() {
        Ring ring = state.ring();
        for (var it = asking.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            long address = e.getKey();
            Asking a = e.getValue();
            PeerName owner = ring.ownerOf(address);
            if (state.self().equals(owner)) {
                it.remove();
                if (state.space().holder(address) == null) {
                    state.space().take(address, a.holder);
                    outbox.changed();
                    outbox.afterSave(() -> resolve(address, a.holder, Displacement.Outcome.KEPT, "peer gave it back; " + a.holder + " keeps it"));
                } else {
                    resolve(address, a.holder, Displacement.Outcome.LOST, "ours again, but held by " + state.space().holder(address));
                }
                continue;
            }
            if (!state.isAlive(owner)) {
                if (state.ticks() - a.sinceTick >= MAX_UNREACHABLE_TICKS) {
                    it.remove();
                    resolve(address, a.holder, Displacement.Outcome.LOST, "its owner, peer " + owner + ", stayed unreachable for "
                            + MAX_UNREACHABLE_TICKS + " s and may have handed it out");
                }
                continue;
            }
            if (a.askedAtTick == state.ticks()) {
                continue;
            }
            if (a.asks >= MAX_ASKS) {
                it.remove();
                resolve(address, a.holder, Displacement.Outcome.LOST, "its owner, peer " + owner + ", did not answer " + MAX_ASKS
                        + " requests for it (a release without address requests?)");
                continue;
            }
            a.askedAtTick = state.ticks();
            a.asks++;
            outbox.unicast(owner, new IpamMessage.AddressRequest(address));
        }
    }

    /** {@code from} cannot give {@code address} back: lost, if {@code from} still owns it as far as we know. */
    void onDenied(PeerName from, long address) {
        Asking a = asking.get(address);
        if (a == null || !from.equals(state.ring().ownerOf(address))) {
            return; // not ours to ask about, or the range moved on: the next tick asks its new owner
        }
        asking.remove(address);
        resolve(address, a.holder, Displacement.Outcome.LOST, "its owner, peer " + from + ", has handed it out or cannot give it");
    }

    private void resolve(long address, String holder, Displacement.Outcome outcome, String detail) {
        if (outcomes.size() == MAX_OUTCOMES) {
            outcomes.remove(outcomes.keySet().iterator().next());
        }
        outcomes.put(address, new Displacement(address, holder, outcome, detail));
        String line = AddressRange.format(address) + " of " + holder + (outcome == Displacement.Outcome.KEPT ? " kept: " : " lost: ") + detail;
        conflicts.add(new RingConflict(RingConflict.Kind.RANGE_TAKEN_OVER, line));
        LOG.log(outcome == Displacement.Outcome.KEPT ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "ipam: " + line);
    }

    /** The addresses being asked for and the latest outcomes, in address order for those asked, oldest first after. */
    List<Displacement> list() {
        List<Displacement> out = new ArrayList<>();
        asking.forEach((address, a) -> out.add(new Displacement(address, a.holder, Displacement.Outcome.ASKING,
                "asked peer " + state.ring().ownerOf(address) + " " + a.asks + " times")));
        out.addAll(outcomes.values());
        return Collections.unmodifiableList(out);
    }

    /** Whether {@code address} is being asked back (its holder may go on using it until the answer). */
    boolean isAsking(long address) {
        return asking.containsKey(address);
    }
}

package weft.ipam;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import weft.gossip.PeerName;

/**
 * The allocations and claims not done yet. Each is tried when submitted and again whenever something
 * could let it finish (a ring, new space, a reachable peer, a tick); meanwhile it keeps the reason it
 * waits, and after {@link AllocatorConfig#requestTimeout()} it fails with that reason. Results go through
 * the {@link DurableOutbox}, so a future completes only once what it reports is saved.
 *
 * <p>Owned by the mesh loop, like the {@link Allocator} that creates it; futures complete there.
 */
final class PendingRequests {
    /** Ticks a claim asks a reachable owner to hand its address over before it takes the silence for a refusal. */
    static final int MAX_HANDOVER_ASKS = 5;
    /** An address, the same for the same owner; another address for the owner each time; one address named. */
    private enum Kind { ALLOCATE, ALLOCATE_NEW, CLAIM }

    /** One request and why it waits. */
    static final class Pending {
        final Kind kind;
        final String owner;
        final AddressRange subnet;
        final long address; // CLAIM only
        final CompletableFuture<AllocationResult> result = new CompletableFuture<>();
        final Instant since;
        String reason = "not tried yet";
        long askedAtTick = -1;
        int asks;
        PeerName askedOwner; // CLAIM only: whom the asks went to

        private Pending(Kind kind, String owner, AddressRange subnet, long address, Instant since) {
            this.kind = kind;
            this.owner = owner;
            this.subnet = subnet;
            this.address = address;
            this.since = since;
        }

        String describe() {
            return kind == Kind.CLAIM ? "claim " + AddressRange.format(address) : "allocate in " + subnet;
        }
    }

    private final AllocatorState state;
    private final DurableOutbox outbox;
    private final Initialisation init;
    private final SpaceDonation donation;
    private final Supplier<String> waitingFor;
    private final List<Pending> pending = new ArrayList<>();

    /** @param waitingFor what the allocator waits for, as its status says; the reason of requests without a ring */
    PendingRequests(AllocatorState state, DurableOutbox outbox, Initialisation init, SpaceDonation donation,
            Supplier<String> waitingFor) {
        this.state = state;
        this.outbox = outbox;
        this.init = init;
        this.donation = donation;
        this.waitingFor = waitingFor;
    }

    /** Requests an address for {@code owner} in {@code subnet}; the same owner gets the same address. */
    CompletableFuture<AllocationResult> allocate(String owner, AddressRange subnet, Instant now) {
        return submit(new Pending(Kind.ALLOCATE, owner, subnet, 0, now));
    }

    /** Requests an address in {@code subnet} that {@code owner} does not hold yet, whatever it holds already. */
    CompletableFuture<AllocationResult> allocateNew(String owner, AddressRange subnet, Instant now) {
        return submit(new Pending(Kind.ALLOCATE_NEW, owner, subnet, 0, now));
    }

    /** Requests {@code address} for {@code owner}; {@code subnet} is the one the result names. */
    CompletableFuture<AllocationResult> claim(String owner, long address, AddressRange subnet, Instant now) {
        return submit(new Pending(Kind.CLAIM, owner, subnet, address, now));
    }

    private CompletableFuture<AllocationResult> submit(Pending p) {
        pending.add(p);
        if (attempt(p)) {
            pending.remove(p);
        }
        return p.result;
    }

    /** Tries every waiting request again. */
    void processPending() {
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (attempt(p)) {
                it.remove();
            }
        }
    }

    /** Fails every request that has waited {@link AllocatorConfig#requestTimeout()} or longer. */
    void expire(Instant now) {
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            Duration waited = Duration.between(p.since, now);
            if (waited.compareTo(state.config().requestTimeout()) >= 0) {
                it.remove();
                complete(p, new AllocationResult.Failed("gave up after " + waited.toSeconds() + "s: " + p.reason + remedy(p.reason)));
            }
        }
    }

    /**
     * {@code from} had no space in {@code subnet}. The requests there ask again on the next tick, not now:
     * with stale free counts an immediate retry could bounce between peers that all have nothing.
     */
    void onSpaceDenied(PeerName from, AddressRange subnet) {
        for (Pending p : pending) {
            if (p.subnet.equals(subnet)) {
                p.reason = "peer " + from + " had no space in " + subnet + "; asking again next tick";
            }
        }
    }

    /**
     * Our request to {@code to} for space in {@code subnet} never left this peer ({@code why}). The requests there
     * ask again on the next tick, like after a denial; until then, and in their failure if time runs out, their
     * reason says why.
     */
    void onRequestRefused(PeerName to, AddressRange subnet, String why) {
        for (Pending p : pending) {
            if (p.subnet.equals(subnet)) {
                p.reason = "our request to peer " + to + " for space in " + subnet + " was not sent (" + why
                        + "); asking again next tick";
            }
        }
    }

    /**
     * Drops the waiting request whose result is {@code result}, failing it with {@code why}: its caller is gone, and
     * an address it got now would be held for nobody. Returns whether one was waiting.
     */
    boolean abandon(CompletableFuture<AllocationResult> result, String why) {
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.result == result) {
                it.remove();
                p.result.complete(new AllocationResult.Failed(why));
                return true;
            }
        }
        return false;
    }

    /** The waiting requests, oldest first. */
    List<Pending> waiting() {
        return Collections.unmodifiableList(pending);
    }

    /** What the operator can do about a request that waited for a ring in vain. */
    private static String remedy(String reason) {
        if (!reason.startsWith("no ring yet")) return "";
        return "; start the missing initial peers (each 'weft launch' names the others); if some will never come, relaunch"
                + " the peers with --ipalloc-init consensus=N, N the number that will ('weft status ipam' shows who was heard)";
    }

    /** Tries to finish {@code p}; returns true when it is done (result queued). */
    private boolean attempt(Pending p) {
        Ring ring = state.ring();
        Space space = state.space();
        if (!ring.isInitialised()) {
            init.trigger();
            p.reason = "no ring yet: " + waitingFor.get();
            return false;
        }
        if (p.kind == Kind.CLAIM) {
            PeerName owner = ring.ownerOf(p.address);
            if (!owner.equals(state.self())) {
                return askHandOver(p, owner);
            }
            String holder = space.holder(p.address);
            if (holder == null) {
                space.take(p.address, p.owner);
                outbox.changed();
            } else if (!holder.equals(p.owner)) {
                complete(p, new AllocationResult.Failed(AddressRange.format(p.address) + " is held by " + holder));
                return true;
            }
            complete(p, new AllocationResult.Allocated(p.address, p.subnet));
            return true;
        }
        OptionalLong existing = p.kind == Kind.ALLOCATE ? space.addressOf(p.owner, p.subnet.hosts()) : OptionalLong.empty();
        if (existing.isPresent()) {
            complete(p, new AllocationResult.Allocated(existing.getAsLong(), p.subnet));
            return true;
        }
        OptionalLong free = space.findFree(ring.rangesOwnedBy(state.self()), p.subnet.hosts());
        if (free.isPresent()) {
            space.take(free.getAsLong(), p.owner);
            outbox.changed();
            complete(p, new AllocationResult.Allocated(free.getAsLong(), p.subnet));
            return true;
        }
        donation.ask(p);
        return false;
    }

    /**
     * A claim of an address in {@code owner}'s range: asks the owner to hand it over (once per tick; the grant is a ring
     * change, after which the claim is tried again and finds the address ours). An owner that is unreachable cannot, and
     * nobody else may, so the claim fails at once; one that stays silent is taken for a refusal. Returns true when the
     * claim is done.
     */
    private boolean askHandOver(Pending p, PeerName owner) {
        String address = AddressRange.format(p.address);
        if (!state.isAlive(owner)) {
            complete(p, new AllocationResult.Failed(address + " lies in a range owned by peer " + owner + ", which is unreachable:"
                    + " only it can hand the address over; claim it again once that peer is back, or, if it is gone for good,"
                    + " take its ranges over with 'weft rmpeer " + owner + "'"));
            return true;
        }
        if (!owner.equals(p.askedOwner)) { // the range moved on: its new owner is asked afresh
            p.askedOwner = owner;
            p.asks = 0;
        }
        if (p.askedAtTick == state.ticks()) {
            return false;
        }
        if (p.asks >= MAX_HANDOVER_ASKS) {
            complete(p, new AllocationResult.Failed(address + " lies in a range owned by peer " + owner + ", which did not answer "
                    + p.asks + " requests to hand it over (a release that cannot?)"));
            return true;
        }
        p.askedAtTick = state.ticks();
        p.asks++;
        p.reason = "asked peer " + owner + ", which owns its range, to hand " + address + " over (request " + p.asks + ")";
        outbox.unicast(owner, new IpamMessage.AddressRequest(p.address));
        return false;
    }

    /**
     * {@code from} did not hand {@code address} over: the claims of it fail, if {@code from} still owns it as far as we
     * know (otherwise the range moved on, and its new owner is asked on the next try). The owner refuses an address one
     * of its containers holds, and one it has just handed to another peer: of two claims at once, one wins.
     */
    void onAddressDenied(PeerName from, long address) {
        if (!from.equals(state.ring().ownerOf(address))) {
            return;
        }
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.kind == Kind.CLAIM && p.address == address) {
                it.remove();
                complete(p, new AllocationResult.Failed(AddressRange.format(address) + " is in use at peer " + from
                        + ", which owns its range (a container there holds it, or it was just handed to another peer)"));
            }
        }
    }

    /** Our request to {@code to} for {@code address} did not leave ({@code why}); the claims of it ask again next tick. */
    void onAddressRequestRefused(PeerName to, long address, String why) {
        for (Pending p : pending) {
            if (p.kind == Kind.CLAIM && p.address == address) {
                p.reason = "our request to peer " + to + " to hand " + AddressRange.format(address) + " over was not sent ("
                        + why + "); asking again next tick";
            }
        }
    }

    private void complete(Pending p, AllocationResult result) {
        outbox.afterSave(() -> {
            // held while a save failed, the owner may have released the address meanwhile
            if (result instanceof AllocationResult.Allocated(long address, var subnet)
                    && !p.owner.equals(state.space().holder(address))) {
                p.result.complete(new AllocationResult.Failed(AddressRange.format(address) + " was released by "
                        + p.owner + " before the allocation was saved"));
            } else {
                p.result.complete(result);
            }
        });
    }
}

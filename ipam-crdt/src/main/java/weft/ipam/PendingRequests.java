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
                complete(p, new AllocationResult.Failed(AddressRange.format(p.address) + " lies in a range owned by peer "
                        + owner + (state.isAlive(owner) ? "" : " (unreachable)")));
                return true;
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

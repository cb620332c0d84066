package weft.ipam;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import weft.gossip.PeerName;

/**
 * Space moving between peers, both sides of it. Asking: a request without free space here asks one
 * reachable peer with reported free space in its subnet, chosen at random weighted by that space, at most
 * once per tick. Giving: a peer asked for space re-owns to the asker the largest aligned block of its free
 * space in the subnet, at most half of it, and sends the asker its ring once that is saved; with nothing
 * to give it says so. Asked for one address in its range (a claim elsewhere, or a peer whose range we took over asking
 * back what it had handed out), it gives the largest aligned free block of ours that holds the address (at most half of
 * our free addresses in that range, at most {@link #MAX_HANDOVER}), or says no: a container here holds it, or the
 * range is not ours (any more).
 *
 * <p>Owned by the mesh loop, like the {@link Allocator} that creates it.
 */
final class SpaceDonation {
    private static final System.Logger LOG = System.getLogger(Allocator.class.getName());

    /** The most addresses handed over for one address asked for. */
    static final long MAX_HANDOVER = 64;

    private final AllocatorState state;
    private final DurableOutbox outbox;
    private final RandomGenerator random;

    SpaceDonation(AllocatorState state, DurableOutbox outbox, RandomGenerator random) {
        this.state = state;
        this.outbox = outbox;
        this.random = random;
    }

    /** Asks a donor for space in {@code p}'s subnet, unless {@code p} asked this tick; says why in its reason. */
    void ask(PendingRequests.Pending p) {
        if (p.askedAtTick == state.ticks()) {
            return; // one request per pending per tick
        }
        Map<PeerName, Long> free = state.ring().freeByOwner(p.subnet.hosts());
        free.remove(state.self());
        long total = 0;
        List<PeerName> unreachable = new ArrayList<>();
        for (var e : free.entrySet()) {
            if (e.getValue() <= 0) {
                continue;
            }
            if (state.isAlive(e.getKey())) {
                total += e.getValue();
            } else {
                unreachable.add(e.getKey());
            }
        }
        if (total == 0) {
            p.reason = unreachable.isEmpty() ? "no free space left in " + p.subnet
                    : "all free space in " + p.subnet + " is owned by unreachable peers " + unreachable
                    + "; if they are dead, take their space over (rmpeer)";
            return;
        }
        long pick = random.nextLong(total); // weighted by reported free space
        PeerName donor = null;
        for (var e : free.entrySet()) {
            if (e.getValue() > 0 && state.isAlive(e.getKey())) {
                pick -= e.getValue();
                if (pick < 0) {
                    donor = e.getKey();
                    break;
                }
            }
        }
        p.askedAtTick = state.ticks();
        p.asks++;
        p.reason = "asked peer " + donor + " for space in " + p.subnet + " (request " + p.asks + ")";
        outbox.unicast(donor, new IpamMessage.SpaceRequest(p.subnet));
    }

    /** {@code from} asked us for space in {@code subnet}: grant a block, or deny. */
    void onSpaceRequest(PeerName from, AddressRange subnet) {
        if (!state.ring().isInitialised() || !state.config().universe().contains(subnet) || from.equals(state.self())) {
            return;
        }
        Optional<AddressRange> block = chooseDonation(state.ring().rangesOwnedBy(state.self()), state.space(), subnet);
        if (block.isEmpty()) {
            outbox.unicast(from, new IpamMessage.SpaceDenied(subnet));
            return;
        }
        state.setRing(state.ring().grant(block.get(), state.self(), from));
        state.refreshFree();
        outbox.changed();
        outbox.broadcastState();
        LOG.log(System.Logger.Level.INFO, "gave " + block.get() + " to peer " + from);
        outbox.unicastState(from);
    }

    /** {@code from} asks for {@code address} (a claim, or one it had before we took over its range): grant a free block that holds it, or deny. */
    void onAddressRequest(PeerName from, long address) {
        Ring ring = state.ring();
        if (!ring.isInitialised() || !state.config().universe().contains(address) || from.equals(state.self())) {
            return;
        }
        if (from.equals(ring.ownerOf(address))) {
            outbox.unicastState(from); // granted already, with an earlier request: it has not seen our ring yet
            return;
        }
        Optional<AddressRange> block = Optional.empty();
        if (state.self().equals(ring.ownerOf(address)) && state.space().holder(address) == null) {
            AddressRange owned = ring.rangesOwnedBy(state.self()).stream().filter(r -> r.contains(address)).findFirst().orElseThrow();
            block = Optional.of(blockAround(address, owned, state.space()));
        }
        if (block.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "peer " + from + " asked for " + AddressRange.format(address) + " back; denied ("
                    + (state.space().holder(address) != null ? "held by " + state.space().holder(address) : "not ours") + ")");
            outbox.unicast(from, new IpamMessage.AddressDenied(address));
            return;
        }
        state.setRing(ring.grant(block.get(), state.self(), from));
        state.refreshFree();
        outbox.changed();
        outbox.broadcastState();
        LOG.log(System.Logger.Level.INFO, "gave " + block.get() + " back to peer " + from + ", which asked for "
                + AddressRange.format(address));
        outbox.unicastState(from);
    }

    /**
     * The largest aligned block of {@code owned} around free {@code address} that is all free in {@code space}, of at
     * most half the free addresses of {@code owned} and at most {@link #MAX_HANDOVER} (but at least the address itself):
     * a claim of one address should not move much of the owner's space.
     */
    static AddressRange blockAround(long address, AddressRange owned, Space space) {
        long cap = Math.min(MAX_HANDOVER, Math.max(1, space.freeIn(owned) / 2));
        AddressRange block = new AddressRange(address, address + 1);
        for (long size = 2; size <= cap; size <<= 1) {
            long start = address / size * size;
            AddressRange bigger = new AddressRange(start, start + size);
            if (!owned.contains(bigger) || space.freeIn(bigger) != size) {
                break;
            }
            block = bigger;
        }
        return block;
    }

    /**
     * What we give when asked for space in {@code subnet}: the largest aligned block of free addresses of
     * {@code owned} (sorted) among the subnet's hosts, at most half of them but at least one; the highest
     * such block on a tie. Empty when none is free.
     */
    static Optional<AddressRange> chooseDonation(List<AddressRange> owned, Space space, AddressRange subnet) {
        List<AddressRange> runs = new ArrayList<>();
        long freeTotal = 0;
        for (AddressRange range : owned) {
            var part = range.intersect(subnet.hosts()); // never give away a network or broadcast address
            if (part.isPresent()) {
                for (AddressRange run : space.freeRuns(part.get())) {
                    runs.add(run);
                    freeTotal += run.size();
                }
            }
        }
        if (freeTotal == 0) {
            return Optional.empty();
        }
        long cap = Math.max(1, freeTotal / 2);
        AddressRange best = null;
        for (AddressRange run : runs) {
            long size = Long.highestOneBit(Math.min(cap, run.size()));
            for (; size > 0; size >>= 1) {
                long start = (run.end() / size) * size - size; // the highest aligned block in the run
                if (start >= run.start()) {
                    AddressRange candidate = new AddressRange(start, start + size);
                    if (best == null || candidate.size() > best.size()
                            || (candidate.size() == best.size() && candidate.start() > best.start())) {
                        best = candidate;
                    }
                    break;
                }
            }
        }
        return Optional.of(best);
    }
}

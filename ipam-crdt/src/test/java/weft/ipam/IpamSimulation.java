package weft.ipam;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import weft.gossip.wire.Decoding;
import weft.crypto.ManualClock;
import weft.gossip.PeerName;
import weft.gossip.channel.Gossip;
import weft.gossip.channel.GossipData;

/**
 * A deterministic simulation of many allocators on an in-memory network: one seed fixes the whole
 * schedule (operations, message loss, duplication, reordering, partitions, crashes with restart from
 * the last saved snapshot bytes, joins, decommissions with takeover, takeovers of a crashed peer that later
 * comes back with its old snapshot, failing disks, claims of addresses in other peers' ranges, two peers at once
 * claiming the same one). Invariants are checked after every step; a violation throws
 * an {@link AssertionError} naming the seed and step. A peer that comes back after a takeover must not keep an
 * address that someone else was handed meanwhile: what its containers held is "displaced" until its allocator
 * says each was kept (then no one else may hold it) or lost (then its container stops using it).
 *
 * <p>Not thread-safe: one simulation per thread.
 */
final class IpamSimulation {
    static final AddressRange UNIVERSE = AddressRange.parse("10.40.0.0/24");
    private static final Duration TICK = Duration.ofSeconds(1);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
    /** Rounds a fresh allocation may take on a healed, quiet mesh (consensus plus a donation or two). */
    static final int LIVENESS_ROUNDS = 40;

    private enum Via { UNICAST, BROADCAST, GOSSIP }

    private record Message(int from, int to, Via via, byte[] payload) {}

    private record Holder(int node, String owner) {}

    private final class Node {
        final int index;
        final PeerName name;
        final InitMode init;
        Allocator allocator; // null while crashed or removed
        byte[] saved;
        boolean removed;
        boolean diskBroken;
        boolean takenOver; // its ranges were taken over while it was down: conflicts about them are expected
        boolean awaitingRejoin; // taken over and not back yet: its saved ring is stale by design
        Node heir; // who took its ranges over, when it was
        int group;

        Node(int index, InitMode init) {
            this.index = index;
            this.name = new PeerName(0x0a0000000000L + index + 1);
            this.init = init;
        }

        boolean running() {
            return allocator != null;
        }

        void start() {
            Optional<Snapshot> restored = Optional.empty();
            if (saved != null) {
                switch (SnapshotCodec.decode(saved)) {
                    case Decoding.Decoded<Snapshot>(Snapshot s) -> restored = Optional.of(s);
                    case Decoding.Refused<Snapshot>(String reason) -> fail("snapshot of " + name + " refused: " + reason);
                }
            }
            AllocatorConfig config = new AllocatorConfig(UNIVERSE, UNIVERSE, init, REQUEST_TIMEOUT);
            allocator = new Allocator(name, config, restored, clock, new SplittableRandom(random.nextLong()),
                    snapshot -> {
                        if (diskBroken) {
                            return Optional.of("disk broken");
                        }
                        saved = SnapshotCodec.encode(snapshot);
                        return Optional.empty();
                    },
                    gossiper -> gossipFor(this));
        }
    }

    private final long seed;
    private final SplittableRandom random;
    private final ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final List<Node> nodes = new ArrayList<>();
    private final List<Message> inflight = new ArrayList<>();
    private final Map<Long, Holder> handedOut = new TreeMap<>(); // what containers believe they hold
    private final Map<Long, Holder> displaced = new TreeMap<>(); // held at a peer whose ranges were taken over
    private final Map<Integer, List<CompletableFuture<AllocationResult>>> futures = new HashMap<>();
    private final int initialPeers;
    private final int maxPeers;
    private final boolean seeded;
    private final double loss;
    private final double duplication;
    private final boolean trace;
    private int step;
    private int nextOwner;
    long operations;
    long allocations;
    long donationsObserved;
    long rejoins;
    long displacedKept;
    long displacedLost;
    long handedOver;
    long refusedClaims;
    int maxLivenessRounds;

    IpamSimulation(long seed, boolean trace) {
        this.seed = seed;
        this.trace = trace;
        this.random = new SplittableRandom(seed);
        this.initialPeers = 2 + random.nextInt(5);
        this.maxPeers = initialPeers + random.nextInt(4);
        this.seeded = random.nextInt(4) == 0;
        this.loss = random.nextInt(3) == 0 ? 0 : random.nextDouble(0.3);
        this.duplication = random.nextDouble(0.1);
        List<PeerName> seeds = new ArrayList<>();
        for (int i = 0; i < initialPeers; i++) {
            seeds.add(new PeerName(0x0a0000000000L + i + 1));
        }
        for (int i = 0; i < initialPeers; i++) {
            nodes.add(new Node(i, seeded ? new InitMode.Seed(seeds) : new InitMode.Consensus(initialPeers)));
        }
        nodes.forEach(Node::start);
        refreshLiveness();
    }

    private void fail(String what) {
        throw new AssertionError("ipam simulation seed " + seed + " step " + step + ": " + what
                + " (replay with -Dipam.sim.seed=" + seed + ")");
    }

    private void log(String line) {
        if (trace) {
            System.out.println("step " + step + ": " + line);
        }
    }

    private Gossip gossipFor(Node node) {
        return new Gossip() {
            @Override
            public void unicast(PeerName to, byte[] payload) {
                inflight.add(new Message(node.index, indexOf(to), Via.UNICAST, payload));
            }

            @Override
            public void broadcast(GossipData data) {
                byte[] payload = data.encode();
                for (Node other : nodes) {
                    if (other != node) {
                        inflight.add(new Message(node.index, other.index, Via.BROADCAST, payload));
                    }
                }
            }

            @Override
            public void gossip(GossipData data) {
                spread(node, data.encode());
            }
        };
    }

    private void spread(Node node, byte[] payload) {
        for (int k = 0; k < 2 && nodes.size() > 1; k++) {
            int to = random.nextInt(nodes.size());
            if (to != node.index) {
                inflight.add(new Message(node.index, to, Via.GOSSIP, payload));
            }
        }
    }

    private int indexOf(PeerName name) {
        return (int) (name.value() - 0x0a0000000000L - 1);
    }

    private boolean reachable(Node a, Node b) {
        return a.running() && b.running() && a.group == b.group;
    }

    private void refreshLiveness() {
        for (Node a : nodes) {
            if (!a.running()) {
                continue;
            }
            for (Node b : nodes) {
                if (a != b) {
                    if (reachable(a, b)) {
                        a.allocator.peerAlive(b.name);
                    } else {
                        a.allocator.peerGone(b.name);
                    }
                }
            }
        }
    }

    private void deliver(Message m, boolean lossy) {
        Node from = nodes.get(m.from());
        Node to = nodes.get(m.to());
        if (!reachable(from, to) || (lossy && random.nextDouble() < loss)) {
            return;
        }
        operations++;
        switch (m.via()) {
            case UNICAST -> to.allocator.onUnicast(from.name, m.payload());
            case BROADCAST -> to.allocator.onBroadcast(from.name, m.payload());
            case GOSSIP -> {
                GossipData news = to.allocator.onGossip(m.payload());
                if (news != null && to.running()) {
                    spread(to, news.encode());
                }
            }
        }
        if (m.via() == Via.UNICAST && m.payload()[0] == 1) {
            donationsObserved++;
        }
    }

    private void deliverSome(int count) {
        for (int k = 0; k < count && !inflight.isEmpty(); k++) {
            Message m = inflight.remove(random.nextInt(inflight.size())); // any order
            if (random.nextDouble() < duplication) {
                inflight.add(m);
            }
            deliver(m, true);
        }
    }

    private void round(boolean lossy) {
        clock.advance(TICK);
        for (Node n : nodes) {
            if (n.running()) {
                n.allocator.tick();
            }
        }
        for (Node n : nodes) { // periodic gossip of the complete state
            if (n.running()) {
                int to = random.nextInt(nodes.size());
                if (to != n.index) {
                    inflight.add(new Message(n.index, to, Via.GOSSIP, n.allocator.completeState().encode()));
                }
            }
        }
        if (lossy) {
            deliverSome(inflight.size());
        } else {
            for (int guard = 0; !inflight.isEmpty() && guard < 100_000; guard++) {
                deliver(inflight.removeFirst(), false);
            }
        }
    }

    private Node randomRunning() {
        List<Node> running = nodes.stream().filter(Node::running).toList();
        return running.isEmpty() ? null : running.get(random.nextInt(running.size()));
    }

    private void track(Node node, String owner, CompletableFuture<AllocationResult> future, Long expected) {
        futures.computeIfAbsent(node.index, k -> new ArrayList<>()).add(future);
        future.thenAccept(result -> {
            log(owner + " at " + node.name + ": " + result);
            if (result instanceof AllocationResult.Allocated(long address, AddressRange subnet)) {
                allocations++;
                Holder mine = new Holder(node.index, owner);
                Holder previous = handedOut.putIfAbsent(address, mine);
                if (previous != null && !previous.equals(mine)) {
                    fail(AddressRange.format(address) + " handed to " + owner + " at " + node.name + " but "
                            + previous.owner() + " at " + nodes.get(previous.node()).name + " holds it");
                }
                if (expected != null && expected != address) {
                    fail(owner + " asked again and got " + AddressRange.format(address) + " instead of "
                            + AddressRange.format(expected));
                }
            }
        });
    }

    /** Claims {@code address} at {@code node} for a new owner; one in another peer's range counts as a hand-over when granted. */
    private void claim(Node node, long address) {
        String owner = "c" + nextOwner++;
        Ring ring = node.allocator.ring();
        boolean elsewhere = ring.isInitialised() && !node.name.equals(ring.ownerOf(address));
        log("claim " + AddressRange.format(address) + " for " + owner + " at " + node.name + (elsewhere ? " (owned by " + ring.ownerOf(address) + ")" : ""));
        CompletableFuture<AllocationResult> result = node.allocator.claim(owner, address);
        track(node, owner, result, null);
        if (elsewhere) {
            result.thenAccept(r -> {
                if (r instanceof AllocationResult.Allocated) handedOver++;
                else refusedClaims++;
            });
        }
    }

    /** Runs {@code steps} random steps, then heals everything and checks that requests complete. */
    IpamSimulation run(int steps) {
        log("peers " + initialPeers + " (max " + maxPeers + "), " + (seeded ? "seeded" : "consensus") + ", loss " + loss);
        for (step = 0; step < steps; step++) {
            randomStep();
            checkInvariants();
        }
        finish();
        return this;
    }

    private void randomStep() {
        int dice = random.nextInt(1000);
        Node node = randomRunning();
        if (dice < 250) {
            if (node == null || handedOut.size() > UNIVERSE.size() * 6 / 10) {
                return;
            }
            String owner;
            Long expected = null;
            List<Map.Entry<Long, Holder>> mine = handedOut.entrySet().stream()
                    .filter(e -> e.getValue().node() == node.index).toList();
            if (!mine.isEmpty() && random.nextInt(8) == 0) {
                var e = mine.get(random.nextInt(mine.size()));
                owner = e.getValue().owner();
                expected = e.getKey();
            } else {
                owner = "c" + nextOwner++;
            }
            log("allocate " + owner + " at " + node.name);
            track(node, owner, node.allocator.allocate(owner), expected);
        } else if (dice < 300) {
            if (node == null) {
                return;
            }
            long address = UNIVERSE.start() + 1 + random.nextLong(UNIVERSE.size() - 2);
            claim(node, address);
            Node rival = randomRunning();
            if (rival != node && random.nextInt(3) == 0) {
                claim(rival, address); // two peers want it at once: at most one may get it
            }
        } else if (dice < 400) {
            List<Map.Entry<Long, Holder>> held = handedOut.entrySet().stream()
                    .filter(e -> nodes.get(e.getValue().node()).running()).toList();
            if (held.isEmpty()) {
                return;
            }
            var e = held.get(random.nextInt(held.size()));
            Node at = nodes.get(e.getValue().node());
            log("release " + e.getValue().owner() + " at " + at.name);
            for (long a : at.allocator.release(e.getValue().owner())) {
                handedOut.remove(a);
            }
        } else if (dice < 700) {
            deliverSome(1 + random.nextInt(10));
        } else if (dice < 880) {
            round(true);
        } else if (dice < 900) {
            log("partition");
            nodes.forEach(n -> n.group = random.nextInt(2));
            refreshLiveness();
        } else if (dice < 925) {
            log("heal");
            nodes.forEach(n -> n.group = 0);
            refreshLiveness();
        } else if (dice < 945) {
            if (node != null) {
                log("crash " + node.name);
                node.allocator = null;
                futures.remove(node.index); // a crashed process's callers are gone with it
                refreshLiveness();
            }
        } else if (dice < 975) {
            List<Node> down = nodes.stream().filter(n -> !n.running() && !n.removed).toList();
            if (!down.isEmpty()) {
                Node n = down.get(random.nextInt(down.size()));
                if (n.awaitingRejoin) {
                    rejoin(n);
                } else {
                    log("restart " + n.name);
                    n.start();
                    refreshLiveness();
                }
            }
        } else if (dice < 985) {
            if (nodes.size() < maxPeers) {
                Node n = new Node(nodes.size(), seeded ? nodes.getFirst().init : new InitMode.Observer());
                nodes.add(n);
                log("join " + n.name + " as " + n.init);
                n.start();
                refreshLiveness();
            }
        } else if (dice < 990) {
            if (random.nextBoolean()) {
                decommission();
            } else {
                takeOverCrashed();
            }
        } else if (dice < 995) {
            if (node != null) {
                node.diskBroken = !node.diskBroken;
                log((node.diskBroken ? "break" : "fix") + " disk of " + node.name);
            }
        } else {
            if (node != null) {
                for (Node other : nodes) {
                    if (other != node && reachable(node, other)) {
                        TakeoverResult r = node.allocator.adminTakeover(other.name, false);
                        if (!(r instanceof TakeoverResult.Refused)) {
                            fail("takeover of reachable " + other.name + " by " + node.name + " was not refused: " + r);
                        }
                    }
                }
            }
        }
    }

    /**
     * Removes a node for good and lets a survivor take over its space, the way a controller would when a
     * node is deleted: on a healthy mesh (everyone else running and connected, messages drained, rings
     * converged). rmpeer cannot be safe against transfers the survivors never heard of.
     */
    private void decommission() {
        List<Node> live = nodes.stream().filter(n -> !n.removed).toList();
        if (live.size() <= 2 || live.stream().anyMatch(n -> !n.running() || n.diskBroken)) {
            return;
        }
        Node victim = live.get(random.nextInt(live.size()));
        log("decommission " + victim.name);
        nodes.forEach(n -> n.group = 0);
        refreshLiveness();
        for (int r = 0; r < 8; r++) {
            round(false);
        }
        victim.allocator = null;
        victim.removed = true;
        futures.remove(victim.index);
        handedOut.values().removeIf(h -> h.node() == victim.index);
        displaced.values().removeIf(h -> h.node() == victim.index);
        refreshLiveness();
        inflight.removeIf(m -> m.from() == victim.index);
        Node heir = randomRunning();
        TakeoverResult result = heir.allocator.adminTakeover(victim.name, false);
        if (result instanceof TakeoverResult.Refused(String reason) && heir.allocator.ring().isInitialised()) {
            fail("takeover of removed " + victim.name + " refused: " + reason);
        }
        TakeoverResult again = heir.allocator.adminTakeover(victim.name, false);
        if (again instanceof TakeoverResult.TookOver(var dead, var ranges, var n) && !ranges.isEmpty()) {
            fail("second takeover of " + victim.name + " took over " + ranges);
        }
    }

    /**
     * Takes over the ranges of a crashed peer that will come back (an rmpeer of a host that was only stopped), on
     * an otherwise healthy mesh. Its containers still hold their addresses: they become displaced.
     */
    private void takeOverCrashed() {
        List<Node> live = nodes.stream().filter(n -> !n.removed).toList();
        List<Node> down = live.stream().filter(n -> !n.running()).toList();
        if (down.size() != 1 || live.size() <= 2 || live.stream().anyMatch(n -> n.diskBroken)) {
            return;
        }
        Node victim = down.getFirst();
        nodes.forEach(n -> n.group = 0);
        refreshLiveness();
        for (int r = 0; r < 8; r++) {
            round(false);
        }
        Node heir = randomRunning();
        if (!heir.allocator.ring().isInitialised()) {
            return;
        }
        log("take over crashed " + victim.name + " at " + heir.name);
        if (heir.allocator.adminTakeover(victim.name, false) instanceof TakeoverResult.Refused(String reason)) {
            fail("takeover of crashed " + victim.name + " refused: " + reason);
        }
        victim.takenOver = true;
        victim.awaitingRejoin = true;
        victim.heir = heir;
        for (int r = 0; r < 8; r++) {
            round(false); // the takeover reaches every running peer, as it would on the healthy mesh an rmpeer needs
        }
        for (var it = handedOut.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue().node() == victim.index) {
                displaced.put(e.getKey(), e.getValue());
                it.remove();
            }
        }
    }

    /**
     * A taken-over peer comes back with its old snapshot, on a healed mesh with its heir up, and hears the ring at
     * once. (Back while no peer that heard of the takeover runs, it could not know: rmpeer's documented limit.)
     */
    private void rejoin(Node n) {
        log("rejoin " + n.name + " after a takeover");
        n.awaitingRejoin = false;
        rejoins++;
        nodes.forEach(o -> o.group = 0);
        if (!n.heir.running() && !n.heir.removed) {
            if (n.heir.awaitingRejoin) {
                rejoin(n.heir);
            } else {
                log("restart heir " + n.heir.name);
                n.heir.start();
            }
        }
        n.start();
        refreshLiveness();
        for (int r = 0; r < 8; r++) {
            round(false);
            settleDisplaced(false);
        }
    }

    /**
     * Follows what a returning peer says of its displaced addresses: kept ones are its containers' again (and then
     * nobody else may hold them), lost ones its containers stop using, and one its allocator neither holds durably
     * nor asks for counts as lost, as the router's audit treats it.
     */
    private void settleDisplaced(boolean converged) {
        for (var it = displaced.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            long address = e.getKey();
            Holder holder = e.getValue();
            Node n = nodes.get(holder.node());
            if (!n.running()) {
                continue;
            }
            Displacement d = n.allocator.displacements().stream().filter(x -> x.address() == address).findFirst().orElse(null);
            boolean holds = holder.owner().equals(n.allocator.lookup(address).orElse(null));
            // without a record, only a converged mesh tells: a peer that has not heard of the takeover yet still holds it
            boolean kept = d != null ? d.outcome() == Displacement.Outcome.KEPT : converged && holds && savedHolds(n, address, holder.owner());
            boolean lost = d != null ? d.outcome() == Displacement.Outcome.LOST : !holds;
            if (kept) {
                Holder other = handedOut.putIfAbsent(address, holder);
                if (other != null) {
                    fail(n.name + " kept " + AddressRange.format(address) + " for " + holder.owner() + " but "
                            + other.owner() + " at " + nodes.get(other.node()).name + " was handed it");
                }
                log(AddressRange.format(address) + " of " + holder.owner() + " kept at " + n.name);
                displacedKept++;
                it.remove();
            } else if (lost) {
                log(AddressRange.format(address) + " of " + holder.owner() + " lost at " + n.name);
                displacedLost++;
                it.remove();
            }
        }
    }

    private static boolean savedHolds(Node n, long address, String owner) {
        return n.saved != null && SnapshotCodec.decode(n.saved) instanceof Decoding.Decoded<Snapshot>(Snapshot s)
                && owner.equals(s.allocations().get(address));
    }

    private void checkInvariants() {
        settleDisplaced(false);
        List<Map.Entry<AddressRange, Node>> owned = new ArrayList<>();
        for (Node n : nodes) {
            if (n.removed) {
                continue;
            }
            Ring ring;
            Map<Long, String> held;
            if (n.running()) {
                ring = n.allocator.ring();
                held = n.allocator.snapshot().allocations();
            } else if (n.awaitingRejoin) {
                continue; // its ranges belong to its heir now; it learns so when it comes back
            } else if (n.saved != null) {
                Snapshot s = ((Decoding.Decoded<Snapshot>) SnapshotCodec.decode(n.saved)).value();
                ring = s.ring();
                held = s.allocations();
            } else {
                continue;
            }
            List<String> violations = ring.violations();
            if (!violations.isEmpty()) {
                fail(n.name + " ring broken: " + violations);
            }
            List<AddressRange> mine = ring.rangesOwnedBy(n.name);
            mine.forEach(r -> owned.add(Map.entry(r, n)));
            for (long a : held.keySet()) {
                if (mine.stream().noneMatch(r -> r.contains(a))) {
                    fail(n.name + " holds " + AddressRange.format(a) + " outside its ranges " + mine);
                }
            }
            if (n.running()) {
                for (RingConflict c : n.allocator.status().conflicts()) {
                    if (!(n.takenOver && c.kind() == RingConflict.Kind.RANGE_TAKEN_OVER)) {
                        fail(n.name + " saw a conflict: " + c);
                    }
                }
            }
        }
        owned.sort(Map.Entry.comparingByKey());
        for (int i = 1; i < owned.size(); i++) {
            if (owned.get(i - 1).getKey().overlaps(owned.get(i).getKey())) {
                fail("two live owners: " + owned.get(i - 1).getValue().name + " owns " + owned.get(i - 1).getKey()
                        + " and " + owned.get(i).getValue().name + " owns " + owned.get(i).getKey());
            }
        }
        for (var e : handedOut.entrySet()) {
            Node n = nodes.get(e.getValue().node());
            if (n.running() && !e.getValue().owner().equals(n.allocator.lookup(e.getKey()).orElse(null))) {
                fail(n.name + " forgot that " + AddressRange.format(e.getKey()) + " belongs to " + e.getValue().owner());
            }
        }
    }

    /** Heals everything, restarts crashed peers, and checks every peer can allocate within a bound. */
    private void finish() {
        step = -1;
        log("finish: heal, restart, fix disks");
        nodes.forEach(n -> {
            n.group = 0;
            n.diskBroken = false;
            if (!n.running() && !n.removed && !n.awaitingRejoin) {
                n.start();
            }
        });
        refreshLiveness();
        nodes.stream().filter(n -> !n.running() && !n.removed).toList().forEach(this::rejoin);
        // fresh requests right after the heal: they need consensus, rings and donations to converge
        Map<Node, CompletableFuture<AllocationResult>> fresh = new HashMap<>();
        for (Node n : nodes) {
            if (n.running() && handedOut.size() < UNIVERSE.size() - 2 - 2 * nodes.size()) {
                String owner = "final-" + n.index;
                CompletableFuture<AllocationResult> f = n.allocator.allocate(owner);
                track(n, owner, f, null);
                fresh.put(n, f);
            }
        }
        int rounds = 0;
        while (fresh.values().stream().anyMatch(f -> !f.isDone())) {
            if (++rounds > LIVENESS_ROUNDS) {
                Node stuck = fresh.entrySet().stream().filter(e -> !e.getValue().isDone()).findFirst().orElseThrow().getKey();
                fail("allocation at " + stuck.name + " not done after " + LIVENESS_ROUNDS + " rounds: "
                        + stuck.allocator.status());
            }
            round(false);
            checkInvariants();
        }
        for (int r = 0; r * TICK.toSeconds() <= REQUEST_TIMEOUT.toSeconds() + 2; r++) {
            round(false);
            checkInvariants();
        }
        settleDisplaced(true);
        if (!displaced.isEmpty()) {
            fail("displaced addresses never kept nor lost: " + displaced);
        }
        futures.forEach((index, list) -> list.forEach(f -> {
            if (!f.isDone()) {
                fail("a request at " + nodes.get(index).name + " never completed");
            }
        }));
        maxLivenessRounds = rounds;
        fresh.forEach((n, f) -> {
            if (!(f.join() instanceof AllocationResult.Allocated)) {
                fail("final allocation at " + n.name + " failed with free space left: " + f.join());
            }
        });
    }
}

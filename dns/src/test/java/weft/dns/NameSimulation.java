package weft.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import weft.gossip.PeerName;
import weft.gossip.channel.Gossip;
import weft.gossip.channel.GossipData;
import weft.gossip.wire.Decoding;

/**
 * A deterministic simulation of the {@code dns} channel on several peers over an in-memory network: one seed fixes
 * the schedule (names added and removed, messages lost, duplicated and reordered, partitions and heals, peers
 * forgotten by the other side of a partition, crashes with restart from the saved names or from nothing). Checked
 * after every step: each peer holds, for each origin, a set that origin really had at that version (no name comes
 * back that its origin removed) and never goes back to an older version. At the end, after a heal and quiet
 * rounds, every peer holds every origin's current names and resolves them.
 *
 * <p>Not thread-safe: one simulation per thread.
 */
final class NameSimulation {
    private static final String DOMAIN = "weft.local.";
    /** Rounds of periodic gossip after the heal within which every peer must hold every origin's names. */
    static final int QUIET_ROUNDS = 30;

    private record Message(int from, int to, boolean broadcast, byte[] payload) {}

    private final class Node {
        final int index;
        final PeerName name;
        NameChannel channel; // null while crashed
        byte[] saved; // what the router's names file would hold
        int group;
        final Map<PeerName, Long> seenVersions = new HashMap<>(); // this incarnation's

        Node(int index) {
            this.index = index;
            this.name = new PeerName(0x0a0000000000L + index + 1);
        }

        void start(boolean fromSaved) {
            Optional<OriginRecords> restored = Optional.empty();
            if (fromSaved && saved != null) {
                var decoded = (Decoding.Decoded<NameRecordsData>) NameRecordsCodec.decode(saved);
                restored = Optional.of(decoded.value().origins().get(name));
            }
            seenVersions.clear();
            channel = new NameChannel(name, restored, own -> {
                saved = NameRecordsData.of(own).encode();
                history.computeIfAbsent(name, k -> new HashMap<>()).computeIfAbsent(own.version(), k -> new HashSet<>()).add(own.records());
            }, gossiper -> new Gossip() {
                @Override
                public void unicast(PeerName to, byte[] payload) {
                    throw new AssertionError("the dns channel sends no unicasts");
                }

                @Override
                public void broadcast(GossipData data) {
                    for (Node other : nodes) {
                        if (other != Node.this) send(new Message(index, other.index, true, data.encode()));
                    }
                }

                @Override
                public void gossip(GossipData data) {
                    send(new Message(index, random.nextInt(nodes.size()), false, data.encode()));
                }
            });
        }
    }

    private final long seed;
    private final boolean trace;
    private final SplittableRandom random;
    private final List<Node> nodes = new ArrayList<>();
    private final ArrayDeque<Message> inFlight = new ArrayDeque<>();
    /** Per origin, per version: the sets of names it had at that version (two after it lost its data). */
    private final Map<PeerName, Map<Long, Set<Set<NameRecord>>>> history = new HashMap<>();
    private double loss;
    long deliveries;
    long forgotten;
    long restarts;
    int worstRounds;

    NameSimulation(long seed, boolean trace) {
        this.seed = seed;
        this.trace = trace;
        this.random = new SplittableRandom(seed);
        int count = 3 + random.nextInt(4);
        for (int i = 0; i < count; i++) {
            Node node = new Node(i);
            nodes.add(node);
            node.start(false);
        }
        reachabilityChanged();
    }

    NameSimulation run(int steps) {
        for (int step = 0; step < steps; step++) {
            String did = act();
            if (trace) System.out.println("step " + step + ": " + did);
            deliverSome();
            check(step);
        }
        heal();
        loss = 0;
        while (!inFlight.isEmpty()) deliver(inFlight.poll());
        for (int round = 1; converged() != null; round++) {
            if (round > QUIET_ROUNDS) fail(-1, converged() + " after " + QUIET_ROUNDS + " rounds of gossip");
            for (Node node : nodes) {
                Node to = nodes.get(random.nextInt(nodes.size()));
                if (to != node) send(new Message(node.index, to.index, false, node.channel.completeState().encode()));
            }
            while (!inFlight.isEmpty()) deliver(inFlight.poll());
            check(-1);
            worstRounds = Math.max(worstRounds, round);
        }
        checkResolves();
        return this;
    }

    private String act() {
        Node node = nodes.get(random.nextInt(nodes.size()));
        int dice = random.nextInt(100);
        if (node.channel == null) {
            boolean fromSaved = random.nextInt(5) > 0;
            node.start(fromSaved);
            restarts++;
            reachabilityChanged();
            return node.name + " restarts " + (fromSaved ? "from its names file" : "with its data directory lost");
        }
        if (dice < 40) {
            NameRecord record = new NameRecord(NameRecord.qualify("n" + random.nextInt(8), DOMAIN), address(random.nextInt(6)),
                    "c" + random.nextInt(3));
            return node.name + " adds " + record + ": " + node.channel.add(List.of(record));
        } else if (dice < 60) {
            String owner = "c" + random.nextInt(3);
            return node.name + " removes the names of " + owner + ": " + node.channel.remove(r -> r.owner().equals(owner));
        } else if (dice < 66) {
            for (Node n : nodes) n.group = random.nextInt(2);
            reachabilityChanged();
            return "partition " + groups();
        } else if (dice < 72) {
            heal();
            return "heal";
        } else if (dice < 76) {
            loss = random.nextInt(4) * 0.15;
            return "loss " + loss;
        } else if (dice < 80) {
            List<PeerName> gone = nodes.stream().filter(n -> n.group != node.group).map(n -> n.name).toList();
            node.channel.peersForgotten(gone);
            forgotten += gone.size();
            return node.name + " forgets " + gone;
        } else if (dice < 83) {
            node.channel = null;
            reachabilityChanged();
            return node.name + " crashes";
        } else {
            for (Node n : nodes) {
                if (n.channel == null) continue;
                Node to = nodes.get(random.nextInt(nodes.size()));
                if (to != n) send(new Message(n.index, to.index, false, n.channel.completeState().encode()));
            }
            return "periodic gossip";
        }
    }

    private void heal() {
        for (Node n : nodes) n.group = 0;
        for (Node n : nodes) {
            if (n.channel == null) {
                n.start(true);
                restarts++;
            }
        }
        reachabilityChanged();
    }

    private void reachabilityChanged() {
        for (Node n : nodes) {
            if (n.channel == null) continue;
            Set<PeerName> reach = new HashSet<>();
            for (Node o : nodes) if (o != n && o.channel != null && o.group == n.group) reach.add(o.name);
            n.channel.reachable(reach);
        }
    }

    private void send(Message m) {
        if (random.nextDouble() < loss) return;
        if (random.nextBoolean()) inFlight.addFirst(m); else inFlight.addLast(m);
        if (random.nextInt(10) == 0) inFlight.addLast(m); // duplicated
    }

    private void deliverSome() {
        for (int i = random.nextInt(1 + inFlight.size()); i > 0 && !inFlight.isEmpty(); i--) deliver(inFlight.poll());
    }

    private void deliver(Message m) {
        Node from = nodes.get(m.from), to = nodes.get(m.to);
        if (to.channel == null || from.group != to.group || from == to) return; // the partition or the crash loses it
        deliveries++;
        if (m.broadcast) {
            to.channel.onBroadcast(from.name, m.payload);
            return;
        }
        GossipData news = to.channel.onGossip(m.payload);
        if (news != null) { // passed on to a few, as the mesh's gossip channels do
            for (int i = 0; i < 2; i++) send(new Message(to.index, random.nextInt(nodes.size()), false, news.encode()));
        }
    }

    private void check(int step) {
        for (Node n : nodes) {
            if (n.channel == null) continue;
            for (OriginRecords o : n.channel.origins().values()) {
                long before = n.seenVersions.getOrDefault(o.origin(), -1L);
                if (o.version() < before) fail(step, n.name + " went back from version " + before + " to " + o.version() + " of " + o.origin());
                n.seenVersions.put(o.origin(), o.version());
                if (o.removed() || (o.version() == 0 && o.records().isEmpty())) continue;
                Set<Set<NameRecord>> had = history.getOrDefault(o.origin(), Map.of()).getOrDefault(o.version(), Set.of());
                if (!had.contains(o.records())) {
                    fail(step, n.name + " holds names " + o.records() + " as version " + o.version() + " of " + o.origin() + ", which it never had: " + had);
                }
            }
        }
    }

    /** What is not converged yet, or null when every peer holds every origin's own names. */
    private String converged() {
        for (Node origin : nodes) {
            OriginRecords own = origin.channel.origins().get(origin.name);
            for (Node n : nodes) {
                OriginRecords seen = n.channel.origins().get(origin.name);
                if (!own.equals(seen)) return n.name + " holds " + seen + " of " + origin.name + ", whose own names are " + own;
            }
        }
        return null;
    }

    private void checkResolves() {
        for (Node origin : nodes) {
            OriginRecords own = origin.channel.origins().get(origin.name);
            for (Node n : nodes) {
                for (NameRecord r : own.records()) {
                    if (!n.channel.lookup().addresses(r.name()).contains(r.address())) {
                        fail(-1, n.name + " does not resolve " + r);
                    }
                }
            }
        }
        for (Node n : nodes) { // nothing resolves that no origin has now
            Set<NameRecord> live = new TreeSet<>();
            for (Node origin : nodes) live.addAll(origin.channel.origins().get(origin.name).records());
            for (int i = 0; i < 8; i++) {
                String name = NameRecord.qualify("n" + i, DOMAIN);
                for (Inet4Address a : n.channel.lookup().addresses(name)) {
                    if (live.stream().noneMatch(r -> r.name().equals(name) && r.address().equals(a))) {
                        fail(-1, n.name + " resolves " + name + " to " + a.getHostAddress() + ", which no peer has now");
                    }
                }
            }
        }
    }

    private String groups() {
        StringBuilder s = new StringBuilder();
        for (Node n : nodes) s.append(n.name).append('=').append(n.group).append(' ');
        return s.toString().trim();
    }

    private void fail(int step, String what) {
        throw new AssertionError("seed " + seed + (step >= 0 ? ", step " + step : ", after the heal") + ": " + what
                + " (replay with -Ddns.sim.seed=" + seed + ")");
    }

    static Inet4Address address(int i) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {10, 32, 0, (byte) (i + 1)});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}

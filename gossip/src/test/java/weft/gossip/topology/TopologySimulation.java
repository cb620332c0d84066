package weft.gossip.topology;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import weft.gossip.wire.Decoding;
import weft.crypto.ManualClock;
import weft.gossip.PeerIdentity;
import weft.gossip.PeerName;

/**
 * An in-memory mesh of routers running {@link Topology} and {@link TopologyGossip} in synchronous
 * rounds: each round delivers what was sent in the previous one (through {@link TopologyCodec},
 * with seeded loss, duplication and reordering if asked), then ticks every router and advances the
 * clock one second. Counts messages and bytes each router sends. Shipped in the test-jar.
 *
 * <p>Not thread-safe: one test thread drives it.
 */
public final class TopologySimulation {
    /** Network faults, each applied per message from a seeded generator. */
    public record Faults(double loss, double duplication, boolean reorder) {
        public static final Faults NONE = new Faults(0, 0, false);
    }

    /** A simulated router. */
    public final class Router {
        final PeerName name;
        final String nickname;
        final TreeMap<PeerName, PeerLink> links = new TreeMap<>();
        Topology topology;
        TopologyGossip gossip;
        long messagesSent;
        long bytesSent;

        Router(PeerName name, String nickname) {
            this.name = name;
            this.nickname = nickname;
        }

        void start() {
            long incarnation;
            do {
                incarnation = random.nextLong();
            } while (incarnation == 0);
            topology = new Topology(new PeerIdentity(name, incarnation, nickname), random.split());
            gossip = new TopologyGossip(topology, () -> List.copyOf(links.values()),
                    (to, message) -> send(name, to, message), random.split(), antiEntropy, forgetAfter,
                    clock.instant());
        }

        public PeerName name() {
            return name;
        }

        public Topology topology() {
            return topology;
        }
    }

    private record InFlight(PeerName from, PeerName to, byte[] bytes) {}

    /** Cold start: routers know only themselves; anti-entropy every 10 s, forget after 5 s. */
    public static final Duration ANTI_ENTROPY = Duration.ofSeconds(10);
    public static final Duration FORGET_AFTER = Duration.ofSeconds(5);

    private final SplittableRandom random;
    private final ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final Duration antiEntropy;
    private final Duration forgetAfter;
    private final Map<PeerName, Router> routers = new TreeMap<>();
    private final List<Router> order = new ArrayList<>();
    private List<InFlight> inFlight = new ArrayList<>();
    private Faults faults = Faults.NONE;
    private long rounds;

    /**
     * {@code n} routers linked by a random spanning tree plus 1–3 extra random links each, all
     * established, all connected at round 0.
     */
    public TopologySimulation(int n, long seed) {
        this(n, seed, ANTI_ENTROPY, FORGET_AFTER);
    }

    public TopologySimulation(int n, long seed, Duration antiEntropy, Duration forgetAfter) {
        this.random = new SplittableRandom(seed);
        this.antiEntropy = antiEntropy;
        this.forgetAfter = forgetAfter;
        for (int i = 0; i < n; i++) {
            Router router = new Router(PeerName.random(random), "host-" + i);
            routers.put(router.name, router);
            order.add(router);
        }
        for (Router router : order) {
            router.start();
        }
        List<Router> shuffled = new ArrayList<>(order);
        Collections.shuffle(shuffled, new java.util.Random(random.nextLong()));
        for (int i = 1; i < n; i++) {
            link(shuffled.get(i), shuffled.get(random.nextInt(i)));
        }
        for (Router router : order) {
            int extra = 1 + random.nextInt(3);
            for (int k = 0; k < extra; k++) {
                Router other = order.get(random.nextInt(n));
                if (other != router) {
                    link(router, other);
                }
            }
        }
    }

    public void faults(Faults faults) {
        this.faults = faults;
    }

    public List<Router> routers() {
        return Collections.unmodifiableList(order);
    }

    public Router router(PeerName name) {
        return routers.get(name);
    }

    public long rounds() {
        return rounds;
    }

    private static String address(Router router) {
        return "10.0." + (router.nickname.hashCode() & 0xff) + "." + ((router.nickname.hashCode() >>> 8) & 0xff) + ":6783";
    }

    /** Connects two routers: both record the link, learn of the neighbour and publish. */
    public void link(Router a, Router b) {
        if (a.links.containsKey(b.name)) {
            return;
        }
        a.links.put(b.name, new PeerLink(b.name, address(b), true, true));
        b.links.put(a.name, new PeerLink(a.name, address(a), false, true));
        a.gossip.onConnected(b.name);
        b.gossip.onConnected(a.name);
        a.gossip.selfChanged();
        b.gossip.selfChanged();
    }

    /** Breaks the connection between two routers. */
    public void unlink(Router a, Router b) {
        if (a.links.remove(b.name) != null) {
            b.links.remove(a.name);
            a.gossip.onDisconnected(b.name);
            b.gossip.onDisconnected(a.name);
            a.gossip.selfChanged();
            b.gossip.selfChanged();
        }
    }

    /** Breaks every link between {@code side} and the rest; returns the broken pairs for {@link #heal}. */
    public List<Router[]> partition(Set<PeerName> side) {
        List<Router[]> broken = new ArrayList<>();
        for (Router a : order) {
            for (PeerName bName : List.copyOf(a.links.keySet())) {
                if (side.contains(a.name) && !side.contains(bName)) {
                    Router b = routers.get(bName);
                    unlink(a, b);
                    broken.add(new Router[] {a, b});
                }
            }
        }
        return broken;
    }

    public void heal(List<Router[]> broken) {
        for (Router[] pair : broken) {
            link(pair[0], pair[1]);
        }
    }

    /** Restarts a router: new incarnation, a topology that knows only itself, reconnected to its neighbours. */
    public void restart(Router router) {
        router.start();
        for (PeerName neighbour : router.links.keySet()) {
            router.gossip.onConnected(neighbour);
            routers.get(neighbour).gossip.onConnected(router.name); // the neighbour sees a new connection too
        }
        router.gossip.selfChanged();
    }

    private void send(PeerName from, PeerName to, TopologyMessage message) {
        byte[] bytes = TopologyCodec.encode(message);
        Router sender = routers.get(from);
        sender.messagesSent++;
        sender.bytesSent += bytes.length;
        inFlight.add(new InFlight(from, to, bytes));
    }

    /** One round: deliver the previous round's messages, tick everyone, advance the clock 1 s. */
    public void round() {
        List<InFlight> delivering = inFlight;
        inFlight = new ArrayList<>();
        if (faults.reorder()) {
            Collections.shuffle(delivering, new java.util.Random(random.nextLong()));
        }
        for (InFlight message : delivering) {
            if (faults.loss() > 0 && random.nextDouble() < faults.loss()) {
                continue;
            }
            int copies = faults.duplication() > 0 && random.nextDouble() < faults.duplication() ? 2 : 1;
            for (int c = 0; c < copies; c++) {
                deliver(message);
            }
        }
        for (Router router : order) {
            router.gossip.tick(clock.instant());
        }
        clock.advance(Duration.ofSeconds(1));
        rounds++;
    }

    private void deliver(InFlight message) {
        Router to = routers.get(message.to());
        if (!to.links.containsKey(message.from())) {
            return; // the connection went away while the message was in flight
        }
        switch (TopologyCodec.decode(message.bytes())) {
            case Decoding.Decoded<TopologyMessage>(TopologyMessage decoded) -> to.gossip.onMessage(message.from(), decoded);
            case Decoding.Refused<TopologyMessage>(String reason) -> throw new AssertionError("own message refused: " + reason);
        }
    }

    /** Runs rounds until {@link #converged()} or {@code maxRounds}; returns the rounds it took, or -1. */
    public int runUntilConverged(int maxRounds) {
        for (int r = 1; r <= maxRounds; r++) {
            round();
            if (converged()) {
                return r;
            }
        }
        return -1;
    }

    /** Every router holds the same records, one real record per router and no placeholders. */
    public boolean converged() {
        Router first = order.getFirst();
        long hash = first.topology.digestHash();
        for (Router router : order) {
            if (router.topology.size() != order.size() || router.topology.digestHash() != hash) {
                return false;
            }
        }
        Map<PeerName, PeerRecord> expected = first.topology.records();
        for (Router router : order) {
            if (!router.topology.records().equals(expected)) {
                return false;
            }
        }
        return expected.values().stream().noneMatch(PeerRecord::isPlaceholder);
    }

    /** The links every router currently has, as the true topology (for checks). */
    public Set<PeerName> neighboursOf(PeerName name) {
        return new HashSet<>(routers.get(name).links.keySet());
    }

    public long totalMessages() {
        return order.stream().mapToLong(r -> r.messagesSent).sum();
    }

    public long totalBytes() {
        return order.stream().mapToLong(r -> r.bytesSent).sum();
    }

    public long maxMessagesOfOnePeer() {
        return order.stream().mapToLong(r -> r.messagesSent).max().orElse(0);
    }

    public void resetCounters() {
        for (Router router : order) {
            router.messagesSent = 0;
            router.bytesSent = 0;
        }
    }
}

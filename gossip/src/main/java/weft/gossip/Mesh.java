package weft.gossip;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import weft.gossip.channel.ChannelMessage;
import weft.gossip.channel.Gossip;
import weft.gossip.channel.GossipChannels;
import weft.gossip.channel.Gossiper;
import weft.gossip.connect.ConnectOutcome;
import weft.gossip.connect.ConnectionMaker;
import weft.gossip.connect.TargetAddress;
import weft.gossip.topology.Routes;
import weft.gossip.topology.Topology;
import weft.gossip.topology.TopologyGossip;
import weft.gossip.topology.TopologyMessage;
import weft.gossip.wire.CloseReason;
import weft.gossip.wire.HandshakeHandler;
import weft.gossip.wire.MeshMessage;

/**
 * The mesh: listens for peers on TCP, dials the targets the {@link ConnectionMaker} picks (and, with
 * discovery, the peers the topology tells of), runs the {@link HandshakeHandler} (authenticated and
 * encrypted when a password is set), keeps one connection per peer, heartbeats, gossips the
 * {@link Topology}, computes {@link Routes}, carries gossip channels, and tells the
 * {@link MeshListener} who is connected and how to route.
 *
 * <p>It wires its parts together: {@link MeshEdge} (sockets and pipelines), {@link MeshConnections}
 * (connections, admission, attempt outcomes), {@link Discovery}, {@link ChannelDrain}, and the protocol
 * cores (topology gossip, routes, gossip channels, the connection maker).
 *
 * <p>Threads: sockets live on one Netty event loop thread; all mesh state (connections, targets,
 * the connection maker) is owned by the {@link MeshLoop} thread, which is also the only thread that
 * calls the listener. Public methods are thread-safe: they submit to the mesh loop and return a
 * future, except {@link #close()}, which blocks until everything has stopped.
 */
public final class Mesh implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Mesh.class.getName());
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** A burst of topology changes costs one route computation per this much time. */
    static final Duration ROUTES_DEBOUNCE = Duration.ofMillis(100);
    private static final Duration ANTI_ENTROPY_INTERVAL = Duration.ofSeconds(10);
    private static final Duration FORGET_AFTER = Duration.ofMinutes(1);
    private static final Duration GOSSIP_INTERVAL = Duration.ofSeconds(30);

    private final PeerIdentity self;
    private final MeshConfig config;
    private final MeshListener listener;
    private final InstantSource clock;
    private final MeshEdge edge;
    private final MeshLoop loop;
    // mesh loop only, after construction
    private final ConnectionMaker maker;
    private final MeshConnections connections;
    private final Topology topology;
    private final TopologyGossip topologyGossip;
    private final GossipChannels channels;
    private final ChannelDrain drain;
    private final Discovery discovery;
    private Routes routes;
    private boolean routesDirty;
    private Instant routesDue;
    private boolean closing;
    private boolean warnedTopologyFull;

    private Mesh(PeerIdentity self, MeshConfig config, MeshListener listener, InstantSource clock,
            RandomGenerator random, int loopCapacity) throws IOException {
        this.self = self;
        this.config = config;
        this.listener = listener;
        this.clock = clock;
        this.maker = new ConnectionMaker(clock, random, config.connections(), this::dial);
        this.connections = new MeshConnections(self, config.connections().connectionLimit(), clock, maker,
                new PeerChanges());
        // the cores exist before the loop thread starts, so its first tick finds them
        Instant now = clock.instant();
        this.topology = new Topology(self, random);
        this.topologyGossip = new TopologyGossip(topology, connections::links, this::sendTopology, random,
                ANTI_ENTROPY_INTERVAL, FORGET_AFTER, now);
        this.routes = Routes.compute(topology);
        this.channels = new GossipChannels(routes, random, this::onChannelPending, GOSSIP_INTERVAL, now);
        this.drain = new ChannelDrain(channels, peer -> connections.to(peer).map(c -> c.channel));
        this.discovery = new Discovery(self.name(), config.connections().connectionLimit());
        this.loop = new MeshLoop("mesh-loop", config.tick(), this::tick, loopCapacity);
        try {
            this.edge = new MeshEdge(self, config, clock, new EdgeEvents(loop, connections, drain, this::onMessage, this::onClosed));
        } catch (IOException e) {
            try {
                loop.close();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt(); // the bind failure is the news; keep the interrupt for the caller
            }
            throw e;
        }
    }

    /**
     * Starts listening and the mesh loop.
     *
     * @param clock  read on the mesh loop for status times and connection maker deadlines
     * @param random used on the mesh loop for retry jitter
     * @throws IOException if the listening socket cannot be bound
     */
    public static Mesh start(PeerIdentity self, MeshConfig config, MeshListener listener, InstantSource clock,
            RandomGenerator random) throws IOException {
        return start(self, config, listener, clock, random, MeshLoop.QUEUE_CAPACITY);
    }

    /** As above, with room for {@code loopCapacity} tasks in the mesh loop's queue (tests overload a tiny one). */
    static Mesh start(PeerIdentity self, MeshConfig config, MeshListener listener, InstantSource clock,
            RandomGenerator random, int loopCapacity) throws IOException {
        Mesh mesh = new Mesh(self, config, listener, clock, random, loopCapacity);
        LOG.log(Level.INFO, "mesh {0}({1}) listening on {2}, incarnation {3}, {4}, discovery {5}", self.name(),
                self.nickname(), mesh.localAddress().getAddress().getHostAddress() + ":" + mesh.localAddress().getPort(),
                Long.toUnsignedString(self.incarnation(), 16),
                config.password().isPresent() ? "encrypted (password set)" : "unencrypted (no password)",
                config.discovery() ? "on" : "off");
        mesh.loop.execute(mesh::publishRoutes); // the listener hears the (trivial) routes once at start
        return mesh;
    }

    public PeerIdentity self() {
        return self;
    }

    /** The address the listening socket is bound to (useful with port 0). */
    public InetSocketAddress localAddress() {
        return edge.localAddress();
    }

    /**
     * Adds a target ({@code host} or {@code host:port}) and dials it at once. The address is checked
     * and resolved now, on the calling thread: a bad or unresolvable address fails the future (e.g.
     * {@code cannot resolve peer 'nosuchhost'}) and adds nothing. Otherwise the future completes with
     * the outcome of the first attempt, while the target stays and failed attempts are retried. For a
     * target already known, it completes at once if the target is connected or has failed for good,
     * and else with the outcome of its next attempt.
     */
    public CompletableFuture<ConnectOutcome> connect(String target) {
        InetSocketAddress address;
        try {
            address = TargetAddress.parse(target).resolve();
        } catch (IllegalArgumentException | UnknownHostException e) {
            return CompletableFuture.failedFuture(e);
        }
        return loop.call(() -> {
            var outcome = new CompletableFuture<ConnectOutcome>();
            addTarget(target, address, outcome);
            return outcome;
        }).thenCompose(outcome -> outcome);
    }

    /**
     * Removes a target; the future says whether it was known. An attempt in flight for it is
     * abandoned (closed), but an established connection stays, as with {@code weave forget}: it may
     * carry traffic, and its peer may be dialling us too.
     */
    public CompletableFuture<Boolean> forget(String target) {
        return loop.call(() -> {
            boolean known = maker.forget(target);
            connections.abandon(target);
            return known;
        });
    }

    /** A snapshot of connections, targets, topology and routes, and the counters of inbound connections refused. */
    public CompletableFuture<MeshStatus> status() {
        return loop.call(() -> new MeshStatus(self, connections.all().stream().map(MeshConnection::status).toList(),
                maker.status(), List.copyOf(topology.records().values()), routes, config.password().isPresent(),
                new MeshStatus.Refusals(loop.refused(), topology.refusedRecords(), topology.isFull(),
                        discovery.addressesRefused(), discovery.targetsOverLimit(), channels.refusedUnicasts()),
                edge.inboundCounters()));
    }

    /**
     * The bytes of the mesh's TCP connections since start (gossip, topology, heartbeats, handshakes, with their
     * framing and sealing); any thread.
     */
    public Traffic traffic() {
        return new Traffic(edge.traffic().sentBytes(), edge.traffic().receivedBytes());
    }

    /** Bytes sent and received on the mesh's TCP connections. */
    public record Traffic(long sentBytes, long receivedBytes) {}

    /**
     * Registers a gossip channel (IP allocation, DNS). The gossiper is called on the mesh loop; the
     * returned {@link Gossip} may be called from any thread. Blocks until registered.
     *
     * @throws IllegalStateException if {@code name} is already registered
     */
    public Gossip registerChannel(String name, Gossiper gossiper) {
        if (loop.inLoop()) {
            return new GossipProxy(loop, channels.register(name, gossiper));
        }
        try {
            return new GossipProxy(loop, loop.call(() -> channels.register(name, gossiper)).join());
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause; // the caller's mistake, e.g. a name registered twice: rethrow it as such
            }
            throw e;
        }
    }

    /**
     * Runs {@code work} on the mesh loop, for modules whose state the loop owns because it is a channel's
     * {@link Gossiper} (the IP allocator): their API callers hop onto the loop through here. Thread-safe.
     */
    public <T> CompletableFuture<T> onLoop(Supplier<T> work) {
        return loop.call(work);
    }

    /**
     * Runs {@code completion} on the mesh loop even while its queue is full: for the completion of work that a
     * module owned by the loop handed to a thread of its own and waits for (the allocator's snapshot writes).
     * Such a module has at most one completion outstanding per piece of work, which keeps this path bounded.
     * Thread-safe.
     *
     * @throws java.util.concurrent.RejectedExecutionException only once the mesh is closed
     */
    public void completeOnLoop(Runnable completion) {
        loop.executeLifecycle(completion);
    }

    /** The channels of the registered connections. Mesh loop only: for tests that watch the edge. */
    List<Channel> channels() {
        return connections.all().stream().map(c -> c.channel).toList();
    }

    // ---- mesh loop ----

    private void addTarget(String target, InetSocketAddress address, CompletableFuture<ConnectOutcome> outcome) {
        if (!maker.add(target, address)) {
            ConnectionMaker.TargetStatus known = maker.status().stream()
                    .filter(t -> t.target().equals(target)).findFirst().orElseThrow();
            switch (known.state()) {
                case CONNECTED -> {
                    PeerName peer = known.peer().orElseThrow();
                    outcome.complete(new ConnectOutcome.Connected(peer, connections.to(peer).orElseThrow().theirs.nickname()));
                    return;
                }
                case FAILED -> {
                    outcome.complete(new ConnectOutcome.Failed(known.lastError().orElse("failed")));
                    return;
                }
                case CONNECTING, WAITING -> { } // answered by the next attempt
            }
        }
        connections.await(target, outcome);
        tick();
    }

    private void tick() {
        if (closing) {
            return;
        }
        maker.tick();
        // the gossip cores are cheap when idle, so they run every loop tick: deltas leave within one tick
        Instant now = clock.instant();
        List<PeerName> forgotten = topologyGossip.tick(now);
        channels.tick(now);
        if (!forgotten.isEmpty()) {
            LOG.log(Level.INFO, "forgot unreachable peers {0}", forgotten);
            discovery.forgotten(forgotten).forEach(this::forgetTarget);
            listener.onPeersForgotten(forgotten);
            topologyChanged();
        }
        if (routesDirty && !now.isBefore(routesDue)) {
            routesDirty = false;
            publishRoutes();
            discover();
        }
    }

    /** Drops a target learned by discovery. */
    private void forgetTarget(String target) {
        maker.forget(target);
        connections.complete(target, new ConnectOutcome.Failed("peer forgotten"));
    }

    /** Something in the topology changed: recompute routes once the burst is over. */
    private void topologyChanged() {
        if (!routesDirty) {
            routesDirty = true;
            routesDue = clock.instant().plus(ROUTES_DEBOUNCE);
        }
    }

    private void publishRoutes() {
        routes = Routes.compute(topology);
        channels.routes(routes);
        listener.onRoutesChanged(routes);
    }

    /**
     * Dials the peers the topology tells of, after dropping the discovered targets whose peer is now
     * connected another way.
     */
    private void discover() {
        if (!config.discovery()) {
            return;
        }
        discovery.superseded(connections.connectedPeers(), maker.status()).forEach(this::forgetTarget);
        Set<InetAddress> ours = new HashSet<>();
        ours.add(localAddress().getAddress());
        for (MeshConnection c : connections.all()) {
            if (c.channel.localAddress() instanceof InetSocketAddress local) {
                ours.add(local.getAddress());
            }
        }
        for (Discovery.Found found : discovery.discover(topology.records().values(), connections.connectedPeers(),
                maker.status(), localAddress(), ours)) {
            maker.add(found.target(), found.address()); // new to the maker: discovery skips the targets it has
            LOG.log(Level.INFO, "discovered {0} at {1} from the record of {2}({3})", found.peer(), found.target(),
                    found.source().name(), found.source().nickname());
        }
    }

    private void sendTopology(PeerName neighbour, TopologyMessage message) {
        // a lost one is repaired by anti-entropy
        connections.to(neighbour).ifPresent(c -> c.channel.writeAndFlush(new MeshMessage.OfTopology(message)));
    }

    private void onChannelPending(PeerName neighbour) {
        if (drain.onPending(neighbour)) {
            // after the current task, so a burst of wakeups is one drain; deferred, so no full queue can strand it
            loop.defer(drain::drainAll);
        }
    }

    private void onMessage(MeshConnection connection, MeshMessage message) {
        if (!connections.isCurrent(connection)) {
            return; // a replaced connection's last words
        }
        PeerName from = connection.theirs.name();
        switch (message) {
            case MeshMessage.OfTopology(TopologyMessage topologyMessage) -> {
                topologyGossip.onMessage(from, topologyMessage);
                if (topologyMessage instanceof TopologyMessage.Update) {
                    topologyChanged();
                    warnOnceFull();
                }
            }
            case MeshMessage.OfChannel(ChannelMessage channelMessage) -> channels.onMessage(from, channelMessage);
            case MeshMessage.Heartbeat _ -> { } // consumed by HeartbeatHandler; harmless if one slips by
            case MeshMessage.Confirm _ -> CloseReason.close(connection.channel, "confirmation after the handshake");
        }
    }

    /** Says once, when the topology fills up, that records of new peers are refused from now on. */
    private void warnOnceFull() {
        if (topology.isFull() && !warnedTopologyFull) {
            LOG.log(Level.WARNING, "the topology holds {0} peers, its limit: records of further peers are refused "
                    + "(a mesh this large, or a peer inventing peers)", topology.size());
        }
        warnedTopologyFull = topology.isFull();
    }

    /** The connection maker's outbox. */
    private void dial(String target, InetSocketAddress address) {
        if (closing) {
            return; // the group is shutting down; the attempt would only be rejected
        }
        connections.onDialled(edge.dial(target, address));
    }

    private void onClosed(MeshConnection connection, String reason) {
        if (connections.onClosed(connection, reason)) {
            tick(); // a lost peer is redialled now, and a freed slot is used now
        }
    }

    /** What peers gained and lost mean to the listener, the connection maker, topology gossip and channels. Mesh loop. */
    private final class PeerChanges implements MeshConnections.Peers {
        @Override
        public void onConnected(MeshConnection connection) {
            PeerName peer = connection.theirs.name();
            listener.onPeerConnected(connection.peer());
            topologyGossip.onConnected(peer);
            topologyGossip.selfChanged();
            topologyChanged();
            drain.onConnected();
        }

        @Override
        public void onReplaced(MeshConnection old, String reason) {
            listener.onPeerDisconnected(old.theirs.name(), reason);
            topologyGossip.onDisconnected(old.theirs.name());
        }

        @Override
        public void onLost(MeshConnection connection, String reason) {
            PeerName peer = connection.theirs.name();
            listener.onPeerDisconnected(peer, reason);
            maker.onPeerLost(peer, reason);
            topologyGossip.onDisconnected(peer);
            topologyGossip.selfChanged();
            topologyChanged();
        }
    }

    // ---- shutdown ----

    /** Closes the listening socket and every connection, then stops the threads and waits for them. */
    @Override
    public void close() throws InterruptedException {
        edge.closeListener();
        try {
            var closed = new CompletableFuture<List<ChannelFuture>>();
            loop.executeLifecycle(() -> { // not refused by a full queue: closing must not depend on the load
                closing = true;
                closed.complete(connections.closeAll());
            });
            List<ChannelFuture> closingChannels = closed.get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            for (ChannelFuture f : closingChannels) {
                f.await(CLOSE_TIMEOUT.toMillis());
            }
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(Level.WARNING, "mesh connections did not close cleanly", e);
        }
        edge.shutDown(); // after this no Netty callback queues more work for the loop
        loop.executeLifecycle(() -> connections.completeAll(new ConnectOutcome.Failed("mesh closed")));
        loop.close();
    }
}

package weft.gossip;

import weft.gossip.connect.ConnectOutcome;
import weft.gossip.connect.ConnectionMaker;
import weft.gossip.connect.TargetAddress;
import weft.gossip.wire.CloseReason;
import weft.gossip.wire.ErrorCloser;
import weft.gossip.wire.HandshakeHandler;
import weft.gossip.wire.HeartbeatHandler;
import weft.gossip.wire.Hello;
import weft.gossip.wire.MeshFrameDecoder;
import weft.gossip.wire.MeshMessage;
import weft.gossip.wire.MeshMessageAdapter;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;
import weft.crypto.EphemeralKeyPair;
import weft.crypto.SessionKeys;
import weft.gossip.channel.ChannelMessage;
import weft.gossip.channel.Gossip;
import weft.gossip.channel.GossipChannels;
import weft.gossip.channel.Gossiper;
import weft.gossip.topology.PeerLink;
import weft.gossip.topology.PeerRecord;
import weft.gossip.topology.Routes;
import weft.gossip.topology.Topology;
import weft.gossip.topology.TopologyGossip;
import weft.gossip.topology.TopologyMessage;

/**
 * The mesh: listens for peers on TCP, dials the targets the {@link ConnectionMaker} picks (and, with
 * discovery, the peers the topology tells of), runs the {@link HandshakeHandler} (authenticated and
 * encrypted when a password is set), keeps one connection per peer, heartbeats, gossips the
 * {@link Topology}, computes {@link Routes}, carries gossip channels, and tells the
 * {@link MeshListener} who is connected and how to route.
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
    private final EventLoopGroup group;
    private final Bootstrap dialer;
    private final Channel server;
    private final MeshLoop loop;
    private final ConnectionMaker maker;
    private final SecureRandom keyRandom = new SecureRandom(); // thread-safe; ephemeral keys on both threads
    // mesh loop only, after construction
    private final Topology topology;
    private final TopologyGossip topologyGossip;
    private final GossipChannels channels;
    private Routes routes;
    private boolean routesDirty;
    private Instant routesDue;
    private final Set<PeerName> channelsPending = new TreeSet<>();
    private boolean drainQueued;
    private final Map<String, PeerName> discovered = new TreeMap<>(); // target -> the peer it was learned for

    // mesh loop only
    private final Map<Channel, Connection> connections = new LinkedHashMap<>();
    private final Map<PeerName, Connection> established = new HashMap<>();
    private final Map<String, List<CompletableFuture<ConnectOutcome>>> awaitingOutcome = new HashMap<>();
    private boolean closing;

    /** One connection's state, owned by the mesh loop. */
    private static final class Connection {
        final Channel channel;
        final boolean outbound;
        final String target; // the target it was dialled for; null if inbound
        final InetSocketAddress remoteAddress;
        final Hello ours;
        final Optional<EphemeralKeyPair> ephemeral;
        Hello theirs; // null until the handshake succeeded
        boolean encrypted;
        Optional<SleeveKeys> sleeveKeys = Optional.empty();
        MeshStatus.State state = MeshStatus.State.HANDSHAKING;
        Instant since;
        boolean settled; // its target has been told the attempt's outcome

        Connection(Channel channel, boolean outbound, String target, InetSocketAddress remoteAddress, Hello ours,
                Optional<EphemeralKeyPair> ephemeral, Instant since) {
            this.channel = channel;
            this.ours = ours;
            this.ephemeral = ephemeral;
            this.outbound = outbound;
            this.target = target;
            this.remoteAddress = remoteAddress;
            this.since = since;
        }

        ConnectedPeer peer() {
            return new ConnectedPeer(theirs.name(), theirs.nickname(), theirs.incarnation(), remoteAddress,
                    theirs.udpPort(), outbound, encrypted, sleeveKeys);
        }

        Admission.Candidate candidate() {
            return new Admission.Candidate(theirs.name(), theirs.incarnation(), remoteAddress.getAddress(), outbound,
                    ours.connectionId() ^ theirs.connectionId());
        }
    }

    private Mesh(PeerIdentity self, MeshConfig config, MeshListener listener, InstantSource clock,
            RandomGenerator random) throws IOException {
        this.self = self;
        this.config = config;
        this.listener = listener;
        this.clock = clock;
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        // mesh TCP carries control traffic only: one I/O thread is plenty and leaves the cores to the data path
        this.group = new MultiThreadIoEventLoopGroup(1, io);
        Class<? extends ServerChannel> serverClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        Class<? extends SocketChannel> clientClass = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        this.maker = new ConnectionMaker(clock, random, config.connections(), this::dial);
        // the cores exist before the loop thread starts, so its first tick finds them
        Instant now = clock.instant();
        this.topology = new Topology(self, random);
        this.topologyGossip = new TopologyGossip(topology, this::localLinks, this::sendTopology, random,
                ANTI_ENTROPY_INTERVAL, FORGET_AFTER, now);
        this.routes = Routes.compute(topology);
        this.channels = new GossipChannels(routes, random, this::onChannelPending, GOSSIP_INTERVAL, now);
        this.loop = new MeshLoop("mesh-loop", config.tick(), this::tick);
        Bootstrap dialer = new Bootstrap().group(group).channel(clientClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.handshakeTimeout().toMillis());
        InetAddress bindIp = config.bind().getAddress();
        if (bindIp != null && !bindIp.isAnyLocalAddress()) {
            // dial from the address we listen on, so the address peers see (and tell others of, for
            // discovery) is one where we can be reached
            dialer.localAddress(new InetSocketAddress(bindIp, 0));
        }
        this.dialer = dialer;
        ChannelFuture bound = new ServerBootstrap().group(group).channel(serverClass)
                .option(ChannelOption.SO_REUSEADDR, true) // a restarted router rebinds despite TIME_WAIT
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        accepted(channel);
                    }
                })
                .bind(config.bind())
                .awaitUninterruptibly();
        if (!bound.isSuccess()) {
            shutDownQuietly();
            try {
                loop.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the bind failure below is the news; keep the interrupt for the caller
            }
            throw new IOException("cannot listen for peers on " + config.bind() + ": " + bound.cause().getMessage(),
                    bound.cause());
        }
        this.server = bound.channel();
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
        Mesh mesh = new Mesh(self, config, listener, clock, random);
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
        return (InetSocketAddress) server.localAddress();
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
            for (Connection c : connections.values()) {
                if (target.equals(c.target) && c.state == MeshStatus.State.HANDSHAKING) {
                    c.settled = true;
                    CloseReason.close(c.channel, "target forgotten");
                }
            }
            complete(target, new ConnectOutcome.Failed("target forgotten"));
            return known;
        });
    }

    /** A snapshot of connections, targets, topology and routes. */
    public CompletableFuture<MeshStatus> status() {
        return loop.call(() -> {
            List<MeshStatus.Connection> snapshot = new ArrayList<>(connections.size());
            for (Connection c : connections.values()) {
                Optional<Hello> hello = Optional.ofNullable(c.theirs);
                snapshot.add(new MeshStatus.Connection(hello.map(Hello::name), hello.map(Hello::nickname),
                        c.remoteAddress, c.outbound, c.state, c.since, c.encrypted, c.sleeveKeys.isPresent()));
            }
            return new MeshStatus(self, snapshot, maker.status(), List.copyOf(topology.records().values()), routes,
                    config.password().isPresent());
        });
    }

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
        } catch (java.util.concurrent.CompletionException e) {
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
    public <T> CompletableFuture<T> onLoop(java.util.function.Supplier<T> work) {
        return loop.call(work);
    }

    // ---- mesh loop ----

    private void addTarget(String target, InetSocketAddress address, CompletableFuture<ConnectOutcome> outcome) {
        if (!maker.add(target, address)) {
            ConnectionMaker.TargetStatus known = maker.status().stream()
                    .filter(t -> t.target().equals(target)).findFirst().orElseThrow();
            switch (known.state()) {
                case CONNECTED -> {
                    PeerName peer = known.peer().orElseThrow();
                    outcome.complete(new ConnectOutcome.Connected(peer, established.get(peer).theirs.nickname()));
                    return;
                }
                case FAILED -> {
                    outcome.complete(new ConnectOutcome.Failed(known.lastError().orElse("failed")));
                    return;
                }
                case CONNECTING, WAITING -> { } // answered by the next attempt
            }
        }
        awaitingOutcome.computeIfAbsent(target, t -> new ArrayList<>()).add(outcome);
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
            discovered.entrySet().removeIf(e -> forgotten.contains(e.getValue()) && forgetTarget(e.getKey()));
            listener.onPeersForgotten(forgotten);
            topologyChanged();
        }
        if (routesDirty && !now.isBefore(routesDue)) {
            routesDirty = false;
            publishRoutes();
            discover();
        }
    }

    private boolean forgetTarget(String target) {
        maker.forget(target);
        complete(target, new ConnectOutcome.Failed("peer forgotten"));
        return true;
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

    /** Our links for our own record: the established connections. */
    private List<PeerLink> localLinks() {
        List<PeerLink> links = new ArrayList<>(established.size());
        for (Connection c : established.values()) {
            links.add(new PeerLink(c.theirs.name(), hostAndPort(c.remoteAddress), c.outbound, true));
        }
        return links;
    }

    private void sendTopology(PeerName neighbour, TopologyMessage message) {
        Connection c = established.get(neighbour);
        if (c != null) {
            c.channel.writeAndFlush(new MeshMessage.OfTopology(message)); // a lost one is repaired by anti-entropy
        }
    }

    private void onChannelPending(PeerName neighbour) {
        channelsPending.add(neighbour);
        if (!drainQueued) {
            drainQueued = true; // after the current task, so a burst of wakeups is one drain
            loop.execute(this::drainChannels);
        }
    }

    private void drainChannels() {
        drainQueued = false;
        for (PeerName neighbour : List.copyOf(channelsPending)) {
            drainChannel(neighbour);
        }
    }

    /** Writes what is pending for {@code neighbour} while its connection takes it; the rest stays merged. */
    private void drainChannel(PeerName neighbour) {
        Connection c = established.get(neighbour);
        if (c == null) {
            channelsPending.remove(neighbour);
            while (channels.poll(neighbour).isPresent()) {
                // nobody to write to: drop, as GossipChannels.routes does for vanished neighbours
            }
            return;
        }
        boolean wrote = false;
        while (c.channel.isWritable()) {
            Optional<ChannelMessage> next = channels.poll(neighbour);
            if (next.isEmpty()) {
                channelsPending.remove(neighbour);
                break;
            }
            c.channel.write(new MeshMessage.OfChannel(next.get()));
            wrote = true;
        }
        if (wrote) {
            c.channel.flush();
        }
    }

    private void onMessage(Connection connection, MeshMessage message) {
        if (connection.state != MeshStatus.State.ESTABLISHED || established.get(connection.theirs.name()) != connection) {
            return; // a replaced connection's last words
        }
        PeerName from = connection.theirs.name();
        switch (message) {
            case MeshMessage.OfTopology(TopologyMessage topologyMessage) -> {
                topologyGossip.onMessage(from, topologyMessage);
                if (topologyMessage instanceof TopologyMessage.Update) {
                    topologyChanged();
                }
            }
            case MeshMessage.OfChannel(ChannelMessage channelMessage) -> channels.onMessage(from, channelMessage);
            case MeshMessage.Heartbeat _ -> { } // consumed by HeartbeatHandler; harmless if one slips by
            case MeshMessage.Confirm _ -> CloseReason.close(connection.channel, "confirmation after the handshake");
        }
    }

    /**
     * Dials peers the topology tells of: for a link its owner dialled, the address it dialled; for
     * one it accepted, the peer's IP on the default port. Skips ourselves and peers we are connected
     * to or already dialling; drops discovered targets whose peer is now connected another way.
     */
    private void discover() {
        if (!config.discovery()) {
            return;
        }
        discovered.entrySet().removeIf(e -> established.containsKey(e.getValue())
                && !maker.status().stream().anyMatch(t -> t.target().equals(e.getKey())
                        && t.state() == ConnectionMaker.State.CONNECTED)
                && forgetTarget(e.getKey()));
        for (PeerRecord record : topology.records().values()) {
            if (record.name().equals(self.name())) {
                continue;
            }
            for (PeerLink link : record.links()) {
                PeerName peer = link.peer();
                if (peer.equals(self.name()) || established.containsKey(peer) || discovered.containsValue(peer)) {
                    continue;
                }
                Optional<InetSocketAddress> address = literalAddress(link.remoteAddress(), link.outbound());
                if (address.isEmpty() || address.get().equals(localAddress())) {
                    continue;
                }
                String target = hostAndPort(address.get());
                if (maker.add(target, address.get())) {
                    discovered.put(target, peer);
                    LOG.log(Level.INFO, "discovered {0} at {1} from the record of {2}({3})", peer, target,
                            record.name(), record.nickname());
                }
            }
        }
    }

    /** An {@code ip:port} from a peer's record, never looked up in DNS (it is untrusted text). */
    private static Optional<InetSocketAddress> literalAddress(String text, boolean dialled) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || !text.substring(0, colon).matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
            return Optional.empty();
        }
        try {
            InetAddress ip = InetAddress.getByName(text.substring(0, colon)); // a literal: no lookup
            int port = dialled ? Integer.parseInt(text.substring(colon + 1)) : MeshConfig.DEFAULT_PORT;
            return port < 1 || port > 0xffff ? Optional.empty() : Optional.of(new InetSocketAddress(ip, port));
        } catch (java.net.UnknownHostException | NumberFormatException e) {
            return Optional.empty(); // garbage in a peer's record: nothing to dial
        }
    }

    private static String hostAndPort(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    /** The connection maker's outbox. */
    private void dial(String target, InetSocketAddress address) {
        if (closing) {
            return; // the group is shutting down; the attempt would only be rejected
        }
        Optional<EphemeralKeyPair> ephemeral = newEphemeral();
        Hello ours = newHello(address.getAddress(), ephemeral);
        ChannelFuture connecting = dialer.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel channel) {
                installHandlers(channel, ours, ephemeral, true);
            }
        }).connect(address);
        // the channel's handshake and close events are queued behind this task, so they find it registered
        Connection connection = new Connection(connecting.channel(), true, target, address, ours, ephemeral,
                clock.instant());
        connections.put(connection.channel, connection);
        // Netty may complete the close future before it fails the connect future: wait for both, so a
        // refused dial is reported as refused rather than as a close
        connecting.channel().closeFuture().addListener(closed -> connecting.addListener(connected -> {
            String reason = connected.isSuccess()
                    ? CloseReason.of(connection.channel)
                    : describeConnectFailure(connected.cause());
            loop.execute(() -> onClosed(connection, reason));
        }));
        reportConnectionsInUse();
    }

    private void onAccepted(Connection connection) {
        connections.put(connection.channel, connection);
        connection.channel.closeFuture().addListener(
                f -> loop.execute(() -> onClosed(connection, CloseReason.of(connection.channel))));
        if (connectionsInUse() > config.connections().connectionLimit()) {
            CloseReason.close(connection.channel, "too many connections (limit "
                    + config.connections().connectionLimit() + ")");
        }
        reportConnectionsInUse();
    }

    private void onEstablished(Connection connection, Hello theirs, Optional<SessionKeys> keys) {
        connection.theirs = theirs;
        connection.encrypted = keys.isPresent();
        // the sleeve may skip sealing only when both ends trust each other's address
        boolean bothTrust = connection.ours.trustsYou() && theirs.trustsYou();
        connection.sleeveKeys = keys.filter(k -> !bothTrust).map(k -> new SleeveKeys(k.sleeveSend(), k.sleeveReceive(), k.espSend(), k.espReceive()));
        Optional<Connection> current = Optional.ofNullable(established.get(theirs.name()));
        Admission.Verdict verdict = Admission.judge(self, connection.candidate(), current.map(Connection::candidate));
        switch (verdict) {
            case Admission.Verdict.Refuse(String reason, boolean permanent) -> {
                LOG.log(Level.WARNING, "refused connection with {0}: {1}", describe(connection), reason);
                settle(connection, permanent ? Settlement.GIVE_UP : Settlement.FAILED, reason);
                CloseReason.close(connection.channel, reason);
            }
            case Admission.Verdict.Duplicate() -> {
                LOG.log(Level.DEBUG, "closing duplicate connection with {0}", describe(connection));
                settle(connection, Settlement.CONNECTED, "duplicate connection");
                CloseReason.close(connection.channel, "duplicate connection");
            }
            case Admission.Verdict.Admit(Optional<String> replacedBecause) -> {
                current.ifPresent(old -> {
                    String reason = replacedBecause.orElseThrow();
                    established.remove(theirs.name());
                    connections.remove(old.channel); // no longer the peer's connection: its close is quiet
                    CloseReason.close(old.channel, reason);
                    LOG.log(Level.INFO, "disconnected from {0}: {1}", describe(old), reason);
                    listener.onPeerDisconnected(theirs.name(), reason);
                    topologyGossip.onDisconnected(theirs.name());
                });
                connection.state = MeshStatus.State.ESTABLISHED;
                connection.since = clock.instant();
                established.put(theirs.name(), connection);
                settle(connection, Settlement.CONNECTED, null);
                LOG.log(Level.INFO, "connected to {0}", describe(connection));
                listener.onPeerConnected(connection.peer());
                topologyGossip.onConnected(theirs.name());
                topologyGossip.selfChanged();
                topologyChanged();
                if (!channelsPending.isEmpty()) {
                    drainChannels(); // a neighbour's pending data may have waited for this connection
                }
            }
        }
        reportConnectionsInUse();
    }

    private void onClosed(Connection connection, String reason) {
        if (connections.remove(connection.channel) == null) {
            return;
        }
        if (connection.state == MeshStatus.State.ESTABLISHED) {
            PeerName peer = connection.theirs.name();
            established.remove(peer);
            LOG.log(Level.INFO, "disconnected from {0}: {1}", describe(connection), reason);
            listener.onPeerDisconnected(peer, reason);
            maker.onPeerLost(peer, reason);
            topologyGossip.onDisconnected(peer);
            topologyGossip.selfChanged();
            topologyChanged();
        } else if (!connection.settled && connection.target != null) {
            Connection keeper = establishedAt(connection.remoteAddress);
            if (keeper != null) {
                // both ends dialled; the peer kept the other connection and closed ours before our side of the
                // handshake finished: the target is connected, by that one
                connection.settled = true;
                maker.onConnected(connection.target, keeper.theirs.name());
                complete(connection.target, new ConnectOutcome.Connected(keeper.theirs.name(), keeper.theirs.nickname()));
            } else {
                // a refused handshake (password mismatch, one-sided password) is an ordinary failed
                // attempt: the target waits the normal backoff, never less
                LOG.log(Level.WARNING, "connection to {0} failed: {1}", connection.target, reason);
                settle(connection, Settlement.FAILED, reason);
            }
        } else if (connection.target == null && !reason.equals(CloseReason.CLOSED_BY_PEER)
                && !reason.equals("mesh closing")) {
            LOG.log(Level.WARNING, "connection from {0} failed: {1}", hostAndPort(connection.remoteAddress), reason);
        }
        reportConnectionsInUse();
        tick(); // a lost peer is redialled now, and a freed slot is used now
    }

    /** The established connection with the peer that listens at {@code target} (its address, its announced port), or null. */
    private Connection establishedAt(InetSocketAddress target) {
        for (Connection c : established.values()) {
            if (c.remoteAddress.getAddress().equals(target.getAddress()) && c.theirs.udpPort() == target.getPort()) return c;
        }
        return null;
    }

    private enum Settlement { CONNECTED, FAILED, GIVE_UP }

    /** Tells the connection's target (if any) the outcome of its attempt, once. */
    private void settle(Connection connection, Settlement settlement, String reason) {
        if (connection.settled || connection.target == null) {
            return;
        }
        connection.settled = true;
        switch (settlement) {
            case CONNECTED -> {
                maker.onConnected(connection.target, connection.theirs.name());
                complete(connection.target,
                        new ConnectOutcome.Connected(connection.theirs.name(), connection.theirs.nickname()));
            }
            case FAILED -> {
                maker.onAttemptFailed(connection.target, reason);
                complete(connection.target, new ConnectOutcome.Failed(reason));
            }
            case GIVE_UP -> {
                maker.onGaveUp(connection.target, reason);
                complete(connection.target, new ConnectOutcome.Failed(reason));
            }
        }
    }

    private void complete(String target, ConnectOutcome outcome) {
        List<CompletableFuture<ConnectOutcome>> waiting = awaitingOutcome.remove(target);
        if (waiting != null) {
            waiting.forEach(f -> f.complete(outcome));
        }
    }

    private int connectionsInUse() {
        // the maker counts its own dials in flight; everything else uses a slot here
        return (int) connections.values().stream()
                .filter(c -> !(c.outbound && c.state == MeshStatus.State.HANDSHAKING))
                .count();
    }

    private void reportConnectionsInUse() {
        maker.connectionsInUse(connectionsInUse());
    }

    private static String describe(Connection c) {
        String address = c.remoteAddress.getAddress().getHostAddress() + ":" + c.remoteAddress.getPort();
        String who = c.theirs == null ? address : c.theirs.name().label(c.theirs.nickname()) + " at " + address;
        return who + (c.outbound ? ", outbound" : ", inbound")
                + (c.theirs == null ? "" : c.encrypted ? ", encrypted" : ", unencrypted")
                + (c.encrypted && c.sleeveKeys.isEmpty() ? " (sleeve in the clear: trusted both ways)" : "");
    }

    // ---- Netty event loop ----

    private void accepted(SocketChannel channel) {
        Optional<EphemeralKeyPair> ephemeral = newEphemeral();
        Hello ours = newHello(channel.remoteAddress().getAddress(), ephemeral);
        Connection connection = new Connection(channel, false, null, channel.remoteAddress(), ours, ephemeral,
                clock.instant());
        loop.execute(() -> onAccepted(connection)); // queued before any handshake or close event of this channel
        installHandlers(channel, ours, ephemeral, false);
    }

    private Optional<EphemeralKeyPair> newEphemeral() {
        // fresh per connection: a recorded session stays secret even if the password leaks later
        return config.password().map(p -> EphemeralKeyPair.generate(keyRandom));
    }

    private Hello newHello(InetAddress remote, Optional<EphemeralKeyPair> ephemeral) {
        // the connection id is this side's random half of the tie-break uid; it need not be reproducible,
        // and this runs on Netty's thread as well as the loop's
        return Hello.of(self, ThreadLocalRandom.current().nextLong(), config.udpPort(), config.trusts(remote),
                ephemeral.map(EphemeralKeyPair::publicKey).orElse(new byte[0]));
    }

    /**
     * The pipeline: {@code frames} (length framing in) → {@code lengths} (framing out) → [{@code sealing}
     * once both have a password] → {@code handshake}, which replaces itself with {@code messages} →
     * {@code idle} → {@code heartbeat} → {@code adapter} (to the mesh loop) → {@code errors}.
     */
    private void installHandlers(SocketChannel channel, Hello ours, Optional<EphemeralKeyPair> ephemeral,
            boolean outbound) {
        channel.pipeline()
                .addLast("frames", new MeshFrameDecoder())
                .addLast("lengths", MeshFrameDecoder.encoder())
                .addLast("handshake", new HandshakeHandler(ours, config.password(), ephemeral, outbound, clock,
                        config.handshakeTimeout(), config.heartbeatInterval(), config.silenceLimit(),
                        (theirs, keys) -> onLoop(channel, c -> onEstablished(c, theirs, keys))))
                .addLast("adapter", new MeshMessageAdapter(new MeshMessageAdapter.Listener() {
                    @Override
                    public void onMessage(MeshMessage message) {
                        onLoop(channel, c -> Mesh.this.onMessage(c, message));
                    }

                    @Override
                    public void onWritable() {
                        onLoop(channel, c -> {
                            if (c.theirs != null && channelsPending.contains(c.theirs.name())) {
                                drainChannel(c.theirs.name());
                            }
                        });
                    }
                }))
                .addLast("errors", new ErrorCloser());
    }

    /** Runs {@code task} on the mesh loop with the channel's connection, if it is still one of ours. */
    private void onLoop(Channel channel, java.util.function.Consumer<Connection> task) {
        loop.execute(() -> {
            Connection connection = connections.get(channel);
            if (connection != null) {
                task.accept(connection);
            }
        });
    }

    private static String describeConnectFailure(Throwable cause) {
        return switch (cause) {
            case ConnectTimeoutException _ -> "connection timed out";
            case ConnectException e when e.getMessage() != null && e.getMessage().contains("refused") ->
                    "connection refused";
            case java.net.NoRouteToHostException _ -> "no route to host";
            // Netty's epoll transport reports an unreachable network as a ConnectException whose text is "null: /addr".
            case ConnectException e when e.getMessage() == null || e.getMessage().startsWith("null")
                    || e.getMessage().contains("unreachable") -> "network unreachable (no route to the peer's address)";
            default -> cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        };
    }

    // ---- shutdown ----

    /** Closes the listening socket and every connection, then stops the threads and waits for them. */
    @Override
    public void close() throws InterruptedException {
        server.close().awaitUninterruptibly();
        try {
            List<ChannelFuture> closingChannels = loop.call(() -> {
                closing = true;
                return connections.keySet().stream()
                        .map(channel -> CloseReason.close(channel, "mesh closing"))
                        .toList();
            }).get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            for (ChannelFuture f : closingChannels) {
                f.await(CLOSE_TIMEOUT.toMillis());
            }
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(Level.WARNING, "mesh connections did not close cleanly", e);
        }
        shutDownQuietly(); // after this no Netty callback queues more work for the loop
        loop.execute(() -> awaitingOutcome.keySet().stream().toList()
                .forEach(target -> complete(target, new ConnectOutcome.Failed("mesh closed"))));
        loop.close();
    }

    private void shutDownQuietly() {
        group.shutdownGracefully(0, CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).awaitUninterruptibly();
    }
}

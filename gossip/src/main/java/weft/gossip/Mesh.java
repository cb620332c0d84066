package weft.gossip;

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
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;

/**
 * The mesh transport: listens for peers on TCP, dials the targets the {@link ConnectionMaker} picks,
 * exchanges hellos, keeps one connection per peer, heartbeats, and tells the {@link MeshListener}
 * who is connected.
 *
 * <p>Threads: sockets live on one Netty event loop thread; all mesh state (connections, targets,
 * the connection maker) is owned by the {@link MeshLoop} thread, which is also the only thread that
 * calls the listener. Public methods are thread-safe: they submit to the mesh loop and return a
 * future, except {@link #close()}, which blocks until everything has stopped.
 */
public final class Mesh implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Mesh.class.getName());
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final PeerIdentity self;
    private final MeshConfig config;
    private final MeshListener listener;
    private final InstantSource clock;
    private final EventLoopGroup group;
    private final Bootstrap dialer;
    private final Channel server;
    private final MeshLoop loop;
    private final ConnectionMaker maker;

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
        Hello theirs; // null until the hello arrived
        MeshStatus.State state = MeshStatus.State.HANDSHAKING;
        Instant since;
        boolean settled; // its target has been told the attempt's outcome

        Connection(Channel channel, boolean outbound, String target, InetSocketAddress remoteAddress, Hello ours,
                Instant since) {
            this.channel = channel;
            this.ours = ours;
            this.outbound = outbound;
            this.target = target;
            this.remoteAddress = remoteAddress;
            this.since = since;
        }

        ConnectedPeer peer() {
            return new ConnectedPeer(theirs.name(), theirs.nickname(), theirs.incarnation(), remoteAddress,
                    theirs.udpPort(), outbound);
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
        this.loop = new MeshLoop("mesh-loop", config.tick(), this::tick);
        this.dialer = new Bootstrap().group(group).channel(clientClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.handshakeTimeout().toMillis());
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
        LOG.log(Level.INFO, "mesh {0}({1}) listening on {2}, incarnation {3}", self.name(), self.nickname(),
                mesh.localAddress().getAddress().getHostAddress() + ":" + mesh.localAddress().getPort(), Long.toUnsignedString(self.incarnation(), 16));
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

    /** A snapshot of connections and targets. */
    public CompletableFuture<MeshStatus> status() {
        return loop.call(() -> {
            List<MeshStatus.Connection> snapshot = new ArrayList<>(connections.size());
            for (Connection c : connections.values()) {
                Optional<Hello> hello = Optional.ofNullable(c.theirs);
                snapshot.add(new MeshStatus.Connection(hello.map(Hello::name), hello.map(Hello::nickname),
                        c.remoteAddress, c.outbound, c.state, c.since));
            }
            return new MeshStatus(self, snapshot, maker.status());
        });
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
        if (!closing) {
            maker.tick();
        }
    }

    /** The connection maker's outbox. */
    private void dial(String target, InetSocketAddress address) {
        if (closing) {
            return; // the group is shutting down; the attempt would only be rejected
        }
        Hello ours = newHello();
        ChannelFuture connecting = dialer.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel channel) {
                installHandlers(channel, ours);
            }
        }).connect(address);
        // the channel's hello and close events are queued behind this task, so they find it registered
        Connection connection = new Connection(connecting.channel(), true, target, address, ours, clock.instant());
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

    private void onHello(Connection connection, Hello theirs) {
        connection.theirs = theirs;
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
                });
                connection.state = MeshStatus.State.ESTABLISHED;
                connection.since = clock.instant();
                established.put(theirs.name(), connection);
                settle(connection, Settlement.CONNECTED, null);
                LOG.log(Level.INFO, "connected to {0}", describe(connection));
                listener.onPeerConnected(connection.peer());
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
        } else if (!connection.settled && connection.target != null) {
            LOG.log(Level.WARNING, "connection to {0} failed: {1}", connection.target, reason);
            settle(connection, Settlement.FAILED, reason);
        }
        reportConnectionsInUse();
        tick(); // a lost peer is redialled now, and a freed slot is used now
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
        String who = c.theirs == null ? address : c.theirs.name() + "(" + c.theirs.nickname() + ") at " + address;
        return who + (c.outbound ? ", outbound" : ", inbound");
    }

    // ---- Netty event loop ----

    private void accepted(SocketChannel channel) {
        Hello ours = newHello();
        Connection connection = new Connection(channel, false, null, channel.remoteAddress(), ours, clock.instant());
        loop.execute(() -> onAccepted(connection)); // queued before any hello or close of this channel
        installHandlers(channel, ours);
    }

    private Hello newHello() {
        // the connection id is this side's random half of the tie-break uid; it need not be reproducible,
        // and this runs on Netty's thread as well as the loop's
        return Hello.of(self, ThreadLocalRandom.current().nextLong(), config.udpPort());
    }

    private void installHandlers(SocketChannel channel, Hello ours) {
        channel.pipeline()
                .addLast("frames", new MeshFrameDecoder())
                .addLast("lengths", MeshFrameDecoder.encoder())
                .addLast("hello", new HelloHandler(ours, config.handshakeTimeout(), config.heartbeatInterval(),
                        config.silenceLimit(), theirs -> loop.execute(() -> {
                            Connection connection = connections.get(channel);
                            if (connection != null) {
                                onHello(connection, theirs);
                            }
                        })))
                .addLast("errors", new ErrorCloser());
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

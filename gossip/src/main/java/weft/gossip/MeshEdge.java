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
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import weft.crypto.HandshakeSecrets;
import weft.crypto.SessionKeys;
import weft.gossip.wire.CloseReason;
import weft.gossip.wire.ErrorCloser;
import weft.gossip.wire.HandshakeHandler;
import weft.gossip.wire.Hello;
import weft.gossip.wire.MeshFrameDecoder;
import weft.gossip.wire.MeshMessage;
import weft.gossip.wire.MeshMessageAdapter;
import weft.gossip.wire.TrafficMeter;

/**
 * The mesh's Netty side: the event loop group, the listening socket, the dialling bootstrap, and the
 * pipeline of every connection. It opens and closes connections and says what happens on them; it holds
 * no mesh state.
 *
 * <p>An accepted connection is first put to {@link InboundHandshakes}, which closes it at once when its source is
 * banned or has no slot left; only then are its key pair and hello made.
 *
 * <p>Threads: the pipelines, the {@link Events} and {@link InboundHandshakes} run on the group's one event loop
 * thread. {@link #dial} is called on the mesh loop; {@link #localAddress}, {@link #inboundCounters}, {@link #traffic},
 * {@link #closeListener} and {@link #shutDown} on any thread.
 */
final class MeshEdge {
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

    /** What happens on the connections. Called on the Netty event loop: implementations hop onto the mesh loop. */
    interface Events {
        /** A peer connected to us; called before any other event of the connection's channel. */
        void onAccepted(MeshConnection connection);

        /** The handshake on {@code channel} succeeded; {@code keys} are present iff it is encrypted. */
        void onEstablished(Channel channel, Hello theirs, Optional<SessionKeys> keys);

        void onMessage(Channel channel, MeshMessage message);

        /** {@code channel} can take writes again after it could not. */
        void onWritable(Channel channel);

        /** The connection is closed (or its dial failed), for {@code reason}. */
        void onClosed(MeshConnection connection, String reason);
    }

    private final PeerIdentity self;
    private final MeshConfig config;
    private final InstantSource clock;
    private final Events events;
    private final SecureRandom keyRandom = new SecureRandom(); // thread-safe; ephemeral keys on both threads
    private final InboundHandshakes inbound; // event loop only, but its counters
    private final TrafficMeter traffic = new TrafficMeter();
    private final EventLoopGroup group;
    private final Bootstrap dialer;
    private final Channel server;

    /**
     * Starts the event loop and listens on {@code config.bind()}; accepted connections go to {@code events}.
     *
     * @throws IOException if the listening socket cannot be bound (the event loop is then stopped again)
     */
    MeshEdge(PeerIdentity self, MeshConfig config, InstantSource clock, Events events) throws IOException {
        this.self = self;
        this.config = config;
        this.clock = clock;
        this.events = events;
        this.inbound = new InboundHandshakes(config.inbound(), clock);
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        // mesh TCP carries control traffic only: one I/O thread is plenty and leaves the cores to the data path
        this.group = new MultiThreadIoEventLoopGroup(1, io);
        Class<? extends ServerChannel> serverClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        Class<? extends SocketChannel> clientClass = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
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
            shutDown();
            throw new IOException("cannot listen for peers on " + config.bind() + ": " + bound.cause().getMessage(),
                    bound.cause());
        }
        this.server = bound.channel();
    }

    /** The address the listening socket is bound to. */
    InetSocketAddress localAddress() {
        return (InetSocketAddress) server.localAddress();
    }

    /**
     * Dials {@code address} for {@code target}. Mesh loop only: the channel's events are queued behind the
     * caller's task, so they find the returned connection registered if the caller registers it at once.
     * The connection's {@link Events#onClosed} says why a refused dial failed, not merely that it closed.
     */
    MeshConnection dial(String target, InetSocketAddress address) {
        Optional<HandshakeSecrets> secrets = newSecrets();
        Hello ours = newHello(address.getAddress(), secrets);
        ChannelFuture connecting = dialer.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel channel) {
                installHandlers(channel, ours, secrets, true, config.handshakeTimeout(),
                        (theirs, keys) -> events.onEstablished(channel, theirs, keys));
            }
        }).connect(address);
        MeshConnection connection = new MeshConnection(connecting.channel(), true, target, address, ours,
                clock.instant());
        // Netty may complete the close future before it fails the connect future: wait for both, so a
        // refused dial is reported as refused rather than as a close
        connecting.channel().closeFuture().addListener(closed -> connecting.addListener(connected -> {
            String reason = connected.isSuccess()
                    ? CloseReason.of(connection.channel)
                    : describeConnectFailure(connected.cause());
            events.onClosed(connection, reason);
        }));
        return connection;
    }

    /** The counters of inbound connections refused, and of failed handshakes, by label. Thread-safe. */
    Map<String, Long> inboundCounters() {
        return inbound.counters();
    }

    /** Stops accepting connections; waits until the listening socket is closed. */
    void closeListener() {
        server.close().awaitUninterruptibly();
    }

    /** Stops the event loop and waits for it; after this no {@link Events} are called. */
    void shutDown() {
        group.shutdownGracefully(0, SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).awaitUninterruptibly();
    }

    // ---- Netty event loop ----

    private void accepted(SocketChannel channel) {
        Optional<InboundHandshakes.Slot> admitted = inbound.admit(channel.remoteAddress().getAddress());
        if (admitted.isEmpty()) {
            channel.close(); // counted by the budget; the mesh never hears of it
            return;
        }
        InboundHandshakes.Slot slot = admitted.get();
        Optional<HandshakeSecrets> secrets = newSecrets();
        Hello ours = newHello(channel.remoteAddress().getAddress(), secrets);
        MeshConnection connection = new MeshConnection(channel, false, null, channel.remoteAddress(), ours,
                clock.instant());
        events.onAccepted(connection); // before any handshake or close event of this channel
        channel.closeFuture().addListener(f -> {
            slot.release();
            events.onClosed(connection, CloseReason.of(channel));
        });
        installHandlers(channel, ours, secrets, false, config.inbound().handshakeTimeout(),
                new HandshakeHandler.Listener() {
                    @Override
                    public void onEstablished(Hello theirs, Optional<SessionKeys> keys) {
                        slot.release(); // authenticated: from now on it counts against the connection limit
                        events.onEstablished(channel, theirs, keys);
                    }

                    @Override
                    public void onAuthenticationFailed(String reason) {
                        slot.failed(reason);
                    }
                });
    }

    /** The bytes of every connection's TCP stream, sent and received, since start; any thread. */
    TrafficMeter traffic() {
        return traffic;
    }

    private Optional<HandshakeSecrets> newSecrets() {
        // fresh per connection: a recorded session stays secret even if the password leaks later
        return config.password().map(p -> HandshakeSecrets.generate(p, keyRandom));
    }

    private Hello newHello(InetAddress remote, Optional<HandshakeSecrets> secrets) {
        // the connection id is this side's random half of the tie-break uid; it need not be reproducible,
        // and this runs on Netty's thread as well as the loop's
        return Hello.of(self, config.protocols(), ThreadLocalRandom.current().nextLong(), config.udpPort(),
                config.trusts(remote), secrets.map(s -> s.ephemeral().publicKey()).orElse(new byte[0]));
    }

    /**
     * The pipeline: {@code traffic} (bytes counted) → {@code frames} (length framing in) → {@code lengths} (framing out) → [{@code sealing}
     * once both have a password] → {@code handshake}, which replaces itself with {@code messages} →
     * {@code idle} → {@code heartbeat} → {@code adapter} (to the {@link Events}) → {@code errors}.
     */
    private void installHandlers(SocketChannel channel, Hello ours, Optional<HandshakeSecrets> secrets,
            boolean outbound, Duration handshakeTimeout, HandshakeHandler.Listener handshakeListener) {
        channel.pipeline()
                .addLast("traffic", traffic)
                .addLast("frames", new MeshFrameDecoder())
                .addLast("lengths", MeshFrameDecoder.encoder())
                .addLast("handshake", new HandshakeHandler(ours, secrets, outbound, clock,
                        handshakeTimeout, config.heartbeatInterval(), config.silenceLimit(), handshakeListener))
                .addLast("adapter", new MeshMessageAdapter(new MeshMessageAdapter.Listener() {
                    @Override
                    public void onMessage(MeshMessage message) {
                        events.onMessage(channel, message);
                    }

                    @Override
                    public void onWritable() {
                        events.onWritable(channel);
                    }
                }))
                .addLast("errors", new ErrorCloser());
    }

    private static String describeConnectFailure(Throwable cause) {
        return switch (cause) {
            case ConnectTimeoutException _ -> "connection timed out";
            case ConnectException e when e.getMessage() != null && e.getMessage().contains("refused") ->
                    "connection refused";
            case NoRouteToHostException _ -> "no route to host";
            // Netty's epoll transport reports an unreachable network as a ConnectException whose text is "null: /addr".
            case ConnectException e when e.getMessage() == null || e.getMessage().startsWith("null")
                    || e.getMessage().contains("unreachable") -> "network unreachable (no route to the peer's address)";
            default -> cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        };
    }
}

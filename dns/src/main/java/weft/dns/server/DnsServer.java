package weft.dns.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.codec.dns.TcpDnsResponseEncoder;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import weft.dns.NameLookup;

/**
 * Weft's DNS server: answers for the mesh's names on UDP and TCP, and forwards everything else to the host's name
 * servers. Everything runs on one event loop thread, as dnsmasq does on one: answering from a snapshot costs less
 * than the system calls around it. {@link #address}, {@link #counters} and {@link #close} may be called on any
 * thread.
 */
public final class DnsServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DnsServer.class.getName());
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);
    /** An upstream UDP reply is read whole up to the largest datagram: clients may offer any EDNS0 size. */
    private static final int UPSTREAM_DATAGRAM_MAX = 65_535;
    /** The largest query read whole with epoll (recvmmsg): EDNS0 options and padding included, queries stay far below it. */
    private static final int QUERY_MAX = 4096;
    private static final int QUERIES_PER_READ = 16;
    /** A TCP client silent this long (no query, no answer) is closed: longer than three upstreams' timeouts (resolv.conf's most). */
    static final int TCP_IDLE_SECONDS = 30;

    private final EventLoopGroup group;
    private final LiveCounters counters = new LiveCounters();
    private final AtomicBoolean closed = new AtomicBoolean();
    private Channel udp;
    private Channel tcp;
    private Channel upstreamUdp;
    private Forwarder forwarder;

    /**
     * Starts a server on {@code settings.listen()} that answers from {@code names} (asked once per query) and
     * forwards to the name servers of {@code settings.resolvConf()}.
     *
     * @throws IOException if a socket cannot be bound; nothing is left running then
     */
    public static DnsServer start(DnsSettings settings, Supplier<NameLookup> names) throws IOException {
        return start(settings, names, new ResolvConfWatcher(settings.resolvConf(), InstantSource.system()));
    }

    /**
     * As {@link #start(DnsSettings, Supplier)}, forwarding to {@code upstreams} instead of the resolv.conf's name
     * servers; {@code settings.resolvConf()} is not read.
     */
    public static DnsServer start(DnsSettings settings, Supplier<NameLookup> names, UpstreamSource upstreams)
            throws IOException {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(names, "names");
        Objects.requireNonNull(upstreams, "upstreams");
        DnsServer server = new DnsServer();
        try {
            server.bind(settings, names, upstreams);
        } catch (IOException | RuntimeException failed) {
            server.close();
            throw failed;
        }
        LOG.log(Level.INFO, "DNS server listening on " + server.address() + " (UDP and TCP) for "
                + settings.domain() + ", forwarding to " + upstreams.current());
        return server;
    }

    private DnsServer() {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(1, io);
    }

    private void bind(DnsSettings settings, Supplier<NameLookup> names, UpstreamSource upstreams) throws IOException {
        boolean epoll = Epoll.isAvailable();
        Class<? extends DatagramChannel> datagramClass = epoll ? EpollDatagramChannel.class : NioDatagramChannel.class;
        Class<? extends ServerChannel> serverClass = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        Class<? extends SocketChannel> socketClass = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        EventLoop loop = group.next();

        DatagramUpstream datagrams = new DatagramUpstream(settings.upstreamTimeout());
        upstreamUdp = bound(new Bootstrap().group(loop).channel(datagramClass)
                .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(UPSTREAM_DATAGRAM_MAX))
                .handler(datagrams)
                .bind(0), "upstream queries on an ephemeral UDP port");

        Answerer answerer = new Answerer(settings.domain());
        ForwardBudget budget = new ForwardBudget(settings.maxForwardedPerClient(), settings.maxForwardedTotal());
        StreamUpstream streams = new StreamUpstream(socketClass, loop, settings.upstreamTimeout());
        // resolv.conf naming us is only a loop when it names the very port we listen on, which port 0 never is
        Forwarder forwarder = new Forwarder(upstreams, settings.listen(), budget, datagrams, streams, counters);
        this.forwarder = forwarder;

        // UDP first: given port 0, it picks the port, and TCP takes the same one
        Bootstrap queries = new Bootstrap().group(loop).channel(datagramClass);
        if (epoll) { // recvmmsg: up to QUERIES_PER_READ queries in one system call under load
            queries.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, QUERY_MAX)
                    .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(QUERY_MAX * QUERIES_PER_READ));
        }
        udp = bound(queries
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel channel) {
                        channel.pipeline().addLast(new DatagramResponseEncoder(), new QueryDecoder(),
                                new QueryHandler(answerer, names, settings.ttl(), forwarder, counters,
                                        DatagramClient::new, false));
                    }
                })
                .bind(settings.listen()), "DNS on UDP " + settings.listen());
        InetSocketAddress tcpAddress = new InetSocketAddress(settings.listen().getAddress(), address().getPort());
        tcp = bound(new ServerBootstrap().group(loop).channel(serverClass)
                .option(ChannelOption.SO_REUSEADDR, true) // a restarted server rebinds despite TIME_WAIT
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new IdleStateHandler(0, 0, TCP_IDLE_SECONDS, TimeUnit.SECONDS), IdleClose.INSTANCE,
                                ReadWhileWritable.INSTANCE,
                                new TcpDnsResponseEncoder(),
                                new LengthFieldBasedFrameDecoder(65_535, 0, 2, 0, 2), new FrameAsDatagram(),
                                new QueryDecoder(), new QueryHandler(answerer, names, settings.ttl(), forwarder,
                                        counters, StreamClient::new, true));
                    }
                })
                .bind(tcpAddress), "DNS on TCP " + tcpAddress);
    }

    private static Channel bound(ChannelFuture binding, String what) throws IOException {
        binding.awaitUninterruptibly();
        if (!binding.isSuccess()) {
            throw new IOException("cannot listen for " + what + ": " + binding.cause().getMessage(), binding.cause());
        }
        return binding.channel();
    }

    /** Where the server listens, on UDP and TCP alike (with the port picked, when port 0 was asked for). */
    public InetSocketAddress address() {
        return (InetSocketAddress) udp.localAddress();
    }

    public DnsCounters counters() {
        return counters.snapshot();
    }

    /** Stops answering and releases the ports; forwarded queries still outstanding are dropped. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Channel channel : new Channel[] {udp, tcp}) {
            if (channel != null) {
                channel.close().awaitUninterruptibly(); // no new queries from here on
            }
        }
        if (forwarder != null) {
            // on the loop, which owns the forwarder: what it holds is released before the loop stops
            group.submit(forwarder::abandonAll).awaitUninterruptibly();
        }
        if (upstreamUdp != null) {
            upstreamUdp.close().awaitUninterruptibly();
        }
        group.shutdownGracefully(0, SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).awaitUninterruptibly();
    }
}

package weft.router.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The router's read-only address, {@code --metrics-addr} (by default every address, port 6782, as Weave did):
 * {@code GET /metrics} in the Prometheus text format for a Prometheus server to scrape, and the topology page
 * ({@code /topology}, its script, its graph as JSON at {@code /topology.json} and live at {@code /topology/events},
 * see {@link TopologyFeed}). Nothing served here changes the router, so no token is asked; any other path is 404
 * and any other method 405. The API, which changes the router, stays where it is.
 *
 * <p>What the page shows is what the metrics already show to the same clients (peers, nicknames, paths, encryption,
 * path MTUs, traffic) plus the topology's links and the allocator's shares; no underlay address. The page is static;
 * the browser is told to run only its own script ({@code Content-Security-Policy}), and the script puts the peers'
 * texts (nicknames come from other routers) into the page as text, never as markup.
 *
 * <p>Threads: one Netty event loop reads and writes; metrics and graphs are made on virtual threads (they wait for
 * the mesh loop and the allocator), one request at a time per connection: reading stops until the reply is written.
 */
public final class MetricsServer implements AutoCloseable {
    public static final String PATH = "/metrics";
    public static final String TOPOLOGY_PATH = "/topology";
    private static final String SCRIPT_PATH = "/topology.js", GRAPH_PATH = "/topology.json";
    /** The page may run its own script and styles and talk to this server; nothing else. */
    private static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self'";
    /** The media type of the Prometheus text format, version 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** A scrape is a GET with no body: room for its headers, and a connection sending more is cut off. */
    private static final int MAX_HEADER_BYTES = 8 * 1024, MAX_BODY_BYTES = 4 * 1024;
    /** Longer than any scrape interval, so a scraper's kept-alive connection stays; an idle one goes. */
    private static final int IDLE_SECONDS = 300;
    private static final System.Logger LOG = System.getLogger(MetricsServer.class.getName());

    private final EventLoopGroup group;
    private final ExecutorService renders;
    private final Channel server;
    private final TopologyFeed feed;

    private MetricsServer(EventLoopGroup group, ExecutorService renders, Channel server, TopologyFeed feed) {
        this.group = group;
        this.renders = renders;
        this.server = server;
        this.feed = feed;
    }

    /**
     * Listens on {@code address} and serves {@code metrics}' text and the page of {@code topology}'s graph.
     *
     * @param topology the graph as one line of JSON ({@link weft.router.view.TopologyGraph})
     * @throws BindException naming the address and {@code --metrics-addr} when it cannot be bound
     */
    public static MetricsServer start(InetSocketAddress address, Supplier<String> metrics, Supplier<String> topology) throws BindException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ExecutorService renders = Executors.newVirtualThreadPerTaskExecutor();
        TopologyFeed feed = new TopologyFeed(topology, group.next(), renders);
        Pages pages = new Pages(metrics, topology, feed, renders);
        ChannelFuture bound = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true) // a restarted router rebinds despite TIME_WAIT
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new ReadTimeoutHandler(IDLE_SECONDS, TimeUnit.SECONDS),
                                new HttpServerCodec(4096, MAX_HEADER_BYTES, 8192),
                                new HttpObjectAggregator(MAX_BODY_BYTES), new Scrape(pages));
                    }
                })
                .bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            feed.close();
            renders.close();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly();
            String reason = bound.cause().getMessage() != null ? bound.cause().getMessage() : bound.cause().toString();
            BindException refused = new BindException("cannot serve metrics on " + address.getAddress().getHostAddress() + ":" + address.getPort()
                    + ": " + reason + " (--metrics-addr chooses another address, --metrics-addr none serves none)");
            refused.initCause(bound.cause());
            throw refused;
        }
        return new MetricsServer(group, renders, bound.channel(), feed);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        feed.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        renders.close();
    }

    /** What the server serves, shared by every connection; immutable but for the feed, which is thread-safe. */
    private record Pages(Supplier<String> metrics, Supplier<String> topology, TopologyFeed feed, ExecutorService renders) {}

    /** Answers one connection's requests; its state is the channel's event loop's. */
    private static final class Scrape extends SimpleChannelInboundHandler<FullHttpRequest> {
        private static final byte[] PAGE = resource("topology.html"), SCRIPT = resource("topology.js");
        private final Pages pages;
        private boolean watching;

        Scrape(Pages pages) {
            this.pages = pages;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext context, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (watching) { // a stream's client has nothing more to say; one that does is not a browser's EventSource
                context.close();
                return;
            }
            if (!request.decoderResult().isSuccess()) {
                reply(context, HttpResponseStatus.BAD_REQUEST, "malformed request\n", false);
                return;
            }
            String path = new QueryStringDecoder(request.uri()).path();
            if (!List.of(PATH, TOPOLOGY_PATH, SCRIPT_PATH, GRAPH_PATH, TopologyFeed.PATH, "/").contains(path)) {
                reply(context, HttpResponseStatus.NOT_FOUND, "served here: " + PATH + ", " + TOPOLOGY_PATH + " (the page), " + GRAPH_PATH
                        + ", " + TopologyFeed.PATH + "\n", keepAlive);
                return;
            }
            if (!request.method().equals(HttpMethod.GET)) {
                FullHttpResponse refused = response(HttpResponseStatus.METHOD_NOT_ALLOWED, path + " takes GET\n", "text/plain; charset=utf-8");
                refused.headers().set(HttpHeaderNames.ALLOW, "GET");
                send(context, refused, keepAlive);
                return;
            }
            switch (path) {
                case "/" -> {
                    FullHttpResponse moved = response(HttpResponseStatus.FOUND, "the topology page is at " + TOPOLOGY_PATH + "\n", "text/plain; charset=utf-8");
                    moved.headers().set(HttpHeaderNames.LOCATION, TOPOLOGY_PATH);
                    send(context, moved, keepAlive);
                }
                case TOPOLOGY_PATH -> send(context, page(PAGE, "text/html; charset=utf-8"), keepAlive);
                case SCRIPT_PATH -> send(context, page(SCRIPT, "text/javascript; charset=utf-8"), keepAlive);
                case TopologyFeed.PATH -> {
                    if (pages.feed().full()) {
                        reply(context, HttpResponseStatus.SERVICE_UNAVAILABLE, TopologyFeed.MAX_WATCHERS + " pages watch this router already\n", false);
                        return;
                    }
                    watching = true;
                    // the stream is quiet on the client's side for as long as it is open: only a failed write ends it
                    context.pipeline().remove(ReadTimeoutHandler.class);
                    pages.feed().watch(context.channel());
                }
                case GRAPH_PATH -> render(context, pages.topology(), "application/json", "its topology", keepAlive);
                default -> render(context, pages.metrics(), CONTENT_TYPE, "its metrics", keepAlive);
            }
        }

        private void render(ChannelHandlerContext context, Supplier<String> text, String type, String what, boolean keepAlive) {
            context.channel().config().setAutoRead(false); // the next request waits for this reply
            pages.renders().execute(() -> {
                FullHttpResponse response;
                try {
                    response = response(HttpResponseStatus.OK, text.get(), type);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "making " + what + " failed: " + e);
                    response = response(HttpResponseStatus.INTERNAL_SERVER_ERROR, "the router could not make " + what + "\n", "text/plain; charset=utf-8");
                }
                send(context, response, keepAlive);
                context.channel().config().setAutoRead(true);
            });
        }

        private static FullHttpResponse page(byte[] body, String type) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, type).setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                    .set(HttpHeaderNames.CONTENT_SECURITY_POLICY, PAGE_POLICY).set("X-Content-Type-Options", "nosniff")
                    .set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
            return response;
        }

        private static byte[] resource(String name) {
            try (InputStream in = MetricsServer.class.getResourceAsStream(name)) {
                if (in == null) throw new IllegalStateException("the router's jar lacks " + name);
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + name + " from the router's jar", e);
            }
        }

        private static void reply(ChannelHandlerContext context, HttpResponseStatus status, String body, boolean keepAlive) {
            send(context, response(status, body, "text/plain; charset=utf-8"), keepAlive);
        }

        private static FullHttpResponse response(HttpResponseStatus status, String body, String type) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, type).setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            return response;
        }

        private static void send(ChannelHandlerContext context, FullHttpResponse response, boolean keepAlive) {
            if (keepAlive) response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ChannelFuture written = context.writeAndFlush(response);
            if (!keepAlive) written.addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            // a timed-out, reset or oversized connection is the client's affair: it is closed, nothing else is harmed
            context.close();
        }
    }
}

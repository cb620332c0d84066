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

import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Serves {@code GET /metrics} in the Prometheus text format for a Prometheus server to scrape, on
 * {@code --metrics-addr} (by default every address, port 6782, as Weave did). It serves nothing else: metrics are
 * read-only, so no token is asked; any other path is 404 and any other method 405. The API, which changes the
 * router, stays where it is.
 *
 * <p>Threads: one Netty event loop reads and writes; the text is made on a virtual thread (it waits for the mesh
 * loop and the allocator), one request at a time per connection: reading stops until the reply is written.
 */
public final class MetricsServer implements AutoCloseable {
    public static final String PATH = "/metrics";
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

    private MetricsServer(EventLoopGroup group, ExecutorService renders, Channel server) {
        this.group = group;
        this.renders = renders;
        this.server = server;
    }

    /**
     * Listens on {@code address} and serves {@code metrics}' text.
     *
     * @throws BindException naming the address and {@code --metrics-addr} when it cannot be bound
     */
    public static MetricsServer start(InetSocketAddress address, Supplier<String> metrics) throws BindException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ExecutorService renders = Executors.newVirtualThreadPerTaskExecutor();
        ChannelFuture bound = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true) // a restarted router rebinds despite TIME_WAIT
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new ReadTimeoutHandler(IDLE_SECONDS, TimeUnit.SECONDS),
                                new HttpServerCodec(4096, MAX_HEADER_BYTES, 8192),
                                new HttpObjectAggregator(MAX_BODY_BYTES), new Scrape(metrics, renders));
                    }
                })
                .bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            renders.close();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly();
            String reason = bound.cause().getMessage() != null ? bound.cause().getMessage() : bound.cause().toString();
            BindException refused = new BindException("cannot serve metrics on " + address.getAddress().getHostAddress() + ":" + address.getPort()
                    + ": " + reason + " (--metrics-addr chooses another address, --metrics-addr none serves none)");
            refused.initCause(bound.cause());
            throw refused;
        }
        return new MetricsServer(group, renders, bound.channel());
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        renders.close();
    }

    /** Answers one connection's requests; its state is the channel's event loop's. */
    private static final class Scrape extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Supplier<String> metrics;
        private final ExecutorService renders;

        Scrape(Supplier<String> metrics, ExecutorService renders) {
            this.metrics = metrics;
            this.renders = renders;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext context, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (!request.decoderResult().isSuccess()) {
                reply(context, HttpResponseStatus.BAD_REQUEST, "malformed request\n", false);
                return;
            }
            String path = new QueryStringDecoder(request.uri()).path();
            if (!path.equals(PATH)) {
                reply(context, HttpResponseStatus.NOT_FOUND, "only " + PATH + " is served here\n", keepAlive);
                return;
            }
            if (!request.method().equals(HttpMethod.GET)) {
                FullHttpResponse refused = response(HttpResponseStatus.METHOD_NOT_ALLOWED, PATH + " takes GET\n", "text/plain; charset=utf-8");
                refused.headers().set(HttpHeaderNames.ALLOW, "GET");
                send(context, refused, keepAlive);
                return;
            }
            context.channel().config().setAutoRead(false); // the next request waits for this reply
            renders.execute(() -> {
                FullHttpResponse response;
                try {
                    response = response(HttpResponseStatus.OK, metrics.get(), CONTENT_TYPE);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "making the metrics failed: " + e);
                    response = response(HttpResponseStatus.INTERNAL_SERVER_ERROR, "the router could not make its metrics\n", "text/plain; charset=utf-8");
                }
                send(context, response, keepAlive);
                context.channel().config().setAutoRead(true);
            });
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

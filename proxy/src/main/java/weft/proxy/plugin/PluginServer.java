package weft.proxy.plugin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
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

import weft.proxy.BoundServer;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves the {@link DockerPlugin} where the engine looks for plugins: HTTP/1.1 on a Unix socket, by default
 * {@code /run/docker/plugins/weft.sock}, which names the drivers {@code weft}. Each call runs on a virtual thread of
 * its own (the drivers wait on the router and the kernel, never on Netty's event loop), one call after the other per
 * connection so that replies keep the order of the calls. A socket file left by a plugin that died is replaced; one
 * that a live process answers on is not taken over. Closing stops the server and removes the socket file.
 *
 * <p>Threads: one Netty event loop reads and writes; the calls run on virtual threads.
 */
public final class PluginServer implements AutoCloseable {
    /**
     * Where Docker's engine finds the plugin named {@code weft}; a compile-time constant, so that naming it (the command
     * line's help does) does not initialise this class and its logger.
     */
    public static final String DEFAULT_SOCKET = "/run/docker/plugins/weft.sock";
    private static final System.Logger LOG = System.getLogger(PluginServer.class.getName());
    private static final int MAX_BODY_BYTES = 1 << 20;
    private static final String CONTENT_TYPE = "application/vnd.docker.plugins.v1.2+json";

    private final BoundServer listener;

    private PluginServer(BoundServer listener) {
        this.listener = listener;
    }

    /** Listens on {@code socket} for the engine's calls to {@code plugin}. */
    public static PluginServer start(Path socket, DockerPlugin plugin) throws IOException {
        BoundServer.claim(socket, "Docker plugin calls");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(NioServerDomainSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        channel.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_BODY_BYTES), new CallHandler(plugin, calls));
                    }
                });
        BoundServer listener = BoundServer.bind(socket, bootstrap, UnixDomainSocketAddress.of(socket), calls);
        LOG.log(System.Logger.Level.INFO, "serving the Docker network and IPAM drivers 'weft' at " + socket);
        return new PluginServer(listener);
    }

    public Path socket() {
        return listener.socket().orElseThrow();
    }

    @Override
    public void close() {
        listener.close();
    }

    /**
     * Answers a connection's calls on virtual threads, one after the other: a call is answered only after the one
     * before it on the connection, however many the decoder has read at once. The chain is the event loop's.
     */
    private static final class CallHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final DockerPlugin plugin;
        private final ExecutorService calls;
        private CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);

        CallHandler(DockerPlugin plugin, ExecutorService calls) {
            this.plugin = plugin;
            this.calls = calls;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext context, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (!request.method().equals(HttpMethod.POST)) {
                DockerPlugin.Reply refused = new DockerPlugin.Reply(405, "{\"Err\":\"the plugin takes POST\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                previous = previous.thenRunAsync(() -> reply(context, refused, keepAlive), calls);
                return;
            }
            String path = request.uri();
            int query = path.indexOf('?');
            if (query >= 0) path = path.substring(0, query);
            byte[] body = ByteBufUtil.getBytes(request.content());
            String called = path;
            previous = previous.thenRunAsync(() -> reply(context, plugin.handle(called, body), keepAlive), calls);
        }

        private static void reply(ChannelHandlerContext context, DockerPlugin.Reply reply, boolean keepAlive) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()),
                    Unpooled.wrappedBuffer(reply.body()));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE).setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
            if (keepAlive) response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            var written = context.writeAndFlush(response);
            if (!keepAlive) written.addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            LOG.log(System.Logger.Level.WARNING, "Docker plugin connection failed: " + cause.getMessage());
            context.close();
        }
    }
}

package weft.proxy.docker;

import weft.api.docker.EngineClient;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.io.ByteArrayOutputStream;
import weft.proxy.BoundServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The Docker API proxy: a Unix socket ({@code /var/run/weft/weft.sock}), or a TCP address, with TLS that asks each
 * client for a certificate of its CA unless on loopback ({@link ProxyAddress}), that passes every request to the engine and
 * every reply back unchanged, streams included ({@code logs -f}, {@code events}, chunked bodies), and, after a
 * {@code 101} upgrade ({@code attach}, {@code exec} and {@code run -i}), the raw bytes both ways, a half-close
 * included. One request is intercepted: {@code POST /containers/create}, around which {@link ContainerJoin} connects
 * the new container to the weft networks; its reply reaches the client once the container is joined, or is an error
 * that says why it is not (and the container is gone). An engine that does not answer gets 502 with the reason.
 * Every 30 s a {@link LeaseSweep} gives back pool addresses whose release the router missed.
 *
 * <p>Threads: a client connection and its engine connection share one Netty event loop, which owns their state; the
 * create's calls to the router and the engine run on virtual threads, and hand back to the loop.
 */
public final class DockerProxy implements AutoCloseable {
    /** Where {@code weft env} points the Docker client. */
    /** A compile-time constant, so that naming it (the command line's help does) does not initialise this class and its logger. */
    public static final String DEFAULT_SOCKET = "/var/run/weft/weft.sock";
    private static final System.Logger LOG = System.getLogger(DockerProxy.class.getName());
    private static final Pattern CREATE = Pattern.compile("(/v[0-9.]+)?/containers/create");
    private static final Pattern START = Pattern.compile("(/v[0-9.]+)?/containers/([^/]+)/start");
    /** How often {@link ContainerNames#sweep} looks for containers that stopped, whose names must go. */
    private static final long NAME_SWEEP_SECONDS = 5;
    private static final int MAX_CREATE_BYTES = 1 << 20;
    /** Reads the engine's create replies and writes the proxy's errors; thread-safe, made once. */
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How often {@link LeaseSweep} compares the pools' leases with the engine's record. */
    private static final long SWEEP_SECONDS = 30;

    private final BoundServer listener;
    private final ProxyAddress listening;
    private final ScheduledExecutorService sweeper;

    private DockerProxy(BoundServer listener, ProxyAddress listening, ScheduledExecutorService sweeper) {
        this.listener = listener;
        this.listening = listening;
        this.sweeper = sweeper;
    }

    /** Listens on Unix socket {@code socket} and passes each connection on to the engine at {@code engineSocket}. */
    public static DockerProxy start(Path socket, Path engineSocket, JoinSettings settings) throws IOException {
        return start(new ProxyAddress.Unix(socket), engineSocket, settings);
    }

    /** Listens at {@code address} (with TLS when it says so) and passes each connection on to the engine at {@code engineSocket}. */
    public static DockerProxy start(ProxyAddress address, Path engineSocket, JoinSettings settings) throws IOException {
        Optional<ProxyAddress.Tls> given = address instanceof ProxyAddress.Tcp tcp ? tcp.tls() : Optional.empty();
        SslContext tls = given.isPresent() ? serverTls(given.get()) : null;
        if (address instanceof ProxyAddress.Unix(Path socket)) BoundServer.claim(socket, "the Docker API");
        EngineClient engine = new EngineClient(engineSocket);
        ContainerJoin join = new ContainerJoin(engine, settings.router(), settings.driver(), settings.defaultAllocation(), JSON);
        ContainerNames names = new ContainerNames(engine, settings.router(), settings.driver(), JSON);
        // epoll, not NIO: only its Unix sockets take a half-close, which an attached stdin's end is
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
        ServerBootstrap bootstrap = new ServerBootstrap().group(group)
                .channel(address instanceof ProxyAddress.Unix ? EpollServerDomainSocketChannel.class : EpollServerSocketChannel.class)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        if (tls != null) channel.pipeline().addLast("tls", tls.newHandler(channel.alloc()));
                        channel.pipeline().addLast("http", new HttpServerCodec()).addLast(new ClientSide(engine, join, names, calls));
                    }
                });
        BoundServer listener;
        ProxyAddress listening;
        switch (address) {
            case ProxyAddress.Unix(Path socket) -> {
                listener = BoundServer.bind(socket, bootstrap, new DomainSocketAddress(socket.toFile()), calls);
                listening = address;
            }
            case ProxyAddress.Tcp(var at, var tlsFiles) -> {
                listener = BoundServer.bindTcp(bootstrap, at, calls);
                listening = new ProxyAddress.Tcp((java.net.InetSocketAddress) listener.address(), tlsFiles); // the port a 0 got
            }
        }
        LOG.log(System.Logger.Level.INFO, "Docker API proxy at " + listening.dockerHost() + given.map(files -> " (TLS, clients of " + files.clientCa() + " only)").orElse("")
                + " for the engine at " + engineSocket + " (point the client at it: eval $(weft env))");
        LeaseSweep sweep = new LeaseSweep(engine, settings.router(), settings.driver(), JSON);
        ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("docker-lease-sweep").daemon().factory());
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                sweep.sweep();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "no lease sweep this time: " + e.getMessage()); // an engine that is down, say
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "the Docker lease sweep failed: " + e);
            }
        }, 0, SWEEP_SECONDS, TimeUnit.SECONDS);
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                names.sweep();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "no name sweep this time: " + e.getMessage());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "the sweep of stopped containers' names failed: " + e);
            }
        }, NAME_SWEEP_SECONDS, NAME_SWEEP_SECONDS, TimeUnit.SECONDS);
        return new DockerProxy(listener, listening, sweeper);
    }

    /** The server side of TLS from the proxy's files: its certificate and key, and the CA its clients' certificates must come from. */
    private static SslContext serverTls(ProxyAddress.Tls tls) throws IOException {
        try {
            return SslContextBuilder.forServer(tls.certificate().toFile(), tls.key().toFile())
                    .trustManager(tls.clientCa().toFile())
                    .clientAuth(ClientAuth.REQUIRE)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot use the proxy's TLS files (certificate " + tls.certificate() + ", key " + tls.key() + " in unencrypted PKCS#8 PEM,"
                    + " client CA " + tls.clientCa() + "): " + e.getMessage(), e);
        }
    }

    /**
     * The container that {@code request} starts ({@code POST /containers/ID/start}), its ID decoded; empty for any other
     * request, and for an ID whose escapes do not decode: that start goes to the engine as it came, for the engine to
     * refuse, where an exception here would close the client's connection unanswered.
     */
    static Optional<String> startedContainer(HttpRequest request) {
        if (!request.method().equals(HttpMethod.POST)) return Optional.empty();
        java.util.regex.Matcher start = START.matcher(path(request));
        if (!start.matches()) return Optional.empty();
        try {
            return Optional.of(java.net.URLDecoder.decode(start.group(2), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException badEscape) {
            return Optional.empty();
        }
    }

    private static String path(HttpRequest request) {
        String uri = request.uri();
        int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }

    /** What the proxy needs besides its sockets: the router, the drivers' name, and whether containers join by default. */
    public record JoinSettings(weft.api.RouterApi router, String driver, boolean defaultAllocation) {
    }

    /** Where the proxy listens, the port the kernel chose for a TCP port 0 included. */
    public ProxyAddress address() {
        return listening;
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
        listener.close();
    }

    /** The client's connection: requests to the engine, and what to do with each reply, in order. */
    private static final class ClientSide extends ChannelInboundHandlerAdapter {
        private final EngineClient engineClient;
        private final ContainerJoin join;
        private final ContainerNames names;
        private final ExecutorService calls;
        /** For each request sent on, in order: where its reply goes (the client, or a create's completion). */
        private final Deque<Consumer<FullHttpResponse>> captures = new ArrayDeque<>();
        private final Deque<Boolean> captured = new ArrayDeque<>();
        private Channel client;
        private Channel engine;
        private String engineDown;
        private boolean upgraded;
        /** Reasons not to read the client: the engine not connected yet, a create waiting for its reply, the engine's backlog. */
        private boolean connecting = true, createPending, engineBacklogged;
        private HttpRequest create;
        private boolean startEnding; // a start's request is passing: reading pauses at its end, until its reply
        private ByteArrayOutputStream createBody;

        ClientSide(EngineClient engineClient, ContainerJoin join, ContainerNames names, ExecutorService calls) {
            this.engineClient = engineClient;
            this.join = join;
            this.names = names;
            this.calls = calls;
        }

        @Override
        public void channelActive(ChannelHandlerContext context) {
            client = context.channel();
            client.config().setAutoRead(false);
            new Bootstrap().group(client.eventLoop()).channel(EpollDomainSocketChannel.class)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel channel) {
                            channel.pipeline().addLast("http", new HttpClientCodec()).addLast(new EngineSide());
                        }
                    })
                    .connect(new DomainSocketAddress(engineClient.socket().toFile()))
                    .addListener(connected -> {
                        if (connected.isSuccess()) {
                            engine = ((io.netty.channel.ChannelFuture) connected).channel();
                        } else {
                            engineDown = "the Docker engine at " + engineClient.socket() + " does not answer: " + connected.cause().getMessage();
                        }
                        connecting = false;
                        readClientUnlessPaused();
                    });
        }

        /**
         * Reads the client only while nothing holds it: so a client that sends faster than the engine takes (a large
         * {@code docker load}) waits in its socket, not in the proxy's memory, and the request after a create waits
         * for the create's reply.
         */
        private void readClientUnlessPaused() {
            client.config().setAutoRead(!connecting && !createPending && !engineBacklogged);
        }

        /** Sends {@code message} to the engine, and stops reading the client while the engine's connection is full. */
        private void toEngine(Object message, boolean flush) {
            if (flush) engine.writeAndFlush(message);
            else engine.write(message);
            if (!engine.isWritable() && !engineBacklogged) {
                engineBacklogged = true;
                readClientUnlessPaused();
            }
        }

        /** Sends {@code message} to the client, and stops reading the engine while the client's connection is full. */
        private void toClient(Object message) {
            client.writeAndFlush(message);
            if (!client.isWritable()) engine.config().setAutoRead(false);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext context) {
            if (engine != null) engine.config().setAutoRead(client.isWritable());
            context.fireChannelWritabilityChanged();
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            if (upgraded) {
                toEngine(message, true);
                return;
            }
            if (engineDown != null) {
                if (message instanceof HttpRequest) replyError(HttpResponseStatus.BAD_GATEWAY, engineDown, true);
                ReferenceCountUtil.release(message);
                return;
            }
            if (message instanceof HttpRequest request) {
                Optional<String> started = startedContainer(request);
                if (request.method().equals(HttpMethod.POST) && CREATE.matcher(path(request)).matches()) {
                    create = request;
                    createBody = new ByteArrayOutputStream();
                } else if (started.isPresent()) {
                    String id = started.get();
                    captured.add(true);
                    captures.add(reply -> calls.execute(() -> started(reply, id)));
                    startEnding = true; // reading pauses at its end: the client has this reply before the next one's
                    toEngine(request, false);
                } else {
                    captured.add(false);
                    toEngine(request, false);
                }
            }
            if (message instanceof HttpContent content) {
                if (create != null) {
                    collectCreate(content);
                    return;
                }
                if (startEnding && content instanceof LastHttpContent) {
                    startEnding = false;
                    createPending = true;
                    readClientUnlessPaused();
                }
                toEngine(content, true);
            }
        }

        private void collectCreate(HttpContent content) {
            try {
                if (createBody.size() + content.content().readableBytes() > MAX_CREATE_BYTES) {
                    create = null;
                    replyError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "a container create of over " + MAX_CREATE_BYTES + " bytes", true);
                    return;
                }
                createBody.writeBytes(ByteBufUtil.getBytes(content.content()));
            } finally {
                content.release();
            }
            if (content instanceof LastHttpContent) {
                HttpRequest request = create;
                byte[] body = createBody.toByteArray();
                create = null;
                createPending = true; // the next request waits for this one's reply
                readClientUnlessPaused();
                calls.execute(() -> decide(request, body));
            }
        }

        /** Virtual thread: what the container joins; then, on the loop, the create goes to the engine. */
        private void decide(HttpRequest request, byte[] asked) {
            WeftCidr wanted;
            byte[] body = asked;
            try {
                wanted = join.decide(asked);
                if (!wanted.subnets().isEmpty()) body = withDns(asked, request);
            } catch (IllegalArgumentException e) {
                client.eventLoop().execute(() -> {
                    replyError(HttpResponseStatus.BAD_REQUEST, "weft: " + e.getMessage(), false);
                    createDone();
                });
                return;
            } catch (IOException | RuntimeException e) {
                client.eventLoop().execute(() -> {
                    replyError(HttpResponseStatus.INTERNAL_SERVER_ERROR, "weft: cannot tell the container's addresses: " + e.getMessage(), false);
                    createDone();
                });
                return;
            }
            byte[] sent = body;
            client.eventLoop().execute(() -> {
                if (wanted.subnets().isEmpty()) {
                    captured.add(false);
                    createDone();
                } else {
                    captured.add(true);
                    captures.add(reply -> calls.execute(() -> created(reply, wanted)));
                }
                HttpUtil.setTransferEncodingChunked(request, false);
                HttpUtil.setContentLength(request, sent.length);
                toEngine(request, false);
                toEngine(new DefaultLastHttpContent(Unpooled.wrappedBuffer(sent)), true);
            });
        }

        /** The create with Weft DNS's settings; as asked when the router cannot say them (the container runs without). */
        private byte[] withDns(byte[] body, HttpRequest request) {
            try {
                Optional<String> name = Optional.ofNullable(new QueryStringDecoder(request.uri()).parameters().get("name"))
                        .flatMap(values -> values.stream().findFirst());
                return names.prepare(body, name);
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a container is created without Weft DNS: " + e.getMessage());
                return body;
            }
        }

        /** Virtual thread: the container started (or not); its name goes on Weft DNS, then the client has the reply. */
        private void started(FullHttpResponse reply, String id) {
            if (reply.status().code() == 204) names.started(id);
            client.eventLoop().execute(() -> {
                client.writeAndFlush(reply);
                createDone();
            });
        }

        /** Virtual thread: the engine created the container (or refused); join it, then let the client have the reply. */
        private void created(FullHttpResponse reply, WeftCidr wanted) {
            FullHttpResponse answer = reply;
            if (reply.status().code() == 201) {
                try {
                    String id = JSON.readTree(ByteBufUtil.getBytes(reply.content())).path("Id").asText("");
                    if (id.isEmpty()) throw new IOException("the engine's reply names no container");
                    join.join(id, wanted);
                } catch (IOException | RuntimeException e) {
                    reply.release();
                    answer = errorResponse(HttpResponseStatus.INTERNAL_SERVER_ERROR, "weft: the container could not join the overlay, so it was removed: "
                            + e.getMessage(), false);
                }
            }
            FullHttpResponse toSend = answer;
            client.eventLoop().execute(() -> {
                client.writeAndFlush(toSend);
                createDone();
            });
        }

        /** Event loop: the create is answered (or sent on unchanged); the client's next request may come. */
        private void createDone() {
            createPending = false;
            readClientUnlessPaused();
        }

        private void replyError(HttpResponseStatus status, String message, boolean close) {
            var written = client.writeAndFlush(errorResponse(status, message, close));
            if (close) written.addListener(ChannelFutureListener.CLOSE);
        }

        /** An error as the engine writes one, which the Docker client shows: {@code {"message": "..."}}. */
        private static FullHttpResponse errorResponse(HttpResponseStatus status, String message, boolean close) {
            byte[] body;
            try {
                body = JSON.writeValueAsBytes(java.util.Map.of("message", message));
            } catch (IOException e) {
                body = "{\"message\":\"weft proxy error\"}".getBytes(StandardCharsets.UTF_8);
            }
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json").setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            if (close) response.headers().set(HttpHeaderNames.CONNECTION, "close");
            return response;
        }

        /**
         * The client finished sending: after an upgrade (its stdin closed) the engine learns it as it would directly;
         * before, the replies it waits for still come, and the connection closes with the engine's.
         */
        @Override
        public void userEventTriggered(ChannelHandlerContext context, Object event) {
            // over TLS the client's half-close is its close_notify (Go's CloseWrite), which the TLS handler reports so
            if (event instanceof ChannelInputShutdownEvent || event instanceof SslCloseCompletionEvent closed && closed.isSuccess()) {
                if (upgraded && engine instanceof DuplexChannel duplex && engine.isActive()) duplex.shutdownOutput();
                else if (!upgraded && engine == null) context.close();
                return;
            }
            context.fireUserEventTriggered(event);
        }

        @Override
        public void channelInactive(ChannelHandlerContext context) {
            if (engine != null) engine.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            LOG.log(System.Logger.Level.DEBUG, "Docker client connection failed: " + cause.getMessage());
            context.close();
        }

        /** The engine's connection: replies to the client, or to a create's completion; raw bytes after an upgrade. */
        private final class EngineSide extends ChannelInboundHandlerAdapter {
            private FullHttpResponse capturing;

            @Override
            public void channelRead(ChannelHandlerContext context, Object message) {
                if (upgraded) {
                    if (message instanceof ByteBuf) toClient(message);
                    else ReferenceCountUtil.release(message); // the empty end of the 101 the codec still sent
                    return;
                }
                if (message instanceof HttpResponse response) {
                    boolean capture = Boolean.TRUE.equals(captured.peek());
                    if (capture) {
                        capturing = new DefaultFullHttpResponse(response.protocolVersion(), response.status(), Unpooled.buffer());
                        capturing.headers().set(response.headers());
                    } else {
                        toClient(response); // now: a client may wait for the head alone (wait, before it starts the container)
                        if (response.status().code() == 101) {
                            upgrade(context);
                            return;
                        }
                    }
                }
                if (message instanceof HttpContent content) {
                    if (capturing != null) {
                        capturing.content().writeBytes(content.content());
                        content.release();
                        if (content instanceof LastHttpContent) {
                            captured.poll();
                            FullHttpResponse done = capturing;
                            capturing = null;
                            captures.poll().accept(done);
                        }
                    } else {
                        if (content instanceof LastHttpContent) captured.poll();
                        toClient(content);
                    }
                }
            }

            /** After 101, both connections carry raw bytes: the HTTP codecs go, what they buffered passes on. */
            private void upgrade(ChannelHandlerContext context) {
                upgraded = true;
                captured.poll();
                client.flush();
                client.pipeline().remove("http");
                context.pipeline().remove("http");
            }

            @Override
            public void channelWritabilityChanged(ChannelHandlerContext context) {
                engineBacklogged = !context.channel().isWritable();
                readClientUnlessPaused();
                context.fireChannelWritabilityChanged();
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext context, Object event) {
                if (event instanceof ChannelInputShutdownEvent) {
                    if (client instanceof DuplexChannel duplex && client.isActive()) {
                        client.flush();
                        duplex.shutdownOutput();
                    }
                    return;
                }
                context.fireUserEventTriggered(event);
            }

            @Override
            public void channelInactive(ChannelHandlerContext context) {
                client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
                LOG.log(System.Logger.Level.DEBUG, "Docker engine connection failed: " + cause.getMessage());
                context.close();
            }
        }
    }
}

package weft.router.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The topology page's live feed: {@code GET /topology/events} as server-sent events. A watcher gets the graph at
 * once, then a new {@code topology} event whenever the graph differs from the last one sent (looked at every
 * {@value #INTERVAL_MILLIS} ms while anyone watches; nothing is made while nobody does), and a comment every
 * {@value #KEEPALIVE_SECONDS} s so that proxies keep the stream open and a watcher that went away is noticed.
 *
 * <p>Threads: the ticks run on one event loop; the graph is made on a virtual thread of {@code renders} (it waits
 * for the mesh loop), one at a time ({@link #rendering}), and written to the watchers from there (Netty's writes are
 * thread-safe). {@link #last} is written by that one render only.
 */
final class TopologyFeed implements AutoCloseable {
    static final String PATH = "/topology/events";
    static final int INTERVAL_MILLIS = 1000;
    static final int KEEPALIVE_SECONDS = 15;
    /** Watchers at once: a page per operator is a handful; past this a new one is refused (503) rather than slow the router. */
    static final int MAX_WATCHERS = 32;
    private static final System.Logger LOG = System.getLogger(TopologyFeed.class.getName());

    private final Supplier<String> graph;
    private final ExecutorService renders;
    private final ChannelGroup watchers;
    private final AtomicBoolean rendering = new AtomicBoolean();
    private final ScheduledFuture<?> ticks, keepalives;
    private volatile String last;

    /**
     * @param graph   the graph as JSON, one line; may block for a while, never on the event loop
     * @param loop    where the ticks run
     * @param renders where the graph is made
     */
    TopologyFeed(Supplier<String> graph, EventLoop loop, ExecutorService renders) {
        this.graph = graph;
        this.renders = renders;
        this.watchers = new DefaultChannelGroup("topology-watchers", loop);
        this.ticks = loop.scheduleWithFixedDelay(this::tick, INTERVAL_MILLIS, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        this.keepalives = loop.scheduleWithFixedDelay(() -> send(": keepalive\n\n"), KEEPALIVE_SECONDS, KEEPALIVE_SECONDS, TimeUnit.SECONDS);
    }

    /** Whether another watcher is taken now. */
    boolean full() {
        return watchers.size() >= MAX_WATCHERS;
    }

    /**
     * Turns {@code channel}'s request into a stream: the headers, the current graph, and the channel joins the
     * watchers (leaving them when it closes).
     */
    void watch(Channel channel) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .set("X-Content-Type-Options", "nosniff");
        HttpUtil.setTransferEncodingChunked(head, true);
        channel.writeAndFlush(head).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        renders.execute(() -> {
            String current = render();
            if (current == null) {
                channel.close();
                return;
            }
            channel.writeAndFlush(event(current)).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            watchers.add(channel);
        });
    }

    private void tick() {
        if (watchers.isEmpty() || !rendering.compareAndSet(false, true)) return;
        renders.execute(() -> {
            try {
                String current = render();
                if (current != null && !current.equals(last)) {
                    last = current;
                    watchers.writeAndFlush(event(current));
                }
            } finally {
                rendering.set(false);
            }
        });
    }

    /** The graph, or null (logged) when making it failed: a watcher then keeps the last one it has. */
    private String render() {
        try {
            return graph.get();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "making the topology for the page failed: " + e);
            return null;
        }
    }

    private static DefaultHttpContent event(String json) {
        return new DefaultHttpContent(Unpooled.copiedBuffer("event: topology\ndata: " + json + "\n\n", StandardCharsets.UTF_8));
    }

    private void send(String text) {
        if (!watchers.isEmpty()) {
            watchers.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
        }
    }

    @Override
    public void close() {
        ticks.cancel(false);
        keepalives.cancel(false);
        watchers.close().awaitUninterruptibly();
    }
}

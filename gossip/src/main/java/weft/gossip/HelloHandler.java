package weft.gossip;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The hello phase of a mesh connection: sends our {@link Hello} as soon as the channel is active,
 * expects the peer's as the first frame within the handshake timeout, and then replaces itself with
 * the established-connection handlers (message codec, idle timers, heartbeats) before telling the
 * {@link Listener}. Any refusal closes the channel with a {@link CloseReason}.
 *
 * <p>This class is the whole hello; the secure handshake will replace it.
 *
 * <p>One instance per channel; runs on the channel's event loop.
 */
public final class HelloHandler extends ChannelInboundHandlerAdapter {
    /** Told once, on the channel's event loop, when a valid hello has arrived. */
    public interface Listener {
        void onHello(Hello theirs);
    }

    private final Hello ours;
    private final Duration timeout;
    private final Duration heartbeatInterval;
    private final Duration silenceLimit;
    private final Listener listener;
    private ScheduledFuture<?> timer; // null until the channel is active

    public HelloHandler(Hello ours, Duration timeout, Duration heartbeatInterval, Duration silenceLimit,
            Listener listener) {
        this.ours = ours;
        this.timeout = timeout;
        this.heartbeatInterval = heartbeatInterval;
        this.silenceLimit = silenceLimit;
        this.listener = listener;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(ours.encode(ctx.alloc()));
        timer = ctx.executor().schedule(
                () -> CloseReason.close(ctx.channel(), "handshake timed out after " + timeout.toMillis() + " ms"),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        Decoding<Hello> decoding;
        try {
            if (!(message instanceof ByteBuf frame)) {
                throw new IllegalStateException("hello phase expects frames, got " + message.getClass());
            }
            decoding = Hello.decode(frame, VersionRange.SUPPORTED);
        } finally {
            ReferenceCountUtil.release(message); // this handler consumes the hello frame
        }
        switch (decoding) {
            case Decoding.Refused<Hello>(String reason) -> CloseReason.close(ctx.channel(), "bad hello: " + reason);
            case Decoding.Decoded<Hello>(Hello theirs) -> {
                String name = ctx.name();
                ctx.pipeline()
                        .addAfter(name, "heartbeat", new HeartbeatHandler(silenceLimit))
                        .addAfter(name, "idle", new IdleStateHandler(silenceLimit.toNanos(),
                                heartbeatInterval.toNanos(), 0, TimeUnit.NANOSECONDS))
                        .replace(this, "messages", new MeshMessageCodec());
                listener.onHello(theirs);
            }
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}

package weft.gossip.wire;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import java.time.Duration;

/**
 * Keeps an established connection alive: reacts to the {@code IdleStateHandler} before it by sending
 * a heartbeat when we have written nothing for one interval, and by closing the connection when
 * the peer has sent nothing for {@code silenceLimit}. Heartbeats themselves are consumed here.
 *
 * <p>One instance per channel; runs on the channel's event loop.
 */
public final class HeartbeatHandler extends ChannelInboundHandlerAdapter {
    private final Duration silenceLimit;

    public HeartbeatHandler(Duration silenceLimit) {
        this.silenceLimit = silenceLimit;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent idle) {
            switch (idle.state()) {
                case WRITER_IDLE -> ctx.writeAndFlush(new MeshMessage.Heartbeat());
                case READER_IDLE -> CloseReason.close(ctx.channel(),
                        "peer silent for " + silenceLimit.toMillis() + " ms");
                case ALL_IDLE -> { } // not configured
            }
        } else {
            ctx.fireUserEventTriggered(event);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (!(message instanceof MeshMessage.Heartbeat)) {
            ctx.fireChannelRead(message);
        } // a heartbeat has done its job by arriving: IdleStateHandler saw the read
    }
}

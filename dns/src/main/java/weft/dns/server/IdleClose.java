package weft.dns.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * Closes a TCP client's connection once its {@link io.netty.handler.timeout.IdleStateHandler} says it was idle, so
 * that clients which open connections and leave them cannot hold the server's sockets for ever (RFC 7766 asks
 * servers for an idle timeout of a few seconds).
 *
 * <p>Stateless: one instance may serve every connection; runs on the connection's event loop.
 */
@io.netty.channel.ChannelHandler.Sharable
final class IdleClose extends ChannelInboundHandlerAdapter {
    static final IdleClose INSTANCE = new IdleClose();

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            ctx.close();
        } else {
            super.userEventTriggered(ctx, event);
        }
    }
}

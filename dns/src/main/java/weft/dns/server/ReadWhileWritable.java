package weft.dns.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Reads a TCP client only while its connection takes our answers: one that sends queries and never reads the answers
 * would otherwise pile them up in the server's memory. The answers wait in the client's socket, not in ours.
 *
 * <p>Stateless: one instance serves every connection; runs on the connection's event loop.
 */
@ChannelHandler.Sharable
final class ReadWhileWritable extends ChannelInboundHandlerAdapter {
    static final ReadWhileWritable INSTANCE = new ReadWhileWritable();

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        super.channelWritabilityChanged(ctx);
    }
}

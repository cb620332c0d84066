package weft.gossip.wire;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;

/**
 * Last handler of a mesh pipeline: an exception anywhere before it closes the connection, with the
 * exception turned into a one-line reason. Nothing is rethrown, so Netty never logs a stack trace
 * for a peer's bad bytes or a reset connection.
 *
 * <p>One instance per channel; runs on the channel's event loop.
 */
public final class ErrorCloser extends ChannelInboundHandlerAdapter {
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        CloseReason.close(ctx.channel(), describe(cause));
    }

    static String describe(Throwable cause) {
        return switch (cause) {
            case DecoderException e -> "bad mesh frame: " + e.getMessage();
            case IOException e -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            default -> "internal error: " + cause; // a bug of ours; the connection is the smallest thing to lose
        };
    }
}

package weft.gossip.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import java.util.List;

/**
 * Turns frames into {@link MeshMessage}s and back. A frame the decoder refuses closes the connection
 * with the decoder's reason. The superclass releases each inbound frame after {@code decode}; an
 * encoded buffer is handed on and owned by the next handler.
 *
 * <p>One instance per channel; runs on the channel's event loop.
 */
public final class MeshMessageCodec extends MessageToMessageCodec<ByteBuf, MeshMessage> {
    @Override
    protected void encode(ChannelHandlerContext ctx, MeshMessage message, List<Object> out) {
        out.add(MeshMessage.encode(message, ctx.alloc()));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        switch (MeshMessage.decode(frame)) {
            case Decoding.Decoded<MeshMessage>(MeshMessage message) -> out.add(message);
            case Decoding.Refused<MeshMessage>(String reason) -> CloseReason.close(ctx.channel(), reason);
        }
    }
}

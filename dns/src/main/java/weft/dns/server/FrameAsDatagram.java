package weft.dns.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Puts each DNS message framed off a TCP connection into a datagram envelope from the connection's peer, so TCP
 * queries go through the same {@link QueryDecoder} as UDP ones. One per connection, on its event loop.
 */
final class FrameAsDatagram extends MessageToMessageDecoder<ByteBuf> {
    FrameAsDatagram() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        out.add(new DatagramPacket(frame.retain(), (InetSocketAddress) ctx.channel().localAddress(),
                (InetSocketAddress) ctx.channel().remoteAddress()));
    }
}

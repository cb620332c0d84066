package weft.dns.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsResponse;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** A client that asked over a TCP connection: answered on that connection. Event loop only. */
record StreamClient(Channel channel, InetSocketAddress sender) implements Client {
    /** The most one DNS message over TCP can take, its two-byte length prefix being what it is. */
    private static final int MAX_MESSAGE = 65_535;

    @Override
    public InetAddress address() {
        return sender.getAddress();
    }

    @Override
    public int sizeLimit(Asked asked) {
        return MAX_MESSAGE;
    }

    @Override
    public DnsResponse newResponse(int id) {
        return new DefaultDnsResponse(id);
    }

    @Override
    public void send(DnsResponse response) {
        // to exceptionCaught: a refused response is logged, a closed connection closed
        channel.writeAndFlush(response).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    }

    @Override
    public void relay(ByteBuf reply) {
        ByteBuf length = channel.alloc().buffer(2).writeShort(reply.readableBytes());
        channel.writeAndFlush(Unpooled.wrappedBuffer(length, reply));
    }
}

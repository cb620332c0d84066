package weft.dns.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DnsResponse;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** A client that asked over UDP: answered on the server's UDP socket. Event loop only. */
record DatagramClient(Channel channel, InetSocketAddress sender) implements Client {
    @Override
    public InetAddress address() {
        return sender.getAddress();
    }

    @Override
    public int sizeLimit(Asked asked) {
        return Responses.udpLimit(asked);
    }

    @Override
    public DnsResponse newResponse(int id) {
        return new DatagramDnsResponse((InetSocketAddress) channel.localAddress(), sender, id);
    }

    @Override
    public void send(DnsResponse response) {
        // a response the encoder refuses is a bug of ours: to exceptionCaught, to be logged
        channel.writeAndFlush(response).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    }

    @Override
    public void sendInBatch(DnsResponse response) {
        // flushed when the read batch ends (QueryHandler.channelReadComplete): under load, one sendmmsg for many answers
        channel.write(response).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    }

    @Override
    public void relay(ByteBuf reply) {
        channel.writeAndFlush(new DatagramPacket(reply, sender));
    }
}

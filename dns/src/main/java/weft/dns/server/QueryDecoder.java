package weft.dns.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import java.util.List;

/**
 * Netty's query decoder, keeping the query's bytes beside what was asked: a forwarded query goes upstream as the
 * client wrote it, EDNS0 options and all. A packet the codec cannot decode leaves as a {@code DecoderException}
 * through {@code exceptionCaught}, where it is counted and dropped; so does one whose question the encoder could not
 * write back. One per pipeline, on its event loop.
 */
final class QueryDecoder extends DatagramDnsQueryDecoder {
    private final WritableNames writable = new WritableNames();

    @Override
    protected void decode(ChannelHandlerContext ctx, DatagramPacket packet, List<Object> out) throws Exception {
        ByteBuf content = packet.content();
        int start = content.readerIndex();
        int length = content.readableBytes();
        super.decode(ctx, packet, out);
        DnsQuery query = (DnsQuery) out.removeLast();
        try {
            Asked asked = Asked.of(query);
            for (DnsQuestion question : asked.questions()) {
                writable.check(question.name(), ctx.alloc());
            }
            // a copy, not a slice: the packet may share its buffer with the other datagrams of one recvmmsg, which a
            // forwarded query's slice would keep alive until the upstream answered
            out.add(new ReceivedQuery(asked, content.copy(start, length), packet.sender()));
        } finally {
            query.release(); // Asked keeps no buffer of it
        }
    }
}

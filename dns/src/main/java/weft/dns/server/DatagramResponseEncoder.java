package weft.dns.server;

import io.netty.channel.AddressedEnvelope;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DnsResponse;

/**
 * Netty's UDP response encoder, letting relayed upstream replies (already bytes, in a {@code DatagramPacket}) pass:
 * the stock one takes every addressed envelope for a response. On the UDP socket's event loop.
 */
final class DatagramResponseEncoder extends DatagramDnsResponseEncoder {
    @Override
    public boolean acceptOutboundMessage(Object msg) {
        return msg instanceof AddressedEnvelope<?, ?> envelope && envelope.content() instanceof DnsResponse;
    }
}

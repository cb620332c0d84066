package weft.gossip.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the bytes of the mesh's TCP streams, both ways, for the metrics: first in every connection's pipeline, so
 * it sees what the socket carries (handshakes, length prefixes, sealing and heartbeats included). Bytes are counted
 * as they are read, and as they are handed to the socket to write (a connection that dies with writes queued has
 * counted them). It passes every message on untouched and owns none.
 *
 * <p>Shared by all connections; thread-safe (the adders take counts from any event loop, readers from any thread).
 */
@ChannelHandler.Sharable
public final class TrafficMeter extends ChannelDuplexHandler {
    private final LongAdder sent = new LongAdder(), received = new LongAdder();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        received.add(bytes(message));
        ctx.fireChannelRead(message);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object message, ChannelPromise promise) {
        sent.add(bytes(message));
        ctx.write(message, promise);
    }

    private static int bytes(Object message) {
        return switch (message) {
            case ByteBuf buffer -> buffer.readableBytes();
            case ByteBufHolder holder -> holder.content().readableBytes();
            default -> 0; // nothing else reaches a socket channel's head
        };
    }

    public long sentBytes() {
        return sent.sum();
    }

    public long receivedBytes() {
        return received.sum();
    }
}

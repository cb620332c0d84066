package weft.dns.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Asks upstream servers over one UDP socket shared by all forwarded queries: each goes out under a fresh random ID
 * (clients' IDs would collide), and a reply is taken only from the server asked, under the ID it was asked with.
 * It is the socket's handler; its state belongs to the socket's event loop.
 */
final class DatagramUpstream extends SimpleChannelInboundHandler<DatagramPacket> implements Upstream {
    private final Duration timeout;
    private final Map<Integer, Question> outstanding = new HashMap<>();
    private Channel channel;

    DatagramUpstream(Duration timeout) {
        super(DatagramPacket.class);
        this.timeout = timeout;
    }

    private record Question(InetSocketAddress server, Outcome outcome, ScheduledFuture<?> timer) {
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void ask(ByteBuf query, InetSocketAddress server, Outcome outcome) {
        int id = freeId();
        ByteBuf renamed = channel.alloc().buffer(query.readableBytes()).writeBytes(query, query.readerIndex(),
                query.readableBytes());
        renamed.setShort(0, id);
        ScheduledFuture<?> timer = channel.eventLoop().schedule(() -> giveUp(id), timeout.toNanos(),
                TimeUnit.NANOSECONDS);
        outstanding.put(id, new Question(server, outcome, timer));
        channel.writeAndFlush(new DatagramPacket(renamed, server)).addListener(sent -> {
            if (!sent.isSuccess()) {
                giveUp(id); // unreachable at once: no use waiting out the timeout
            }
        });
    }

    @Override
    public void abandonAll() {
        for (Integer id : new ArrayList<>(outstanding.keySet())) {
            giveUp(id);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        ByteBuf reply = packet.content();
        if (reply.readableBytes() < WireSize.HEADER) {
            return; // not even a header
        }
        int id = reply.getUnsignedShort(reply.readerIndex());
        Question question = outstanding.get(id);
        if (question == null || !sameEndpoint(question.server(), packet.sender())) {
            return; // late, or not from whom we asked: someone guessing IDs
        }
        outstanding.remove(id);
        question.timer().cancel(false);
        question.outcome().answered(reply.retain());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // an ICMP error on the shared socket is no reason to close it; the question times out
    }

    private void giveUp(int id) {
        Question question = outstanding.remove(id);
        if (question != null) {
            question.timer().cancel(false);
            question.outcome().failed();
        }
    }

    private int freeId() {
        // outstanding questions are bounded by the forward budget, far below 65536: this ends quickly
        int id;
        do {
            id = ThreadLocalRandom.current().nextInt(0x10000);
        } while (outstanding.containsKey(id));
        return id;
    }

    /** Equal, counting an IPv4 address and its IPv4-mapped IPv6 form (as a dual-stack socket reports it) as one. */
    private static boolean sameEndpoint(InetSocketAddress asked, InetSocketAddress sender) {
        return asked.getPort() == sender.getPort() && plain(asked.getAddress()).equals(plain(sender.getAddress()));
    }

    private static InetAddress plain(InetAddress address) {
        try {
            return InetAddress.getByAddress(address.getAddress()); // turns an IPv4-mapped address into IPv4
        } catch (UnknownHostException impossible) {
            throw new AssertionError("an address's own bytes are an address", impossible);
        }
    }
}

package weft.dns.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import weft.dns.NameLookup;

/**
 * Answers each decoded query from the mesh's names, or hands it to the {@link Forwarder}. Whatever goes wrong with
 * one packet ends with that packet: on UDP the socket serves on, on TCP the connection is closed. Runs on the event
 * loop; one for the UDP socket, one per TCP connection.
 */
final class QueryHandler extends SimpleChannelInboundHandler<ReceivedQuery> {
    private static final System.Logger LOG = System.getLogger(QueryHandler.class.getName());

    private final Answerer answerer;
    private final Supplier<NameLookup> names;
    private final long ttlSeconds;
    private final Forwarder forwarder;
    private final LiveCounters counters;
    private final BiFunction<Channel, InetSocketAddress, Client> clients;
    private final boolean stream;

    /** @param clients makes the client of a query from the channel it came on and its sender */
    QueryHandler(Answerer answerer, Supplier<NameLookup> names, Duration ttl, Forwarder forwarder,
                 LiveCounters counters, BiFunction<Channel, InetSocketAddress, Client> clients, boolean stream) {
        super(ReceivedQuery.class, false); // the wire bytes are released here, not by the superclass
        this.answerer = answerer;
        this.names = names;
        this.ttlSeconds = ttl.toSeconds();
        this.forwarder = forwarder;
        this.counters = counters;
        this.clients = clients;
        this.stream = stream;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ReceivedQuery query) {
        try {
            Client client = clients.apply(ctx.channel(), query.sender());
            Asked asked = query.asked();
            switch (answerer.decide(asked, names.get())) {
                case Decision.Local local -> answer(client, asked, local);
                case Decision.Forward ignored -> forwarder.forward(asked, query.wire(), client);
            }
        } finally {
            query.wire().release();
        }
    }

    private void answer(Client client, Asked asked, Decision.Local local) {
        DnsResponseCode code = local.code();
        if (code.equals(DnsResponseCode.NOTIMP)) {
            counters.notImplemented.increment();
        } else if (code.equals(DnsResponseCode.FORMERR)) {
            counters.formatErrors.increment();
        } else {
            counters.localAnswers.increment();
            if (code.equals(DnsResponseCode.NXDOMAIN)) {
                counters.nxdomain.increment();
            }
        }
        DnsResponse response = Responses.fill(client.newResponse(asked.id()), asked, local, ttlSeconds,
                client.sizeLimit(asked));
        if (response.isTruncated()) {
            counters.truncated.increment();
        }
        client.sendInBatch(response);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush(); // the answers of this read batch, written by the clients
        ctx.fireChannelReadComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException) {
            counters.droppedMalformed.increment(); // not worth a log line: anyone can send us garbage
        } else {
            // a reset TCP connection is the client's business; anything else is ours
            LOG.log(cause instanceof IOException ? Level.DEBUG : Level.WARNING, "DNS query on " + ctx.channel() + " failed", cause);
        }
        if (stream) {
            ctx.close(); // the stream may be out of step: start afresh
        }
    }
}

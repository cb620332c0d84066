package weft.dns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.dns.TcpDnsResponseEncoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What the DNS server reads: a query datagram, the byte stream of a TCP connection (each through the handlers
 * {@link DnsServer} installs, answering from a small fixed {@link MapNames} and forwarding to an upstream that answers
 * at once), and the {@code nameserver} lines of a resolv.conf.
 *
 * <p>A finding is anything but the documented outcome: a query is answered, or Netty's decoder refuses it with a
 * {@code DecoderException} that {@link QueryHandler} counts as malformed and drops (on TCP, closing the connection).
 * Anything else {@link QueryHandler} logs as a bug of ours, with its exception, which the target throws; so is a
 * datagram neither answered nor counted, an answer we built larger than the client can take (512 bytes without
 * EDNS0, {@link Responses#MAX_UDP_SIZE} with it), a buffer left unreleased, a hang or an unbounded allocation. A
 * resolv.conf is read without a refusal: lines that are not a name server are skipped.
 */
class DnsServerFuzzTest {
    private static final InetSocketAddress SERVER = new InetSocketAddress(InetAddress.ofLiteral("10.32.0.53"), 53);
    private static final InetSocketAddress CLIENT = new InetSocketAddress(InetAddress.ofLiteral("10.32.0.7"), 40123);
    private static final InetSocketAddress UPSTREAM = new InetSocketAddress(InetAddress.ofLiteral("192.0.2.53"), 53);
    private static final Answerer ANSWERER = new Answerer(DnsSettings.DEFAULT_DOMAIN);
    private static final Duration TTL = Duration.ofSeconds(1);
    private static final MapNames NAMES = many(new MapNames()
            .with("db.weft.local.", "10.32.0.1", "10.32.0.2", "10.32.0.3")
            .with("web.weft.local.", "10.32.0.9"));
    /** Where {@link QueryHandler} reports what it takes for a bug of ours. */
    private static final Logger HANDLER_LOG = Logger.getLogger(QueryHandler.class.getName());
    private static final int ARCOUNT_OFFSET = 10;

    @FuzzTest
    void udpQuery(byte[] datagram) {
        LiveCounters counters = new LiveCounters();
        EmbeddedChannel socket = new Socket(new DatagramResponseEncoder(), new QueryDecoder(),
                new QueryHandler(ANSWERER, () -> NAMES, TTL, forwarder(counters), counters, DatagramClient::new,
                        false));
        ByteBuf content = Unpooled.buffer(datagram.length).writeBytes(datagram);
        int answers = 0;
        try (Bugs bugs = new Bugs()) {
            socket.writeInbound(new DatagramPacket(content, SERVER, CLIENT));
            for (DatagramPacket answer; (answer = socket.readOutbound()) != null; answer.release()) {
                answers++;
                ByteBuf bytes = answer.content();
                // our answers carry an OPT record, and only it, when the query had one
                int limit = bytes.getUnsignedShort(ARCOUNT_OFFSET) == 0 ? Responses.PLAIN_UDP_SIZE
                        : Responses.MAX_UDP_SIZE;
                assertTrue(bytes.readableBytes() <= limit, "an answer of " + bytes.readableBytes() + " bytes");
            }
            socket.finishAndReleaseAll();
            bugs.rethrow();
        }
        assertEquals(1, answers + counters.droppedMalformed.sum(), "answered " + answers + " times, "
                + counters.droppedMalformed.sum() + " times counted as malformed");
        assertEquals(0, content.refCnt(), "the query's buffer was kept");
    }

    @FuzzTest
    void tcpQueries(byte[] stream) {
        LiveCounters counters = new LiveCounters();
        EmbeddedChannel connection = new Socket(
                new IdleStateHandler(0, 0, DnsServer.TCP_IDLE_SECONDS, TimeUnit.SECONDS), IdleClose.INSTANCE,
                ReadWhileWritable.INSTANCE, new TcpDnsResponseEncoder(),
                new LengthFieldBasedFrameDecoder(65_535, 0, 2, 0, 2), new FrameAsDatagram(), new QueryDecoder(),
                new QueryHandler(ANSWERER, () -> NAMES, TTL, forwarder(counters), counters, StreamClient::new, true));
        ByteBuf in = Unpooled.buffer(stream.length).writeBytes(stream);
        try (Bugs bugs = new Bugs()) {
            connection.writeInbound(in);
            for (Object answer; (answer = connection.readOutbound()) != null; ) {
                ReferenceCountUtil.release(answer);
            }
            connection.finishAndReleaseAll();
            bugs.rethrow();
        }
        assertEquals(0, in.refCnt(), "the stream's buffer was kept");
    }

    @FuzzTest
    void resolvConf(byte[] file) {
        for (InetSocketAddress server : ResolvConf.nameservers(new String(file, StandardCharsets.UTF_8))) {
            assertEquals(DnsSettings.DEFAULT_PORT, server.getPort());
        }
    }

    /** Forwards to one upstream, which answers every query at once with its header, flagged as a response. */
    private static Forwarder forwarder(LiveCounters counters) {
        DnsSettings defaults = DnsSettings.defaults();
        Upstream echo = new Upstream() {
            @Override
            public void ask(ByteBuf query, InetSocketAddress server, Outcome outcome) {
                ByteBuf reply = query.copy(query.readerIndex(), 12);
                reply.setByte(2, reply.getByte(2) | 0x80); // QR
                outcome.answered(reply);
            }

            @Override
            public void abandonAll() {
            }
        };
        return new Forwarder(() -> List.of(UPSTREAM), SERVER, new ForwardBudget(defaults.maxForwardedPerClient(),
                defaults.maxForwardedTotal()), echo, echo, counters);
    }

    /** Enough addresses under one name that an answer with all of them does not fit a datagram. */
    private static MapNames many(MapNames names) {
        String[] addresses = new String[300];
        for (int i = 0; i < addresses.length; i++) {
            addresses[i] = "10.33." + (i / 256) + "." + (i % 256);
        }
        return names.with("many.weft.local.", addresses);
    }

    /** An {@link EmbeddedChannel} with a real socket's addresses, which the server's handlers take it to have. */
    private static final class Socket extends EmbeddedChannel {
        Socket(ChannelHandler... handlers) {
            super(handlers);
        }

        @Override
        protected SocketAddress localAddress0() {
            return SERVER;
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return CLIENT;
        }
    }

    /** Collects what {@link QueryHandler} logs as a bug of ours while open (the tests' logging shows only SEVERE). */
    private static final class Bugs extends Handler implements AutoCloseable {
        private final List<Throwable> thrown = new ArrayList<>();
        private final Level level = HANDLER_LOG.getLevel();
        private final boolean useParentHandlers = HANDLER_LOG.getUseParentHandlers();

        Bugs() {
            HANDLER_LOG.setLevel(Level.WARNING);
            HANDLER_LOG.setUseParentHandlers(false); // the target throws it: no need for the console to show it too
            HANDLER_LOG.addHandler(this);
        }

        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                thrown.add(record.getThrown() != null ? record.getThrown() : new AssertionError(record.getMessage()));
            }
        }

        void rethrow() {
            if (!thrown.isEmpty()) {
                throw new AssertionError("QueryHandler logged a bug: " + thrown.getFirst(), thrown.getFirst());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            HANDLER_LOG.removeHandler(this);
            HANDLER_LOG.setUseParentHandlers(useParentHandlers);
            HANDLER_LOG.setLevel(level);
        }
    }
}

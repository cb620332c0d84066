package weft.dns.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Asks upstream servers over TCP, one connection per question (as glibc does): the answer comes whole, however
 * large. The query keeps its ID, the connection being the client's alone. Its state belongs to the event loop it is
 * given, which is also where its connections run.
 */
final class StreamUpstream implements Upstream {
    private final Bootstrap bootstrap;
    private final EventLoop loop;
    private final Duration timeout;
    private final Set<Channel> open = new HashSet<>();

    StreamUpstream(Class<? extends SocketChannel> channelClass, EventLoop loop, Duration timeout) {
        this.loop = loop;
        this.timeout = timeout;
        this.bootstrap = new Bootstrap().group(loop).channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(timeout.toMillis(), Integer.MAX_VALUE));
    }

    @Override
    public void ask(ByteBuf query, InetSocketAddress server, Outcome outcome) {
        Exchange exchange = new Exchange(outcome);
        // scheduled first: a connect that fails at once ends the exchange, timer and all
        exchange.timer = loop.schedule(exchange::end, timeout.toNanos(), TimeUnit.NANOSECONDS);
        ChannelFuture connecting = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel channel) {
                channel.pipeline().addLast(new LengthFieldBasedFrameDecoder(65_535, 0, 2, 0, 2), exchange);
            }
        }).connect(server);
        Channel channel = connecting.channel();
        exchange.channel = channel;
        open.add(channel);
        ByteBuf framed = Unpooled.wrappedBuffer(channel.alloc().buffer(2).writeShort(query.readableBytes()),
                query.retainedDuplicate());
        connecting.addListener(connected -> {
            if (connected.isSuccess()) {
                channel.writeAndFlush(framed);
            } else {
                framed.release();
                exchange.end();
            }
        });
        channel.closeFuture().addListener(closed -> {
            open.remove(channel);
            exchange.end(); // closed by the server before it answered
        });
    }

    @Override
    public void abandonAll() {
        for (Channel channel : List.copyOf(open)) {
            channel.close(); // its close listener fails the outcome
        }
    }

    /** One question on one connection: the first of answer, timeout, or close ends it. */
    private static final class Exchange extends SimpleChannelInboundHandler<ByteBuf> {
        private final Outcome outcome;
        private ScheduledFuture<?> timer;
        private Channel channel;
        private boolean ended;

        Exchange(Outcome outcome) {
            super(ByteBuf.class);
            this.outcome = outcome;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            if (frame.readableBytes() < WireSize.HEADER) { // no reply at all: the next server is asked
                ctx.close();
                return;
            }
            if (!ended) {
                ended = true;
                timer.cancel(false);
                outcome.answered(frame.retain());
            }
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // the close ends the question
        }

        void end() {
            if (!ended) {
                ended = true;
                timer.cancel(false);
                channel.close();
                outcome.failed();
            }
        }
    }
}

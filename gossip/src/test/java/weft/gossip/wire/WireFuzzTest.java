package weft.gossip.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleStateHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import weft.crypto.HandshakeSecrets;
import weft.crypto.SessionKeys;

/**
 * What a mesh connection reads from its peer, through the handlers {@code MeshEdge} installs: a hello, a password
 * share, a whole inbound handshake, and the frames of an established connection in the clear and sealed.
 *
 * <p>A finding is anything but the documented refusals: a decoder answers bad bytes with {@link Decoding.Refused}, a
 * handler with a {@link CloseReason} and a closed channel, the frame decoder with a {@link TooLongFrameException},
 * which {@link ErrorCloser} turns into a close. Any other exception (which {@code ErrorCloser} would have hidden as
 * "internal error" or "bad mesh frame"), a buffer left unreleased, a hang or an unbounded allocation is a bug; so is
 * a decoded hello or share that does not encode to the bytes it came from.
 */
class WireFuzzTest {
    private static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2026-01-01T00:00:00Z"));
    private static final Duration SILENCE = HandshakeEnds.BEAT.multipliedBy(3);
    /** The session of {@link #sealedFrame}: fixed, so that frames sealed once with the initiator's keys open here. */
    private static final byte[] SHARED_SECRET = "a fixed X25519 result: 32 bytes.".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRANSCRIPT = "two hellos".getBytes(StandardCharsets.US_ASCII);
    /** Our end of {@link #handshake}: fixed keys and hello, so that a recorded initiator's bytes replay. */
    private static final HandshakeSecrets RESPONDER_SECRETS = HandshakeSecrets.generate(HandshakeEnds.SECRET,
            HandshakeEnds.seeded(2026));
    private static final Hello RESPONDER_HELLO = HandshakeEnds.hello("fuzz-r", 2, VersionRange.SUPPORTED,
            Optional.of(RESPONDER_SECRETS.ephemeral().publicKey()));

    @FuzzTest
    void hello(byte[] bytes) {
        ByteBuf frame = Unpooled.wrappedBuffer(bytes);
        if (Hello.decode(frame, VersionRange.SUPPORTED) instanceof Decoding.Decoded<Hello>(Hello hello)) {
            assertArrayEquals(bytes, encoded(hello.encode(UnpooledByteBufAllocator.DEFAULT)));
        }
        assertEquals(0, frame.readerIndex(), "decode moved the reader index");
    }

    @FuzzTest
    void pakeShare(byte[] bytes) {
        if (PakeShare.decode(Unpooled.wrappedBuffer(bytes)) instanceof Decoding.Decoded<PakeShare>(PakeShare share)) {
            assertArrayEquals(bytes, encoded(share.encode(UnpooledByteBufAllocator.DEFAULT)));
        }
    }

    /** The TCP stream of an inbound connection on a mesh with a password, from its first byte. */
    @FuzzTest
    void handshake(byte[] stream) {
        read(responder(), stream);
    }

    /** The TCP stream of an established connection in the clear. */
    @FuzzTest
    void meshFrames(byte[] stream) {
        read(new EmbeddedChannel(establishedFrames(), MeshFrameDecoder.encoder(), new MeshMessageCodec(), idle(),
                new HeartbeatHandler(SILENCE), new Refusals()), stream);
    }

    /** The TCP stream of an established encrypted connection: length framing, then each frame opened and decoded. */
    @FuzzTest
    void sealedFrame(byte[] stream) {
        SessionKeys keys = SessionKeys.derive(HandshakeEnds.SECRET, SHARED_SECRET, TRANSCRIPT, false);
        read(new EmbeddedChannel(establishedFrames(), MeshFrameDecoder.encoder(),
                new SealingCodec(keys.controlSend(CLOCK), keys.controlReceive()), new MeshMessageCodec(), idle(),
                new HeartbeatHandler(SILENCE), new Refusals()), stream);
    }

    /** The responder's pipeline as {@code MeshEdge} builds it, before the handshake. */
    private static EmbeddedChannel responder() {
        return new EmbeddedChannel(new MeshFrameDecoder(), MeshFrameDecoder.encoder(),
                new HandshakeHandler(RESPONDER_HELLO, Optional.of(RESPONDER_SECRETS), false, CLOCK,
                        HandshakeEnds.TIMEOUT, HandshakeEnds.BEAT, SILENCE, (theirs, keys) -> { }),
                new Refusals());
    }

    private static MeshFrameDecoder establishedFrames() {
        MeshFrameDecoder frames = new MeshFrameDecoder();
        frames.handshakeDone();
        return frames;
    }

    private static IdleStateHandler idle() {
        return new IdleStateHandler(SILENCE.toNanos(), HandshakeEnds.BEAT.toNanos(), 0, TimeUnit.NANOSECONDS);
    }

    /** Writes {@code stream} in as one read, closes, and checks that the pipeline released it. */
    private static void read(EmbeddedChannel channel, byte[] stream) {
        // not wrappedBuffer: that gives the shared empty buffer, never released, for no bytes
        ByteBuf in = Unpooled.buffer(stream.length).writeBytes(stream);
        try {
            channel.writeInbound(in);
        } finally {
            channel.finishAndReleaseAll();
        }
        assertEquals(0, in.refCnt(), "the pipeline kept the stream's buffer");
    }

    private static byte[] encoded(ByteBuf buffer) {
        try {
            return ByteBufUtil.getBytes(buffer);
        } finally {
            buffer.release();
        }
    }

    /**
     * In {@link ErrorCloser}'s place: closes the connection on the frame decoder's documented refusal as it does, and
     * passes anything else on to the {@link EmbeddedChannel}, which throws it to the target.
     */
    private static final class Refusals extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof TooLongFrameException) {
                CloseReason.close(ctx.channel(), ErrorCloser.describe(cause));
            } else {
                ctx.fireExceptionCaught(cause);
            }
        }
    }
}

package weft.gossip.wire;

import weft.gossip.PeerName;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HandshakeHandlerTest {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final Hello OURS = new Hello(VersionRange.SUPPORTED, PeerName.parse("02:00:00:00:00:0a"), 1, 2, 6783, "a");

    final List<Hello> heard = new ArrayList<>();
    final EmbeddedChannel channel = new EmbeddedChannel(new MeshFrameDecoder(), MeshFrameDecoder.encoder(),
            new HandshakeHandler(OURS, java.util.Optional.empty(), true,
                    java.time.InstantSource.system(), TIMEOUT, Duration.ofSeconds(5), Duration.ofSeconds(15),
                    (theirs, keys) -> {
                        assertTrue(keys.isEmpty());
                        heard.add(theirs);
                    }),
            new ErrorCloser());

    @AfterEach
    void finish() {
        channel.finishAndReleaseAll();
    }

    static ByteBuf framed(ByteBuf payload) {
        return Unpooled.wrappedBuffer(Unpooled.buffer(4).writeInt(payload.readableBytes()), payload);
    }

    @Test
    void shouldSendOurHelloAndInstallTheMessageHandlersOnTheirs() {
        ByteBuf length = channel.readOutbound();
        assertNotNull(length, "our hello goes out when the channel becomes active");
        length.release();
        ((ByteBuf) channel.readOutbound()).release();
        Hello theirs = HelloTest.HELLO;
        channel.writeInbound(framed(theirs.encode(UnpooledByteBufAllocator.DEFAULT)));
        assertEquals(List.of(theirs), heard);
        assertNotNull(channel.pipeline().get(MeshMessageCodec.class));
        assertNotNull(channel.pipeline().get(HeartbeatHandler.class));
        channel.advanceTimeBy(TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
        channel.runPendingTasks();
        assertTrue(channel.isOpen(), "the handshake timer is cancelled once the hello arrived");
    }

    @Test
    void shouldCloseWhenNoHelloArrivesInTime() {
        // the embedded loop's clock also runs in real time, so the boundary is checked with a margin
        channel.advanceTimeBy(TIMEOUT.toNanos() - Duration.ofSeconds(1).toNanos(), TimeUnit.NANOSECONDS);
        channel.runPendingTasks();
        assertTrue(channel.isOpen());
        channel.advanceTimeBy(Duration.ofSeconds(1).toNanos(), TimeUnit.NANOSECONDS);
        channel.runPendingTasks();
        assertFalse(channel.isOpen());
        assertEquals("handshake timed out after 10000 ms", CloseReason.of(channel));
    }

    @Test
    void shouldRefuseAPeerThatHasAPasswordWhenWeHaveNone() {
        channel.writeInbound(framed(HelloTest.SECURE.encode(UnpooledByteBufAllocator.DEFAULT)));
        assertFalse(channel.isOpen());
        assertEquals("handshake refused: peer 7a:31:c4:02:9e:0e(host-b) requires a password and this router has none",
                CloseReason.of(channel));
        assertEquals(List.of(), heard);
    }

    @Test
    void shouldCloseOnABadHelloWithTheDecodersReason() {
        channel.writeInbound(framed(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));
        assertFalse(channel.isOpen());
        assertEquals("bad hello: truncated hello: 3 bytes", CloseReason.of(channel));
        assertEquals(List.of(), heard);
    }

    @Test
    void shouldRefuseAFrameOverTheHandshakeLimitBeforeReadingItsPayload() {
        channel.writeInbound(Unpooled.buffer().writeInt(MeshFrameDecoder.HANDSHAKE_MAX_FRAME_BYTES + 1).writeByte(0));
        assertFalse(channel.isOpen());
        assertEquals("bad mesh frame: frame of 1025 bytes during the handshake, over its limit of 1024",
                CloseReason.of(channel));
        assertEquals(List.of(), heard);
    }

    @Test
    void shouldRefuseALengthOfAMebibyteDuringTheHandshakeThoughItWouldFitLater() {
        channel.writeInbound(Unpooled.buffer().writeInt(1 << 20));
        assertFalse(channel.isOpen());
        assertTrue(CloseReason.of(channel).contains("during the handshake"), CloseReason.of(channel));
    }

    @Test
    void shouldPassAFrameAtTheHandshakeLimitEvenSplitAcrossReads() {
        ByteBuf frame = Unpooled.buffer().writeInt(MeshFrameDecoder.HANDSHAKE_MAX_FRAME_BYTES)
                .writeZero(MeshFrameDecoder.HANDSHAKE_MAX_FRAME_BYTES);
        channel.writeInbound(frame.readRetainedSlice(2));
        channel.writeInbound(frame.readRetainedSlice(600));
        assertTrue(channel.isOpen());
        channel.writeInbound(frame);
        assertFalse(channel.isOpen());
        assertEquals("bad hello: not a weft hello (bad magic)", CloseReason.of(channel), "the frame reached the hello decoder");
    }

    @Test
    void shouldTakeTheLargestHelloOfEitherReleaseWithinTheHandshakeLimit() {
        // the hello's layout is the same in the previous release: a 255-byte nickname and a public key is the most
        String nickname = "n".repeat(255);
        Hello largest = new Hello(VersionRange.SUPPORTED, PeerName.parse("02:00:00:00:00:0b"), 1, 2, 6783, nickname,
                true, new byte[32]);
        ByteBuf encoded = largest.encode(UnpooledByteBufAllocator.DEFAULT);
        assertEquals(319, encoded.readableBytes());
        encoded.release();
        Hello plain = new Hello(VersionRange.SUPPORTED, PeerName.parse("02:00:00:00:00:0b"), 1, 2, 6783, nickname);
        channel.writeInbound(framed(plain.encode(UnpooledByteBufAllocator.DEFAULT)));
        assertEquals(List.of(plain), heard);
    }

    @Test
    void shouldTakeLargeFramesOnceEstablished() {
        channel.writeInbound(framed(HelloTest.HELLO.encode(UnpooledByteBufAllocator.DEFAULT)));
        assertEquals(List.of(HelloTest.HELLO), heard);
        ByteBuf heartbeatWithABody = Unpooled.buffer().writeInt(64 * 1024).writeByte(MeshMessage.HEARTBEAT)
                .writeZero(64 * 1024 - 1);
        channel.writeInbound(heartbeatWithABody);
        assertFalse(channel.isOpen());
        assertEquals("heartbeat with a 65535-byte body", CloseReason.of(channel), "the frame reached the message codec");
    }
}

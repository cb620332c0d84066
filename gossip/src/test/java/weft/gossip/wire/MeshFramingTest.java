package weft.gossip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The established-connection pipeline, with paranoid leak detection from the surefire configuration. */
class MeshFramingTest {
    static final Duration BEAT = Duration.ofSeconds(5);
    static final Duration SILENCE = BEAT.multipliedBy(3);

    final EmbeddedChannel channel = new EmbeddedChannel(
            established(), MeshFrameDecoder.encoder(), new MeshMessageCodec(),
            new IdleStateHandler(SILENCE.toNanos(), BEAT.toNanos(), 0, TimeUnit.NANOSECONDS),
            new HeartbeatHandler(SILENCE), new ErrorCloser());

    /** A frame decoder as the handshake leaves it. */
    static MeshFrameDecoder established() {
        MeshFrameDecoder frames = new MeshFrameDecoder();
        frames.handshakeDone();
        return frames;
    }

    @AfterEach
    void finish() {
        channel.finishAndReleaseAll();
    }

    static ByteBuf frame(int... bytes) {
        ByteBuf buf = Unpooled.buffer().writeInt(bytes.length);
        for (int b : bytes) {
            buf.writeByte(b);
        }
        return buf;
    }

    @Test
    void shouldConsumeAHeartbeatSplitAcrossReads() {
        ByteBuf whole = frame(MeshMessage.HEARTBEAT);
        channel.writeInbound(whole.readRetainedSlice(2));
        channel.writeInbound(whole.readRetainedSlice(2));
        assertTrue(channel.isOpen());
        channel.writeInbound(whole); // last byte; whole is now owned by the channel
        assertNull(channel.readInbound(), "heartbeats stop at the heartbeat handler");
        assertTrue(channel.isOpen());
    }

    @Test
    void shouldCloseOnAnOversizedLengthBeforeReadingThePayload() {
        channel.writeInbound(Unpooled.buffer().writeInt(MeshFrameDecoder.MAX_FRAME_BYTES + 1).writeByte(0));
        assertFalse(channel.isOpen());
        assertTrue(CloseReason.of(channel).startsWith("bad mesh frame:"), CloseReason.of(channel));
    }

    @Test
    void shouldCloseOnAnUnknownTagSayingWhy() {
        channel.writeInbound(frame(0x7f, 1, 2));
        assertFalse(channel.isOpen());
        assertEquals("unknown mesh message tag 127", CloseReason.of(channel));
    }

    @Test
    void shouldCloseOnGarbage() {
        channel.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", java.nio.charset.StandardCharsets.US_ASCII));
        assertFalse(channel.isOpen());
    }

    @Test
    void shouldSendAHeartbeatWhenQuietAndCloseWhenThePeerIsSilent() {
        channel.advanceTimeBy(BEAT.toNanos(), TimeUnit.NANOSECONDS);
        channel.runPendingTasks();
        ByteBuf sent = channel.readOutbound();
        // the prepender may hand on the length and the payload as two buffers
        ByteBuf rest = channel.readOutbound();
        int total = sent.readableBytes() + (rest == null ? 0 : rest.readableBytes());
        assertEquals(5, total, "u32 length + heartbeat tag");
        sent.release();
        if (rest != null) {
            rest.release();
        }
        assertTrue(channel.isOpen());
        channel.advanceTimeBy(SILENCE.toNanos(), TimeUnit.NANOSECONDS);
        channel.runPendingTasks();
        assertFalse(channel.isOpen());
        assertEquals("peer silent for 15000 ms", CloseReason.of(channel));
    }
}

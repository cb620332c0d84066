package weft.dns.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class ReadWhileWritableTest {
    @Test
    void aClientThatDoesNotTakeItsAnswersIsNotReadUntilItDoes() {
        EmbeddedChannel channel = new EmbeddedChannel(ReadWhileWritable.INSTANCE);
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
        channel.write(Unpooled.wrappedBuffer(new byte[64])); // answers waiting, not taken
        assertFalse(channel.config().isAutoRead(), "no more queries read while the answers wait");
        channel.flush();
        channel.releaseOutbound();
        assertTrue(channel.config().isAutoRead(), "read again once they are taken");
    }
}

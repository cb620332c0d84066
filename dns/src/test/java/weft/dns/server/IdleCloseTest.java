package weft.dns.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import org.junit.jupiter.api.Test;

class IdleCloseTest {
    @Test
    void anIdleConnectionIsClosedAndOtherEventsPassOn() {
        EmbeddedChannel channel = new EmbeddedChannel(IdleClose.INSTANCE);
        channel.pipeline().fireUserEventTriggered("something else");
        assertTrue(channel.isOpen());
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        assertFalse(channel.isOpen());
    }
}

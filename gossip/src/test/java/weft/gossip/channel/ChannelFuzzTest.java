package weft.gossip.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import weft.gossip.wire.Decoding;

/**
 * The body of a gossip channel message as a peer sends it (tag 10 of a mesh frame), through
 * {@link ChannelCodec#decode}. A finding is anything but a {@link Decoding.Refused} for bad bytes: an exception, a
 * hang, an allocation out of proportion to the input, or a decoded message that does not encode to the bytes it came
 * from (the format has one encoding per message).
 */
class ChannelFuzzTest {
    @FuzzTest
    void channelMessage(byte[] bytes) {
        if (ChannelCodec.decode(bytes) instanceof Decoding.Decoded<ChannelMessage>(ChannelMessage message)) {
            assertArrayEquals(bytes, ChannelCodec.encode(message), message.channel());
        }
    }
}

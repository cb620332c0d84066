package weft.gossip.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import weft.gossip.wire.Decoding;

/**
 * The body of a topology message as a peer sends it (tag 9 of a mesh frame), through {@link TopologyCodec#decode}.
 * A finding is anything but a {@link Decoding.Refused} for bad bytes: an exception, a hang, an allocation out of
 * proportion to the input, or a decoded message that does not encode to the bytes it came from (the format has one
 * encoding per message).
 */
class TopologyFuzzTest {
    @FuzzTest
    void topologyMessage(byte[] bytes) {
        if (TopologyCodec.decode(bytes) instanceof Decoding.Decoded<TopologyMessage>(TopologyMessage message)) {
            assertArrayEquals(bytes, TopologyCodec.encode(message), message.toString());
        }
    }
}

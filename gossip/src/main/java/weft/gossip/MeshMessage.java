package weft.gossip;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A message on an established mesh connection, after the hellos: one frame holds
 * {@code tag u8 ‖ body}. Tags follow weaveworks/mesh where the meaning is the same.
 *
 * <p>Immutable values; thread-safe.
 */
public sealed interface MeshMessage {
    /** Tag of {@link Heartbeat}. */
    int HEARTBEAT = 0;

    /** Keeps a quiet connection alive and proves the peer is still there. Empty body. */
    record Heartbeat() implements MeshMessage {}

    /** Encodes into a new buffer owned by the caller. */
    static ByteBuf encode(MeshMessage message, ByteBufAllocator allocator) {
        return switch (message) {
            case Heartbeat _ -> allocator.buffer(1).writeByte(HEARTBEAT);
        };
    }

    /** Decodes one frame's readable bytes without moving its indexes or releasing it; never throws. */
    static Decoding<MeshMessage> decode(ByteBuf frame) {
        if (!frame.isReadable()) {
            return new Decoding.Refused<>("empty mesh message");
        }
        int tag = frame.getUnsignedByte(frame.readerIndex());
        int bodyLength = frame.readableBytes() - 1;
        return switch (tag) {
            case HEARTBEAT -> bodyLength == 0
                    ? new Decoding.Decoded<>(new Heartbeat())
                    : new Decoding.Refused<>("heartbeat with a " + bodyLength + "-byte body");
            default -> new Decoding.Refused<>("unknown mesh message tag " + tag);
        };
    }
}

package weft.gossip.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import weft.gossip.channel.ChannelCodec;
import weft.gossip.channel.ChannelMessage;
import weft.gossip.topology.TopologyCodec;
import weft.gossip.topology.TopologyMessage;

/**
 * A message on a mesh connection after the hellos: one frame holds {@code tag u8 ‖ body} (sealed
 * whole when the connection is encrypted). Tags 0..7 follow weaveworks/mesh where the meaning is
 * the same; our own messages start at 8 so that none of them means something else there. Tag 11 is taken by the
 * handshake's {@link PakeShare}, which is not a message of an established connection.
 *
 * <p>Immutable values (the arrays inside are not copied: do not mutate them); thread-safe.
 */
public sealed interface MeshMessage {
    /** Tag of {@link Heartbeat}. */
    int HEARTBEAT = 0;
    /** Tag of {@link Confirm}. */
    int CONFIRM = 8;
    /** Tag of {@link OfTopology}. */
    int TOPOLOGY = 9;
    /** Tag of {@link OfChannel}. */
    int CHANNEL = 10;

    /** Keeps a quiet connection alive and proves the peer is still there. Empty body. */
    record Heartbeat() implements MeshMessage {}

    /**
     * The first sealed message each side sends: proves it derived the same session keys, i.e. knows
     * the password. Body: the 32-byte confirmation tag.
     */
    record Confirm(byte[] tag) implements MeshMessage {}

    /** Topology gossip; body: {@link TopologyCodec} bytes. */
    record OfTopology(TopologyMessage message) implements MeshMessage {}

    /** Gossip channel traffic; body: {@link ChannelCodec} bytes. */
    record OfChannel(ChannelMessage message) implements MeshMessage {}

    /** Bytes of a {@link Confirm} body. */
    int CONFIRM_TAG_BYTES = 32;

    /** Encodes into a new buffer owned by the caller. */
    static ByteBuf encode(MeshMessage message, ByteBufAllocator allocator) {
        return switch (message) {
            case Heartbeat _ -> allocator.buffer(1).writeByte(HEARTBEAT);
            case Confirm(byte[] tag) -> allocator.buffer(1 + tag.length).writeByte(CONFIRM).writeBytes(tag);
            case OfTopology(TopologyMessage topology) -> tagged(TOPOLOGY, TopologyCodec.encode(topology), allocator);
            case OfChannel(ChannelMessage channel) -> tagged(CHANNEL, ChannelCodec.encode(channel), allocator);
        };
    }

    private static ByteBuf tagged(int tag, byte[] body, ByteBufAllocator allocator) {
        return allocator.buffer(1 + body.length).writeByte(tag).writeBytes(body);
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
            case CONFIRM -> bodyLength == CONFIRM_TAG_BYTES
                    ? new Decoding.Decoded<>(new Confirm(body(frame)))
                    : new Decoding.Refused<>("confirmation with a " + bodyLength + "-byte body");
            case TOPOLOGY -> switch (TopologyCodec.decode(body(frame))) {
                case Decoding.Decoded<TopologyMessage>(TopologyMessage m) -> new Decoding.Decoded<>(new OfTopology(m));
                case Decoding.Refused<TopologyMessage>(String reason) ->
                        new Decoding.Refused<>("bad topology message: " + reason);
            };
            case CHANNEL -> switch (ChannelCodec.decode(body(frame))) {
                case Decoding.Decoded<ChannelMessage>(ChannelMessage m) -> new Decoding.Decoded<>(new OfChannel(m));
                case Decoding.Refused<ChannelMessage>(String reason) ->
                        new Decoding.Refused<>("bad channel message: " + reason);
            };
            default -> new Decoding.Refused<>("unknown mesh message tag " + tag);
        };
    }

    private static byte[] body(ByteBuf frame) {
        byte[] body = new byte[frame.readableBytes() - 1];
        frame.getBytes(frame.readerIndex() + 1, body);
        return body;
    }
}

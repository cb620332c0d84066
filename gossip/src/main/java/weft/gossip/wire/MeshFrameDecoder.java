package weft.gossip.wire;

import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;

/**
 * Splits the mesh TCP stream into frames: {@code length u32 BE ‖ payload}, the length counting the
 * payload only. A length over {@link #MAX_FRAME_BYTES} is refused before any allocation (the decoder
 * raises {@code TooLongFrameException}, which {@link ErrorCloser} turns into a close); frames leave
 * as retained slices that the next handler owns.
 *
 * <p>One instance per channel; runs on the channel's event loop.
 */
public final class MeshFrameDecoder extends LengthFieldBasedFrameDecoder {
    /**
     * Largest payload a peer may send, checked before anything is allocated. It must hold the largest
     * message we send: a gossip channel payload of up to {@link weft.gossip.channel.ChannelCodec#MAX_PAYLOAD}
     * (1 MiB) with its channel and peer names, the tag and the sealing overhead. Topology messages are
     * smaller: a digest of 4096 peers is about 90 KiB, and an update of 64 records of 100 links (the
     * default connection limit) about 400 KiB.
     */
    public static final int MAX_FRAME_BYTES = weft.gossip.channel.ChannelCodec.MAX_PAYLOAD + 64 * 1024;
    static final int LENGTH_FIELD_BYTES = 4;

    public MeshFrameDecoder() {
        super(MAX_FRAME_BYTES + LENGTH_FIELD_BYTES, 0, LENGTH_FIELD_BYTES, 0, LENGTH_FIELD_BYTES, true);
    }

    /** The matching encoder: prepends the length to every outbound buffer. */
    public static LengthFieldPrepender encoder() {
        return new LengthFieldPrepender(LENGTH_FIELD_BYTES);
    }
}

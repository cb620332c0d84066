package weft.gossip.wire;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.ByteOrder;

/**
 * Splits the mesh TCP stream into frames: {@code length u32 BE ‖ payload}, the length counting the
 * payload only. Until {@link #handshakeDone()} a length over {@link #HANDSHAKE_MAX_FRAME_BYTES} is refused,
 * after it one over {@link #MAX_FRAME_BYTES}; either before anything is allocated (the decoder raises
 * {@code TooLongFrameException}, which {@link ErrorCloser} turns into a close). Frames leave as retained
 * slices that the next handler owns.
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
    /**
     * Largest payload before the handshake is done, when the peer has proved nothing. The largest frame a router
     * sends then, of this release or the previous one (the hello's layout is the same), is a hello with a 255-byte
     * nickname and a public key: 32 + 255 + 32 = 319 bytes; a sealed confirmation or a mismatch notice is 50.
     * About three times that leaves room and still holds a connection that never authenticates to 1 KiB.
     */
    public static final int HANDSHAKE_MAX_FRAME_BYTES = 1024;
    static final int LENGTH_FIELD_BYTES = 4;

    private boolean handshaking = true;

    public MeshFrameDecoder() {
        super(MAX_FRAME_BYTES + LENGTH_FIELD_BYTES, 0, LENGTH_FIELD_BYTES, 0, LENGTH_FIELD_BYTES, true);
    }

    /** The matching encoder: prepends the length to every outbound buffer. */
    public static LengthFieldPrepender encoder() {
        return new LengthFieldPrepender(LENGTH_FIELD_BYTES);
    }

    /**
     * The handshake has succeeded: frames up to {@link #MAX_FRAME_BYTES} from now on. Called by the handshake
     * while it handles the last handshake frame, so the next frame is already measured against the new limit.
     */
    public void handshakeDone() {
        handshaking = false;
    }

    @Override
    protected long getUnadjustedFrameLength(ByteBuf buffer, int offset, int length, ByteOrder order) {
        long frameLength = super.getUnadjustedFrameLength(buffer, offset, length, order);
        if (handshaking && frameLength > HANDSHAKE_MAX_FRAME_BYTES) {
            throw new TooLongFrameException("frame of " + frameLength
                    + " bytes during the handshake, over its limit of " + HANDSHAKE_MAX_FRAME_BYTES);
        }
        return frameLength;
    }
}

package weft.gossip.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import java.util.List;
import weft.crypto.SessionCipher;

/**
 * The sealing codec as the previous release runs it (commit bace787, mesh protocol 3), for
 * {@link PreviousReleaseHandshakeHandler}; only the class name differs. Do not fix or tidy this file.
 *
 * <p>Its documentation as it was:
 *
 * <p>Seals every outbound frame and opens every inbound one on an encrypted mesh connection. Sits
 * between the length framing and the message codec, so lengths stay clear (the peer must find
 * frame boundaries before it can authenticate them) and everything inside a frame is sealed.
 *
 * <p>A frame that does not open closes the connection: the ciphers' counters no longer agree, so
 * nothing after it could open either. The first frame is the peer's {@link MeshMessage.Confirm}, and
 * a first frame that does not authenticate almost always means the peer derived its keys from
 * another password, hence {@value #PASSWORD_MISMATCH}. Frames after a refusal are dropped unread.
 *
 * <p>Ownership: the superclass releases each input after {@code encode}/{@code decode}; outputs are
 * fresh heap buffers owned by the next handler.
 *
 * <p>One instance per channel; runs on the channel's event loop, which owns both ciphers.
 */
final class PreviousReleaseSealingCodec extends MessageToMessageCodec<ByteBuf, ByteBuf> {
    /** Close reason when the peer's first sealed frame does not authenticate. */
    public static final String PASSWORD_MISMATCH = "handshake refused (password mismatch)";
    /** Close reason when a later sealed frame does not authenticate. */
    public static final String TAMPERED = "authentication failed on a control message";

    private final SessionCipher send;
    private final SessionCipher receive;
    private boolean openedAny;
    private boolean refused;

    PreviousReleaseSealingCodec(SessionCipher send, SessionCipher receive) {
        this.send = send;
        this.receive = receive;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf plaintext, List<Object> out) {
        // copies: the JDK's AES-GCM works on arrays, and control traffic is small and rare
        out.add(Unpooled.wrappedBuffer(send.seal(ByteBufUtil.getBytes(plaintext))));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf sealed, List<Object> out) {
        if (refused) {
            return; // the connection is closing; later frames cannot open with our counters anyway
        }
        switch (receive.open(ByteBufUtil.getBytes(sealed))) {
            case SessionCipher.Result.Opened(byte[] plaintext, boolean switchedKey) -> {
                openedAny = true;
                out.add(Unpooled.wrappedBuffer(plaintext));
            }
            case SessionCipher.Result.Refused(SessionCipher.Reason reason) -> {
                refused = true;
                CloseReason.close(ctx.channel(), reasonFor(reason));
            }
        }
    }

    private String reasonFor(SessionCipher.Reason reason) {
        return switch (reason) {
            case AUTHENTICATION_FAILED -> openedAny ? TAMPERED : PASSWORD_MISMATCH;
            case TOO_SHORT -> "sealed frame too short" + (openedAny ? "" : " (handshake refused)");
            case UNSUPPORTED_FLAGS -> "sealed frame with unsupported flags";
        };
    }
}

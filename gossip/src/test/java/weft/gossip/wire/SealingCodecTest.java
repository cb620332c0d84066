package weft.gossip.wire;

import weft.crypto.Argon2Cost;
import weft.crypto.PasswordKey;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.security.SecureRandom;
import java.time.InstantSource;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import weft.crypto.EphemeralKeyPair;
import weft.crypto.SessionKeys;

/** The sealing codec between two real key schedules, with paranoid leak detection from surefire. */
class SealingCodecTest {
    private static final PasswordKey SECRET = PasswordKey.derive("correct horse".toCharArray(), Argon2Cost.TESTING);
    final SessionKeys initiator;
    final SessionKeys responder;
    final EmbeddedChannel sender;   // the initiator's pipeline: seals what the test writes
    final EmbeddedChannel receiver; // the responder's pipeline: frames and opens what the sender produced

    SealingCodecTest() throws Exception {
        SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
        random.setSeed(2026);
        EphemeralKeyPair i = EphemeralKeyPair.generate(random);
        EphemeralKeyPair r = EphemeralKeyPair.generate(random);
        byte[] transcript = "two hellos".getBytes();
        initiator = SessionKeys.derive(SECRET, i.agree(r.publicKey()), transcript, true);
        responder = SessionKeys.derive(SECRET, r.agree(i.publicKey()), transcript, false);
        sender = new EmbeddedChannel(MeshFrameDecoder.encoder(),
                new SealingCodec(initiator.controlSend(InstantSource.system()), initiator.controlReceive()));
        receiver = new EmbeddedChannel(new MeshFrameDecoder(),
                new SealingCodec(responder.controlSend(InstantSource.system()), responder.controlReceive()),
                new ErrorCloser());
    }

    @AfterEach
    void finish() {
        sender.finishAndReleaseAll();
        receiver.finishAndReleaseAll();
    }

    /** The framed, sealed bytes of {@code plaintext} as they would leave the sender. */
    byte[] sealedFrame(String plaintext) {
        assertTrue(sender.writeOutbound(Unpooled.copiedBuffer(plaintext.getBytes())));
        ByteBuf out = Unpooled.buffer();
        for (ByteBuf part; (part = sender.readOutbound()) != null; part.release()) {
            out.writeBytes(part);
        }
        byte[] bytes = ByteBufUtil.getBytes(out);
        out.release();
        return bytes;
    }

    String readPlaintext() {
        ByteBuf opened = receiver.readInbound();
        try {
            return new String(ByteBufUtil.getBytes(opened));
        } finally {
            opened.release();
        }
    }

    @Test
    void shouldOpenWhatWasSealedEvenWhenSplitAcrossReads() {
        byte[] first = sealedFrame("confirm");
        byte[] second = sealedFrame("topology");
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        for (int i = 0; i < both.length; i += 3) { // three bytes at a time: lengths and tags split too
            receiver.writeInbound(Unpooled.wrappedBuffer(both, i, Math.min(3, both.length - i)));
        }
        assertEquals("confirm", readPlaintext());
        assertEquals("topology", readPlaintext());
        assertTrue(receiver.isOpen());
    }

    @Test
    void shouldCallAFirstFrameThatDoesNotAuthenticateAPasswordMismatch() {
        byte[] frame = sealedFrame("confirm");
        frame[frame.length - 1] ^= 1;
        receiver.writeInbound(Unpooled.wrappedBuffer(frame));
        assertNull(receiver.readInbound());
        assertFalse(receiver.isOpen());
        assertEquals(SealingCodec.PASSWORD_MISMATCH, CloseReason.of(receiver));
    }

    @Test
    void shouldCloseOnAFlippedBitAfterTheHandshakeAndDropWhatFollows() {
        receiver.writeInbound(Unpooled.wrappedBuffer(sealedFrame("confirm")));
        assertEquals("confirm", readPlaintext());
        byte[] tampered = sealedFrame("topology");
        tampered[6] ^= 0x10; // inside the ciphertext, after the 4-byte length and the flags byte
        byte[] after = sealedFrame("heartbeat");
        receiver.writeInbound(Unpooled.wrappedBuffer(tampered), Unpooled.wrappedBuffer(after));
        assertNull(receiver.readInbound(), "nothing after a refused frame is delivered");
        assertFalse(receiver.isOpen());
        assertEquals(SealingCodec.TAMPERED, CloseReason.of(receiver));
    }

    @Test
    void shouldRefuseAFrameTooShortToHoldATag() {
        receiver.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 3, 1, 2, 3}));
        assertFalse(receiver.isOpen());
        assertEquals("sealed frame too short (handshake refused)", CloseReason.of(receiver));
    }

    @Property(seed = "20260101", tries = 300)
    void shouldNeverThrowOnRandomFrames(@ForAll @Size(max = 80) byte[] body) {
        var channel = new EmbeddedChannel(new MeshFrameDecoder(),
                freshCodec(), new ErrorCloser());
        ByteBuf frame = Unpooled.buffer().writeInt(body.length).writeBytes(body);
        channel.writeInbound(frame); // a throw out of the codec would reach here or fail ErrorCloser's reason
        assertFalse(CloseReason.of(channel).startsWith("internal error"), CloseReason.of(channel));
        channel.finishAndReleaseAll();
    }

    private static SealingCodec freshCodec() {
        // each try needs untaken ciphers: a new key schedule per try is cheap with fixed inputs
        try {
            SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
            random.setSeed(7);
            EphemeralKeyPair a = EphemeralKeyPair.generate(random);
            EphemeralKeyPair b = EphemeralKeyPair.generate(random);
            SessionKeys keys = SessionKeys.derive(SECRET, a.agree(b.publicKey()), new byte[1], false);
            return new SealingCodec(keys.controlSend(InstantSource.system()), keys.controlReceive());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void shouldConfirmWithTheKeysBothSidesDerived() {
        assertArrayEquals(initiator.ourConfirmation(), responder.expectedConfirmation());
    }
}

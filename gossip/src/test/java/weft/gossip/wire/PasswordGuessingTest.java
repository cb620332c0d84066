package weft.gossip.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.gossip.wire.HandshakeEnds.OTHER;
import static weft.gossip.wire.HandshakeEnds.SECRET;
import static weft.gossip.wire.HandshakeEnds.TIMEOUT;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import weft.crypto.EphemeralKeyPair;
import weft.crypto.PasswordKey;
import weft.crypto.SessionCipher;
import weft.crypto.SessionKeys;

/**
 * The attacker's view of a handshake. Whoever holds a password-dependent value of a session whose X25519 secret it
 * knows can test guesses offline, at one Argon2id run each; these tests hold, for each role the attacker can take,
 * exactly the bytes it receives plus its own secrets, and look for such a value.
 */
class PasswordGuessingTest {
    /** The attacker's wrong guess. */
    static final PasswordKey GUESS = OTHER;

    final SecureRandom random = HandshakeEnds.seeded(7);
    final HandshakeEnds.Outcome victim = new HandshakeEnds.Outcome();
    final EphemeralKeyPair attacker = EphemeralKeyPair.generate(random);
    final byte[] attackerHello = encoded(HandshakeEnds.hello("mallory", 9, Optional.of(attacker)));
    EmbeddedChannel victimChannel;

    @AfterEach
    void finish() {
        victimChannel.finishAndReleaseAll();
    }

    static byte[] encoded(Hello hello) {
        ByteBuf buffer = hello.encode(UnpooledByteBufAllocator.DEFAULT);
        try {
            return ByteBufUtil.getBytes(buffer);
        } finally {
            buffer.release();
        }
    }

    /** Dials the victim (a responder) with the attacker's hello; returns what the victim sent back. */
    List<byte[]> dialVictim(EmbeddedChannel responder) {
        victimChannel = responder;
        responder.writeInbound(HandshakeEnds.framed(attackerHello));
        return HandshakeEnds.frames(responder);
    }

    /** The attacker's keys under {@code guess}: its own X25519 secret with the victim's key, and the transcript. */
    SessionKeys keysUnder(PasswordKey guess, byte[] victimHello, boolean attackerInitiates) {
        ByteBuf buffer = Unpooled.wrappedBuffer(victimHello);
        Decoding<Hello> decoded = Hello.decode(buffer, VersionRange.SUPPORTED);
        buffer.release();
        Hello hello = switch (decoded) {
            case Decoding.Decoded<Hello>(Hello h) -> h;
            case Decoding.Refused<Hello>(String reason) -> throw new AssertionError(reason);
        };
        byte[] transcript = attackerInitiates
                ? HandshakeEnds.concat(attackerHello, victimHello)
                : HandshakeEnds.concat(victimHello, attackerHello);
        return SessionKeys.derive(guess, attacker.agree(hello.publicKey()), transcript, attackerInitiates);
    }

    /** Whether {@code sealed}, the victim's first sealed frame, confirms {@code guess}: the offline test of one guess. */
    boolean confirmsGuess(byte[] sealed, PasswordKey guess, byte[] victimHello, boolean attackerInitiates) {
        SessionKeys keys = keysUnder(guess, victimHello, attackerInitiates);
        return switch (keys.controlReceive().open(sealed)) {
            case SessionCipher.Result.Opened(byte[] plaintext, boolean rekey) -> plaintext[0] == MeshMessage.CONFIRM
                    && keys.confirmedBy(Arrays.copyOfRange(plaintext, 1, plaintext.length));
            case SessionCipher.Result.Refused _ -> false;
        };
    }

    @Test
    void shouldSendAWrongGuesserOnlyTheHellosAndAConstantNoticeBeforeClosingWithPasswordMismatch() {
        List<byte[]> beforeConfirming = dialVictim(HandshakeEnds.current(false, Optional.of(SECRET), random, TIMEOUT, victim));
        assertEquals(1, beforeConfirming.size(), "the victim's hello and nothing else until the attacker confirms");
        byte[] victimHello = beforeConfirming.getFirst();

        // the attacker confirms under its guess, as a real initiator would
        SessionKeys guessed = keysUnder(GUESS, victimHello, true);
        byte[] confirm = new byte[1 + MeshMessage.CONFIRM_TAG_BYTES];
        confirm[0] = MeshMessage.CONFIRM;
        System.arraycopy(guessed.ourConfirmation(), 0, confirm, 1, MeshMessage.CONFIRM_TAG_BYTES);
        victimChannel.writeInbound(HandshakeEnds.framed(guessed.controlSend(InstantSource.system()).seal(confirm)));

        assertFalse(victimChannel.isOpen());
        assertEquals(SealingCodec.PASSWORD_MISMATCH, CloseReason.of(victimChannel));
        assertFalse(victim.established());
        List<byte[]> afterConfirming = HandshakeEnds.frames(victimChannel);
        assertEquals(1, afterConfirming.size());
        byte[] notice = afterConfirming.getFirst();
        assertArrayEquals(new byte[SealingCodec.MISMATCH_NOTICE_BYTES], notice, "zeros, whatever the password");

        // everything the attacker holds: both hellos (the transcript), its X25519 secret, the notice. The victim's
        // confirmation would depend on the password key, which is all it lacks; it never came, and the notice
        // confirms no guess, not even the right one: there is nothing left to test guesses against offline
        assertFalse(confirmsGuess(notice, GUESS, victimHello, true));
        assertFalse(confirmsGuess(notice, SECRET, victimHello, true));
    }

    @Test
    void shouldHaveBeenAnOfflineOracleWithThePreviousReleasesResponder() {
        // what the test above guards against: the previous release confirmed first, so a failed handshake handed the
        // attacker a confirmation that tells the right guess from a wrong one without ever asking the victim again
        List<byte[]> received = dialVictim(HandshakeEnds.previous(false, Optional.of(SECRET), random, victim));
        assertEquals(2, received.size(), "its hello and its sealed confirmation, before the attacker proved anything");
        byte[] victimHello = received.get(0);
        byte[] sealedConfirmation = received.get(1);
        assertFalse(confirmsGuess(sealedConfirmation, GUESS, victimHello, true));
        assertTrue(confirmsGuess(sealedConfirmation, SECRET, victimHello, true));
    }

    @Test
    void shouldStillHandAnAttackerThatIsDialledTheInitiatorsConfirmationUntilAPakeReplacesThePassword() {
        // the part this change leaves open (see HandshakeHandler): a router that dials the attacker confirms first
        victimChannel = HandshakeEnds.current(true, Optional.of(SECRET), random, TIMEOUT, victim);
        byte[] victimHello = HandshakeEnds.frames(victimChannel).getFirst();
        victimChannel.writeInbound(HandshakeEnds.framed(attackerHello));
        List<byte[]> received = HandshakeEnds.frames(victimChannel);
        assertEquals(1, received.size(), "its sealed confirmation, before the attacker proved anything");
        byte[] sealedConfirmation = received.getFirst();
        assertFalse(confirmsGuess(sealedConfirmation, GUESS, victimHello, false));
        assertTrue(confirmsGuess(sealedConfirmation, SECRET, victimHello, false));
    }
}

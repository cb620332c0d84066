package weft.gossip.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.gossip.wire.HandshakeEnds.OTHER;
import static weft.gossip.wire.HandshakeEnds.PREVIOUS_VERSIONS;
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
import weft.crypto.HandshakeSecrets;
import weft.crypto.PasswordKey;
import weft.crypto.SessionCipher;
import weft.crypto.SessionKeys;

/**
 * The attacker's view of a handshake. Whoever holds a password-dependent value of a session whose secrets it knows
 * can test guesses offline, at one Argon2id run each; these tests hold, for each role the attacker can take and each
 * protocol it can speak, exactly the bytes it receives plus its own secrets, and look for such a value.
 */
class PasswordGuessingTest {
    /** The attacker's wrong guess: its hello key, its CPace share and its confirmation are made with it. */
    static final PasswordKey GUESS = OTHER;

    final SecureRandom random = HandshakeEnds.seeded(7);
    final HandshakeEnds.Outcome victim = new HandshakeEnds.Outcome();
    final HandshakeSecrets attacker = HandshakeSecrets.generate(GUESS, random);
    EmbeddedChannel victimChannel;

    @AfterEach
    void finish() {
        victimChannel.finishAndReleaseAll();
    }

    byte[] attackerHello(VersionRange versions) {
        Hello hello = HandshakeEnds.hello("mallory", 9, versions, Optional.of(attacker.ephemeral().publicKey()));
        ByteBuf buffer = hello.encode(UnpooledByteBufAllocator.DEFAULT);
        try {
            return ByteBufUtil.getBytes(buffer);
        } finally {
            buffer.release();
        }
    }

    /** The attacker's X25519 secret with the key in the victim's hello. */
    byte[] helloSecret(byte[] victimHello) {
        ByteBuf buffer = Unpooled.wrappedBuffer(victimHello);
        Decoding<Hello> decoded = Hello.decode(buffer, VersionRange.SUPPORTED);
        buffer.release();
        return switch (decoded) {
            case Decoding.Decoded<Hello>(Hello h) -> attacker.ephemeral().agree(h.publicKey());
            case Decoding.Refused<Hello>(String reason) -> throw new AssertionError(reason);
        };
    }

    /** Protocol 3: the attacker's keys under {@code candidate}, from all it holds. */
    SessionKeys protocol3Keys(PasswordKey candidate, byte[] attackerHello, byte[] victimHello, boolean attackerInitiates) {
        byte[] transcript = attackerInitiates
                ? HandshakeEnds.concat(attackerHello, victimHello)
                : HandshakeEnds.concat(victimHello, attackerHello);
        return SessionKeys.derive(candidate, helloSecret(victimHello), transcript, attackerInitiates);
    }

    /**
     * Protocol 4: the attacker's keys under {@code candidate}, from all it holds: its CPace scalar and the share it
     * sent (made with its guess, before it saw anything), the victim's share, both hellos.
     */
    SessionKeys protocol4Keys(PasswordKey candidate, byte[] attackerHello, byte[] victimHello, byte[] victimShare,
            boolean attackerInitiates) {
        return SessionKeys.derivePake(candidate, attacker.share(), victimShare, helloSecret(victimHello),
                attackerInitiates ? attackerHello : victimHello, attackerInitiates ? victimHello : attackerHello,
                attackerInitiates);
    }

    /** Whether {@code sealed}, the victim's first sealed frame, confirms the candidate those keys were made under. */
    static boolean confirms(byte[] sealed, SessionKeys keys) {
        return switch (keys.controlReceive().open(sealed)) {
            case SessionCipher.Result.Opened(byte[] plaintext, boolean rekey) -> plaintext[0] == MeshMessage.CONFIRM
                    && keys.confirmedBy(Arrays.copyOfRange(plaintext, 1, plaintext.length));
            case SessionCipher.Result.Refused _ -> false;
        };
    }

    byte[] shareFrame() {
        byte[] frame = new byte[PakeShare.BYTES];
        frame[0] = PakeShare.TAG;
        System.arraycopy(attacker.share().share(), 0, frame, 1, PakeShare.BYTES - 1);
        return frame;
    }

    static byte[] shareOf(byte[] frame) {
        assertEquals(PakeShare.BYTES, frame.length, "a password share");
        assertEquals(PakeShare.TAG, frame[0]);
        return Arrays.copyOfRange(frame, 1, frame.length);
    }

    @Test
    void shouldGiveAnAttackerThatIsDialledNothingToTestGuessesAgainstWithProtocol4() {
        // the hole protocol 3 left: a router that dials the attacker (a target or discovered address it controls)
        // confirms first. Now the confirmation depends on the CPace secret X25519(y victim, Y attacker), and the
        // attacker's Y was made with its guess's generator: without the victim's scalar, nothing it holds gives
        // that secret for any other password, so no candidate can be checked offline, not even the right one
        victimChannel = HandshakeEnds.current(true, Optional.of(SECRET), random, TIMEOUT, victim);
        byte[] victimHello = HandshakeEnds.frames(victimChannel).getFirst();
        byte[] attackerHello = attackerHello(VersionRange.SUPPORTED);
        victimChannel.writeInbound(HandshakeEnds.framed(attackerHello));
        byte[] victimShare = shareOf(HandshakeEnds.frames(victimChannel).getFirst());
        victimChannel.writeInbound(HandshakeEnds.framed(shareFrame()));
        List<byte[]> received = HandshakeEnds.frames(victimChannel);
        assertEquals(1, received.size(), "its sealed confirmation, before the attacker proved anything");
        byte[] sealedConfirmation = received.getFirst();

        assertFalse(confirms(sealedConfirmation, protocol4Keys(GUESS, attackerHello, victimHello, victimShare, false)));
        assertFalse(confirms(sealedConfirmation, protocol4Keys(SECRET, attackerHello, victimHello, victimShare, false)),
                "the right password does not confirm either: the test cannot be made offline");
    }

    @Test
    void shouldSendAWrongGuesserThatDialsOnlyItsHelloItsShareAndAConstantNoticeWithProtocol4() {
        victimChannel = HandshakeEnds.current(false, Optional.of(SECRET), random, TIMEOUT, victim);
        byte[] attackerHello = attackerHello(VersionRange.SUPPORTED);
        victimChannel.writeInbound(HandshakeEnds.framed(attackerHello));
        List<byte[]> beforeShare = HandshakeEnds.frames(victimChannel);
        assertEquals(2, beforeShare.size(), "the victim's hello and its share");
        byte[] victimHello = beforeShare.get(0);
        byte[] victimShare = shareOf(beforeShare.get(1));

        victimChannel.writeInbound(HandshakeEnds.framed(shareFrame()));
        assertEquals(List.of(), HandshakeEnds.frames(victimChannel), "nothing until the attacker confirms");

        SessionKeys guessed = protocol4Keys(GUESS, attackerHello, victimHello, victimShare, true);
        victimChannel.writeInbound(HandshakeEnds.framed(guessed.controlSend(InstantSource.system()).seal(confirmation(guessed))));
        assertEquals(SealingCodec.PASSWORD_MISMATCH, CloseReason.of(victimChannel));
        assertFalse(victim.established());
        assertArrayEquals(new byte[SealingCodec.MISMATCH_NOTICE_BYTES], HandshakeEnds.frames(victimChannel).getFirst());
    }

    static byte[] confirmation(SessionKeys keys) {
        byte[] confirm = new byte[1 + MeshMessage.CONFIRM_TAG_BYTES];
        confirm[0] = MeshMessage.CONFIRM;
        System.arraycopy(keys.ourConfirmation(), 0, confirm, 1, MeshMessage.CONFIRM_TAG_BYTES);
        return confirm;
    }

    @Test
    void shouldStillHandAProtocol3AttackerThatIsDialledTheConfirmationUnlessTheMinimumIs4() {
        // protocol 3 stays spoken for the previous release, and with it the dialer's oracle ...
        victimChannel = HandshakeEnds.current(true, Optional.of(SECRET), random, TIMEOUT, victim);
        byte[] victimHello = HandshakeEnds.frames(victimChannel).getFirst();
        byte[] attackerHello = attackerHello(PREVIOUS_VERSIONS);
        victimChannel.writeInbound(HandshakeEnds.framed(attackerHello));
        byte[] sealedConfirmation = HandshakeEnds.frames(victimChannel).getFirst();
        assertFalse(confirms(sealedConfirmation, protocol3Keys(GUESS, attackerHello, victimHello, false)));
        assertTrue(confirms(sealedConfirmation, protocol3Keys(SECRET, attackerHello, victimHello, false)));
        victimChannel.finishAndReleaseAll();

        // ... which a router that speaks only 4 (--min-protocol 4) refuses, saying nothing after its hello
        victimChannel = HandshakeEnds.current(true, VersionRange.SUPPORTED.withMin(4), Optional.of(SECRET), random,
                TIMEOUT, victim);
        assertEquals(1, HandshakeEnds.frames(victimChannel).size());
        victimChannel.writeInbound(HandshakeEnds.framed(attackerHello(PREVIOUS_VERSIONS)));
        assertEquals(List.of(), HandshakeEnds.frames(victimChannel));
        assertEquals("bad hello: no common protocol version: we speak 4..5, peer speaks 3..3",
                CloseReason.of(victimChannel));
    }

    @Test
    void shouldSendAProtocol3WrongGuesserOnlyTheHellosAndAConstantNotice() {
        victimChannel = HandshakeEnds.current(false, Optional.of(SECRET), random, TIMEOUT, victim);
        byte[] attackerHello = attackerHello(PREVIOUS_VERSIONS);
        victimChannel.writeInbound(HandshakeEnds.framed(attackerHello));
        List<byte[]> beforeConfirming = HandshakeEnds.frames(victimChannel);
        assertEquals(1, beforeConfirming.size(), "the victim's hello and nothing else until the attacker confirms");
        byte[] victimHello = beforeConfirming.getFirst();

        SessionKeys guessed = protocol3Keys(GUESS, attackerHello, victimHello, true);
        victimChannel.writeInbound(HandshakeEnds.framed(guessed.controlSend(InstantSource.system()).seal(confirmation(guessed))));
        assertEquals(SealingCodec.PASSWORD_MISMATCH, CloseReason.of(victimChannel));
        byte[] notice = HandshakeEnds.frames(victimChannel).getFirst();
        assertArrayEquals(new byte[SealingCodec.MISMATCH_NOTICE_BYTES], notice, "zeros, whatever the password");
        assertFalse(confirms(notice, protocol3Keys(SECRET, attackerHello, victimHello, true)));
    }

    @Test
    void shouldHaveBeenAnOfflineOracleWithTheReleaseBeforeWhoseResponderConfirmedFirst() {
        // what the test above guards against: that release confirmed first, so a failed handshake handed the attacker
        // a confirmation that tells the right guess from a wrong one without ever asking the victim again
        victimChannel = HandshakeEnds.previous(false, Optional.of(SECRET), random, victim);
        byte[] attackerHello = attackerHello(PREVIOUS_VERSIONS);
        victimChannel.writeInbound(HandshakeEnds.framed(attackerHello));
        List<byte[]> received = HandshakeEnds.frames(victimChannel);
        assertEquals(2, received.size(), "its hello and its sealed confirmation, before the attacker proved anything");
        assertFalse(confirms(received.get(1), protocol3Keys(GUESS, attackerHello, received.get(0), true)));
        assertTrue(confirms(received.get(1), protocol3Keys(SECRET, attackerHello, received.get(0), true)));
    }
}

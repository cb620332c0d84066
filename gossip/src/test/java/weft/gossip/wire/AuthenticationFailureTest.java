package weft.gossip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.gossip.wire.HandshakeEnds.OTHER;
import static weft.gossip.wire.HandshakeEnds.SECRET;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import weft.crypto.EphemeralKeyPair;
import weft.gossip.PeerName;

/**
 * Which ends of a handshake the responder reports as failures to authenticate (they count against the peer's
 * address, see {@code InboundHandshakes}) and which it does not: misconfigurations are refused, not counted.
 */
class AuthenticationFailureTest {
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    final SecureRandom random = HandshakeEnds.seeded(11);
    final HandshakeEnds.Outcome atResponder = new HandshakeEnds.Outcome();
    final EmbeddedChannel responder = HandshakeEnds.current(false, Optional.of(SECRET), random, TIMEOUT, atResponder);
    EmbeddedChannel initiator;

    @AfterEach
    void finish() {
        responder.finishAndReleaseAll();
        if (initiator != null) {
            initiator.finishAndReleaseAll();
        }
    }

    void dial(Optional<weft.crypto.PasswordKey> password) {
        initiator = HandshakeEnds.current(true, password, random, TIMEOUT, new HandshakeEnds.Outcome());
        HandshakeEnds.exchange(initiator, responder);
    }

    /** Writes a hello with {@code publicKey} to the responder, as an initiator that then says nothing. */
    void helloOnly(byte[] publicKey) {
        Hello hello = new Hello(VersionRange.SUPPORTED, PeerName.parse("02:00:00:00:00:09"), 1, 9, 6783, "quiet", false,
                publicKey);
        ByteBuf encoded = hello.encode(UnpooledByteBufAllocator.DEFAULT);
        responder.writeInbound(HandshakeEnds.framed(ByteBufUtil.getBytes(encoded)));
        encoded.release();
    }

    void advance(Duration by) {
        responder.advanceTimeBy(by.toNanos(), TimeUnit.NANOSECONDS);
        responder.runPendingTasks();
    }

    @Test
    void shouldReportAWrongPassword() {
        dial(Optional.of(OTHER));
        assertEquals(List.of(SealingCodec.PASSWORD_MISMATCH), atResponder.authenticationFailures);
    }

    @Test
    void shouldReportNothingWhenThePasswordIsRight() {
        dial(Optional.of(SECRET));
        assertTrue(atResponder.established());
        responder.close();
        assertEquals(List.of(), atResponder.authenticationFailures);
    }

    @Test
    void shouldReportASilentConnectionWhenItTimesOutAndNotBefore() {
        // the embedded loop's clock also runs in real time, so the boundary is checked with a margin
        advance(TIMEOUT.minusSeconds(1));
        assertTrue(responder.isOpen());
        assertEquals(List.of(), atResponder.authenticationFailures);
        advance(Duration.ofSeconds(1));
        assertFalse(responder.isOpen());
        assertEquals(List.of("handshake timed out after 5000 ms"), atResponder.authenticationFailures);
    }

    @Test
    void shouldReportAPeerThatSendsItsHelloButNeverConfirms() {
        helloOnly(EphemeralKeyPair.generate(random).publicKey());
        advance(TIMEOUT);
        assertEquals(List.of("handshake timed out after 5000 ms"), atResponder.authenticationFailures);
    }

    @Test
    void shouldReportAPeerThatHangsUpInsteadOfConfirming() {
        helloOnly(EphemeralKeyPair.generate(random).publicKey());
        responder.close(); // as the peer's FIN would, with no reason of ours
        assertEquals(List.of(CloseReason.CLOSED_BY_PEER), atResponder.authenticationFailures);
    }

    @Test
    void shouldReportALowOrderKey() {
        helloOnly(new byte[32]); // u = 0: the shared secret would be all zeros, known to anyone
        assertFalse(responder.isOpen());
        assertEquals(1, atResponder.authenticationFailures.size());
        assertTrue(atResponder.authenticationFailures.getFirst().startsWith("handshake refused: "),
                atResponder.authenticationFailures.getFirst());
    }

    @Test
    void shouldReportALowOrderShare() {
        helloOnly(EphemeralKeyPair.generate(random).publicKey());
        byte[] share = new byte[PakeShare.BYTES];
        share[0] = PakeShare.TAG; // and u = 0: K would be the neutral element, known to anyone
        responder.writeInbound(HandshakeEnds.framed(share));
        assertFalse(responder.isOpen());
        assertEquals(List.of("handshake refused: the peer's password share is a low-order point"),
                atResponder.authenticationFailures);
    }

    @Test
    void shouldReportAMalformedShare() {
        helloOnly(EphemeralKeyPair.generate(random).publicKey());
        responder.writeInbound(HandshakeEnds.framed(new byte[] {MeshMessage.CONFIRM, 1, 2}));
        assertFalse(responder.isOpen());
        assertEquals(List.of("handshake refused: expected a 33-byte password share, got 3 bytes"),
                atResponder.authenticationFailures);
    }

    @Test
    void shouldNotReportAPeerWithoutAPassword() {
        dial(Optional.empty());
        assertFalse(responder.isOpen());
        assertEquals(List.of(), atResponder.authenticationFailures);
    }

    @Test
    void shouldNotReportABadHello() {
        responder.writeInbound(HandshakeEnds.framed(new byte[] {'w', 'e', 'f', 't', 4, 5}));
        assertFalse(responder.isOpen());
        assertEquals(List.of(), atResponder.authenticationFailures);
    }

    @Test
    void shouldNotReportAPeerThatHangsUpBeforeItsHello() {
        responder.close(); // a port scanner, or a TCP health check
        assertEquals(List.of(), atResponder.authenticationFailures);
    }
}

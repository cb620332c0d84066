package weft.gossip.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.gossip.wire.HandshakeEnds.OTHER;
import static weft.gossip.wire.HandshakeEnds.SECRET;
import static weft.gossip.wire.HandshakeEnds.TIMEOUT;
import static weft.gossip.wire.HandshakeEnds.exchange;

import io.netty.channel.embedded.EmbeddedChannel;
import java.security.SecureRandom;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import weft.crypto.PasswordKey;
import weft.crypto.SessionKeys;
import weft.gossip.channel.ChannelMessage;

/**
 * A router of this release and one of the previous release (mesh protocol 3, {@link PreviousReleaseHandshakeHandler})
 * handshake in both directions, with the same password, with different ones and without: a DaemonSet upgrades one
 * node at a time, so the two must connect, and refuse each other as before where they should.
 */
class HandshakeCompatibilityTest {
    final SecureRandom random = HandshakeEnds.seeded(2026);
    final HandshakeEnds.Outcome atInitiator = new HandshakeEnds.Outcome();
    final HandshakeEnds.Outcome atResponder = new HandshakeEnds.Outcome();
    EmbeddedChannel initiator;
    EmbeddedChannel responder;

    @AfterEach
    void finish() {
        initiator.finishAndReleaseAll();
        responder.finishAndReleaseAll();
    }

    void newDialsPrevious(Optional<PasswordKey> initiatorPassword, Optional<PasswordKey> responderPassword) {
        initiator = HandshakeEnds.current(true, initiatorPassword, random, TIMEOUT, atInitiator);
        responder = HandshakeEnds.previous(false, responderPassword, random, atResponder);
        exchange(initiator, responder);
    }

    void previousDialsNew(Optional<PasswordKey> initiatorPassword, Optional<PasswordKey> responderPassword) {
        initiator = HandshakeEnds.previous(true, initiatorPassword, random, atInitiator);
        responder = HandshakeEnds.current(false, responderPassword, random, TIMEOUT, atResponder);
        exchange(initiator, responder);
    }

    void newDialsNew(Optional<PasswordKey> initiatorPassword, Optional<PasswordKey> responderPassword) {
        initiator = HandshakeEnds.current(true, initiatorPassword, random, TIMEOUT, atInitiator);
        responder = HandshakeEnds.current(false, responderPassword, random, TIMEOUT, atResponder);
        exchange(initiator, responder);
    }

    /** Both ends established with matching keys, and a sealed message crosses each way. */
    void assertConnectedAndEncrypted() {
        assertTrue(atInitiator.established() && atResponder.established(), "both ends established");
        SessionKeys i = atInitiator.keys.orElseThrow();
        SessionKeys r = atResponder.keys.orElseThrow();
        assertEquals(i.espSend(), r.espReceive());
        assertEquals(r.espSend(), i.espReceive());
        assertArrayEquals(i.heartbeatSend(), r.heartbeatReceive());
        assertCrosses(initiator, responder);
        assertCrosses(responder, initiator);
    }

    /**
     * A 64 KiB gossip message crosses from {@code from} to {@code to}: far over the handshake's frame limit, so the
     * receiver lifted it when it was established, before the sender's first large frame came.
     */
    static void assertCrosses(EmbeddedChannel from, EmbeddedChannel to) {
        byte[] payload = new byte[64 * 1024];
        payload[0] = 42;
        from.writeOutbound(new MeshMessage.OfChannel(new ChannelMessage.Gossip("test", payload)));
        exchange(from, to);
        MeshMessage.OfChannel received = assertInstanceOf(MeshMessage.OfChannel.class, to.readInbound());
        assertArrayEquals(payload, ((ChannelMessage.Gossip) received.message()).payload());
        assertTrue(from.isOpen() && to.isOpen());
    }

    void assertBothRefuse(String initiatorReason, String responderReason) {
        assertFalse(initiator.isOpen());
        assertFalse(responder.isOpen());
        assertEquals(initiatorReason, CloseReason.of(initiator));
        assertEquals(responderReason, CloseReason.of(responder));
        assertFalse(atInitiator.established() || atResponder.established());
    }

    @Test
    void shouldConnectWhenThisReleaseDialsThePreviousOneWithTheSamePassword() {
        newDialsPrevious(Optional.of(SECRET), Optional.of(SECRET));
        assertConnectedAndEncrypted();
    }

    @Test
    void shouldConnectWhenThePreviousReleaseDialsThisOneWithTheSamePassword() {
        previousDialsNew(Optional.of(SECRET), Optional.of(SECRET));
        assertConnectedAndEncrypted();
    }

    @Test
    void shouldConnectTwoRoutersOfThisRelease() {
        newDialsNew(Optional.of(SECRET), Optional.of(SECRET));
        assertConnectedAndEncrypted();
    }

    @Test
    void shouldConnectARouterThatSpeaksOnlyProtocol4ToOneOfThisReleaseBothWays() {
        VersionRange only4 = VersionRange.SUPPORTED.withMin(4);
        initiator = HandshakeEnds.current(true, only4, Optional.of(SECRET), random, TIMEOUT, atInitiator);
        responder = HandshakeEnds.current(false, Optional.of(SECRET), random, TIMEOUT, atResponder);
        exchange(initiator, responder);
        assertConnectedAndEncrypted();
        initiator.finishAndReleaseAll();
        responder.finishAndReleaseAll();

        initiator = HandshakeEnds.current(true, Optional.of(SECRET), random, TIMEOUT, atInitiator);
        responder = HandshakeEnds.current(false, only4, Optional.of(SECRET), random, TIMEOUT, atResponder);
        exchange(initiator, responder);
        assertConnectedAndEncrypted();
    }

    @Test
    void shouldRefuseThePreviousReleaseWhenTheMinimumIs4AndSaySo() {
        initiator = HandshakeEnds.previous(true, Optional.of(SECRET), random, atInitiator);
        responder = HandshakeEnds.current(false, VersionRange.SUPPORTED.withMin(4), Optional.of(SECRET), random, TIMEOUT,
                atResponder);
        exchange(initiator, responder);
        assertBothRefuse("bad hello: no common protocol version: we speak 3..3, peer speaks 4..5",
                "bad hello: no common protocol version: we speak 4..5, peer speaks 3..3");
    }

    @Test
    void shouldSayPasswordMismatchOnBothSidesWhenThisReleaseDialsThePreviousOne() {
        newDialsPrevious(Optional.of(SECRET), Optional.of(OTHER));
        assertBothRefuse(SealingCodec.PASSWORD_MISMATCH, SealingCodec.PASSWORD_MISMATCH);
    }

    @Test
    void shouldSayPasswordMismatchOnBothSidesWhenThePreviousReleaseDialsThisOne() {
        // the previous release's initiator hears it from the mismatch notice, where it used to hear it from our
        // confirmation
        previousDialsNew(Optional.of(SECRET), Optional.of(OTHER));
        assertBothRefuse(SealingCodec.PASSWORD_MISMATCH, SealingCodec.PASSWORD_MISMATCH);
    }

    @Test
    void shouldSayPasswordMismatchOnBothSidesBetweenRoutersOfThisRelease() {
        newDialsNew(Optional.of(SECRET), Optional.of(OTHER));
        assertBothRefuse(SealingCodec.PASSWORD_MISMATCH, SealingCodec.PASSWORD_MISMATCH);
    }

    @Test
    void shouldConnectInTheClearWhenThisReleaseDialsThePreviousOneWithoutPasswords() {
        newDialsPrevious(Optional.empty(), Optional.empty());
        assertTrue(atInitiator.established() && atResponder.established());
        assertCrosses(initiator, responder);
        assertCrosses(responder, initiator);
    }

    @Test
    void shouldConnectInTheClearWhenThePreviousReleaseDialsThisOneWithoutPasswords() {
        previousDialsNew(Optional.empty(), Optional.empty());
        assertTrue(atInitiator.established() && atResponder.established());
        assertCrosses(initiator, responder);
        assertCrosses(responder, initiator);
    }

    @Test
    void shouldStillSayWhichSideLacksThePasswordBothWays() {
        previousDialsNew(Optional.empty(), Optional.of(SECRET));
        assertBothRefuse("handshake refused: peer 02:00:00:00:00:02(new-r) requires a password and this router has none",
                "handshake refused: this router requires a password and peer 02:00:00:00:00:03(old-i) has none");
    }
}

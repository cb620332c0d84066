package weft.crypto;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionKeysTest {

    final SecureRandom random = Handshake.seeded(7);
    final ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
    final PasswordKey password = Handshake.password("s3cret");

    @Test
    void samePasswordConfirmsBothWays() {
        Handshake h = Handshake.run(password, Handshake.password("s3cret"), random);
        assertArrayEquals(h.initiator().ourConfirmation(), h.responder().expectedConfirmation());
        assertArrayEquals(h.responder().ourConfirmation(), h.initiator().expectedConfirmation());
        assertTrue(h.responder().confirmedBy(h.initiator().ourConfirmation()));
        assertTrue(h.initiator().confirmedBy(h.responder().ourConfirmation()));
    }

    @Test
    void reflectedConfirmationIsRefused() {
        Handshake h = Handshake.run(password, password, random);
        assertFalse(h.initiator().confirmedBy(h.initiator().ourConfirmation()));
        assertFalse(Arrays.equals(h.initiator().ourConfirmation(), h.responder().ourConfirmation()));
    }

    @Test
    void differentPasswordsGiveMismatchingConfirmationsAndKeys() {
        Handshake h = Handshake.run(password, Handshake.password("other"), random);
        assertFalse(h.responder().confirmedBy(h.initiator().ourConfirmation()));
        assertFalse(h.initiator().confirmedBy(h.responder().ourConfirmation()));
        byte[] sealed = h.initiator().controlSend(clock).seal(bytes("hello"));
        assertEquals(new SessionCipher.Result.Refused(SessionCipher.Reason.AUTHENTICATION_FAILED),
                h.responder().controlReceive().open(sealed));
    }

    @Test
    void pakeScheduleConfirmsUnderTheSamePasswordOnlyAndGivesOtherKeysThanProtocol3() {
        Handshake same = Handshake.runPake(password, Handshake.password("s3cret"), random);
        assertTrue(same.responder().confirmedBy(same.initiator().ourConfirmation()));
        assertTrue(same.initiator().confirmedBy(same.responder().ourConfirmation()));
        assertEquals(same.initiator().espSend(), same.responder().espReceive());
        byte[] sealed = same.initiator().controlSend(clock).seal(bytes("hello"));
        assertInstanceOf(SessionCipher.Result.Opened.class, same.responder().controlReceive().open(sealed));

        Handshake different = Handshake.runPake(password, Handshake.password("other"), random);
        assertFalse(different.responder().confirmedBy(different.initiator().ourConfirmation()));
        assertFalse(different.initiator().confirmedBy(different.responder().ourConfirmation()));
    }

    @Test
    void pakeScheduleRefusesALowOrderShare() {
        EphemeralKeyPair i = EphemeralKeyPair.generate(random);
        EphemeralKeyPair r = EphemeralKeyPair.generate(random);
        CpaceShare ours = CpaceShare.generate(password, random);
        byte[] neutral = new byte[32];
        assertThrows(IllegalArgumentException.class, () -> SessionKeys.derivePake(password, ours, neutral,
                i.agree(r.publicKey()), bytes("a"), bytes("b"), true));
    }

    @Test
    void initiatorSendKeyIsResponderReceiveKeyAndBack() {
        Handshake h = Handshake.run(password, password, random);
        SessionCipher toResponder = h.initiator().controlSend(clock);
        SessionCipher atResponder = h.responder().controlReceive();
        SessionCipher toInitiator = h.responder().controlSend(clock);
        SessionCipher atInitiator = h.initiator().controlReceive();
        assertArrayEquals(bytes("ping"), opened(atResponder.open(toResponder.seal(bytes("ping")))));
        assertArrayEquals(bytes("pong"), opened(atInitiator.open(toInitiator.seal(bytes("pong")))));
    }

    @Test
    void directionsUseDifferentKeys() {
        Handshake h = Handshake.run(password, password, random);
        byte[] sealed = h.initiator().controlSend(clock).seal(bytes("ping"));
        // the initiator's own receive key must not open what it sent (no reflection)
        assertInstanceOf(SessionCipher.Result.Refused.class, h.initiator().controlReceive().open(sealed));
    }

    @Test
    void sleeveKeysCrossOver() {
        Handshake h = Handshake.run(password, password, random);
        var sealer = h.initiator().sleeveSend().newSealer();
        var opener = h.responder().sleeveReceive().newOpener();
        var wrongOpener = h.initiator().sleeveReceive().newOpener();
        var out = MemorySegment.ofArray(new byte[5 + DatagramSealer.OVERHEAD]);
        sealer.seal(MemorySegment.NULL, MemorySegment.ofArray(bytes("frame")), out);
        var plain = MemorySegment.ofArray(new byte[100]);
        assertEquals(DatagramOpener.Status.AUTHENTICATION_FAILED, wrongOpener.open(MemorySegment.NULL, out, plain, 0));
        assertEquals(DatagramOpener.Status.OK, opener.open(MemorySegment.NULL, out, plain, 0));
    }

    @Test
    void espKeysCrossOverAndDifferFromEachOtherAndFromTheSleeveKeys() {
        Handshake h = Handshake.run(password, password, random);
        SessionKeys i = h.initiator(), r = h.responder();
        assertEquals(i.espSend(), r.espReceive());
        assertEquals(r.espSend(), i.espReceive());
        assertNotEquals(i.espSend(), i.espReceive());
        assertNotEquals(i.espSend().spi(), i.espReceive().spi());
        assertEquals(EspKey.LENGTH, i.espSend().material().length);
        assertTrue(Integer.compareUnsigned(i.espSend().spi(), EspKey.MIN_SPI) >= 0);
        assertTrue(Integer.compareUnsigned(i.espReceive().spi(), EspKey.MIN_SPI) >= 0);
        // a sleeve datagram opens under a DatagramKey made of the same 36 bytes; ESP's 36 bytes must not open it
        for (EspKey esp : List.of(i.espSend(), i.espReceive())) {
            byte[] material = esp.material();
            int prefix = java.nio.ByteBuffer.wrap(material, 32, 4).getInt();
            for (DatagramKey sleeve : List.of(i.sleeveSend(), i.sleeveReceive())) {
                var out = MemorySegment.ofArray(new byte[5 + DatagramSealer.OVERHEAD]);
                sleeve.newSealer().seal(MemorySegment.NULL, MemorySegment.ofArray(bytes("frame")), out);
                assertEquals(DatagramOpener.Status.AUTHENTICATION_FAILED, new DatagramKey(Arrays.copyOf(material, 32), prefix, 0L)
                        .newOpener().open(MemorySegment.NULL, out, MemorySegment.ofArray(new byte[100]), 0));
            }
        }
    }

    @Test
    void espKeysRollOverAlikeAtBothEndsToKeysAndSpisUnlikeTheirPredecessors() {
        Handshake h = Handshake.run(password, password, random);
        EspKey sent = h.initiator().espSend(), received = h.responder().espReceive();
        java.util.Set<Integer> spis = new java.util.HashSet<>();
        java.util.Set<String> materials = new java.util.HashSet<>();
        for (int epoch = 0; epoch < 50; epoch++) {
            assertEquals(sent, received, "epoch " + epoch + " differs between the ends");
            assertTrue(Integer.compareUnsigned(sent.spi(), EspKey.MIN_SPI) >= 0);
            assertTrue(spis.add(sent.spi()), "SPI repeated at epoch " + epoch);
            assertTrue(materials.add(java.util.HexFormat.of().formatHex(sent.material())), "key repeated at epoch " + epoch);
            sent = sent.next();
            received = received.next();
        }
        // the other direction's chain is its own
        assertNotEquals(h.initiator().espSend().next(), h.initiator().espReceive().next());
    }

    @Test
    void fragmentTokensCrossOverDifferPerDirectionAndPerSession() {
        Handshake h = Handshake.run(password, password, random);
        assertEquals(h.initiator().sleeveSend().fragmentToken(), h.responder().sleeveReceive().fragmentToken());
        assertEquals(h.responder().sleeveSend().fragmentToken(), h.initiator().sleeveReceive().fragmentToken());
        assertNotEquals(h.initiator().sleeveSend().fragmentToken(), h.initiator().sleeveReceive().fragmentToken());
        assertNotEquals(h.initiator().sleeveSend().fragmentToken(),
                Handshake.run(password, password, random).initiator().sleeveSend().fragmentToken());
    }

    @Test
    void espKeysComeFromTheSessionSoAnotherHandshakeGivesOthers() {
        SessionKeys first = Handshake.run(password, password, random).initiator();
        SessionKeys second = Handshake.run(password, password, random).initiator();
        assertNotEquals(first.espSend(), second.espSend());
        assertNotEquals(first.espSend().spi(), second.espSend().spi());
    }

    @Test
    void differentTranscriptsGiveDifferentKeys() {
        EphemeralKeyPair i = EphemeralKeyPair.generate(random);
        EphemeralKeyPair r = EphemeralKeyPair.generate(random);
        byte[] secret = i.agree(r.publicKey());
        byte[] transcript = Handshake.transcript(i.publicKey(), r.publicKey());
        byte[] tampered = transcript.clone();
        tampered[0] ^= 1;
        SessionKeys a = SessionKeys.derive(password, secret, transcript, true);
        SessionKeys b = SessionKeys.derive(password, secret, tampered, false);
        assertFalse(b.confirmedBy(a.ourConfirmation()));
    }

    @Test
    void eachControlCipherCanBeTakenOnlyOnce() {
        SessionKeys keys = Handshake.run(password, password, random).initiator();
        keys.controlSend(clock);
        keys.controlReceive();
        assertThrows(IllegalStateException.class, () -> keys.controlSend(clock));
        assertThrows(IllegalStateException.class, keys::controlReceive);
    }

    @Test
    void keysAreNeverPrinted() {
        SessionKeys keys = Handshake.run(password, password, random).initiator();
        assertEquals("SessionKeys[initiator, keys redacted]", keys.toString());
        assertFalse(keys.sleeveSend().toString().matches(".*[0-9a-f]{16}.*"));
        assertEquals("EspKey[spi 0x" + Integer.toHexString(keys.espSend().spi()) + ", key redacted]", keys.espSend().toString());
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] opened(SessionCipher.Result result) {
        return assertInstanceOf(SessionCipher.Result.Opened.class, result).plaintext();
    }
}

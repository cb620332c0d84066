package weft.crypto;

import static org.junit.jupiter.api.Assertions.*;
import static weft.crypto.SessionKeysTest.bytes;
import static weft.crypto.SessionKeysTest.opened;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class SessionCipherTest {

    static final byte[] KEY = new byte[32];
    static { for (int i = 0; i < 32; i++) KEY[i] = (byte) i; }
    static final SessionCipher.Result AUTH_FAILED =
            new SessionCipher.Result.Refused(SessionCipher.Reason.AUTHENTICATION_FAILED);

    final ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
    final RekeyPolicy everyThree = new RekeyPolicy(3, Duration.ofMinutes(10));

    @Test
    void roundTripsManyMessagesIncludingEmpty() {
        SessionCipher sender = SessionCipher.sender(KEY, RekeyPolicy.DEFAULT, clock);
        SessionCipher receiver = SessionCipher.receiver(KEY);
        for (int n = 0; n < 100; n++) {
            byte[] message = new byte[n * 7];
            for (int i = 0; i < message.length; i++) message[i] = (byte) (i * n);
            byte[] sealed = sender.seal(message);
            assertEquals(message.length + SessionCipher.OVERHEAD, sealed.length);
            assertArrayEquals(message, opened(receiver.open(sealed)));
        }
    }

    @Test
    void sameMessageTwiceSealsDifferently() {
        SessionCipher sender = SessionCipher.sender(KEY, RekeyPolicy.DEFAULT, clock);
        assertFalse(java.util.Arrays.equals(sender.seal(bytes("x")), sender.seal(bytes("x"))));
    }

    @Test
    void anyFlippedBitIsRefused() {
        byte[] sealed = SessionCipher.sender(KEY, RekeyPolicy.DEFAULT, clock).seal(bytes("attack at dawn"));
        for (int bit = 0; bit < sealed.length * 8; bit++) {   // flags byte (AAD), ciphertext and tag
            byte[] tampered = sealed.clone();
            tampered[bit / 8] ^= (byte) (1 << (bit % 8));
            assertEquals(AUTH_FAILED, SessionCipher.receiver(KEY).open(tampered), "bit " + bit);
        }
    }

    @Test
    void outOfOrderDroppedOrReplayedMessagesAreRefused() {
        SessionCipher sender = SessionCipher.sender(KEY, RekeyPolicy.DEFAULT, clock);
        byte[] first = sender.seal(bytes("1"));
        byte[] second = sender.seal(bytes("2"));
        SessionCipher receiver = SessionCipher.receiver(KEY);
        assertEquals(AUTH_FAILED, receiver.open(second));        // reordered (or first dropped)
        assertArrayEquals(bytes("1"), opened(receiver.open(first)));  // a refusal left the state unchanged
        assertEquals(AUTH_FAILED, receiver.open(first));         // replayed
        assertArrayEquals(bytes("2"), opened(receiver.open(second)));
    }

    @Test
    void tooShortIsRefusedWithoutDecrypting() {
        SessionCipher receiver = SessionCipher.receiver(KEY);
        assertEquals(new SessionCipher.Result.Refused(SessionCipher.Reason.TOO_SHORT), receiver.open(new byte[16]));
        assertEquals(new SessionCipher.Result.Refused(SessionCipher.Reason.TOO_SHORT), receiver.open(new byte[0]));
    }

    @Test
    void authenticUnknownFlagsAreRefused() throws Exception {
        byte[] sealed = new byte[1 + 2 + 16];
        sealed[0] = 0x02;
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(KEY, "AES"), new GCMParameterSpec(128, new byte[12]));
        gcm.updateAAD(sealed, 0, 1);
        gcm.doFinal(new byte[] {'h', 'i'}, 0, 2, sealed, 1);
        assertEquals(new SessionCipher.Result.Refused(SessionCipher.Reason.UNSUPPORTED_FLAGS),
                SessionCipher.receiver(KEY).open(sealed));
    }

    @Test
    void eachEndDoesOnlyItsOwnJob() {
        assertThrows(IllegalStateException.class, () -> SessionCipher.receiver(KEY).seal(bytes("x")));
        assertThrows(IllegalStateException.class,
                () -> SessionCipher.sender(KEY, RekeyPolicy.DEFAULT, clock).open(new byte[40]));
    }

    @Test
    void rekeysAfterTheMessageLimitOnBothSides() {
        SessionCipher sender = SessionCipher.sender(KEY, everyThree, clock);
        SessionCipher receiver = SessionCipher.receiver(KEY);
        List<Boolean> switched = new ArrayList<>();
        for (int n = 0; n < 7; n++) {
            var result = (SessionCipher.Result.Opened) receiver.open(sender.seal(bytes("m" + n)));
            assertArrayEquals(bytes("m" + n), result.plaintext());
            switched.add(result.switchedKey());
        }
        // the third message under each key carries REKEY
        assertEquals(List.of(false, false, true, false, false, true, false), switched);
        assertEquals(3, sender.keysUsed());
        assertEquals(3, receiver.keysUsed());
    }

    @Test
    void oldKeyNoLongerOpensMessagesAfterRekey() {
        SessionCipher sender = SessionCipher.sender(KEY, everyThree, clock);
        for (int n = 0; n < 3; n++) sender.seal(bytes("m" + n));
        byte[] underNextKey = sender.seal(bytes("after"));      // counter 0 again, but the next key
        assertEquals(AUTH_FAILED, SessionCipher.receiver(KEY).open(underNextKey));
    }

    @Test
    void rekeysWhenTheKeyGetsOldNotBefore() {
        SessionCipher sender = SessionCipher.sender(KEY, everyThree, clock);
        SessionCipher receiver = SessionCipher.receiver(KEY);
        clock.advance(Duration.ofMinutes(10).minusNanos(1));
        assertFalse(((SessionCipher.Result.Opened) receiver.open(sender.seal(bytes("a")))).switchedKey());
        clock.advance(Duration.ofNanos(1));
        assertTrue(((SessionCipher.Result.Opened) receiver.open(sender.seal(bytes("b")))).switchedKey());
        // the new key's age counts from the switch
        clock.advance(Duration.ofMinutes(9));
        assertFalse(((SessionCipher.Result.Opened) receiver.open(sender.seal(bytes("c")))).switchedKey());
        assertEquals(2, sender.keysUsed());
        assertEquals(2, receiver.keysUsed());
    }

    @Test
    void receiverThatMissesTheRekeyCannotContinue() {
        SessionCipher sender = SessionCipher.sender(KEY, new RekeyPolicy(1, Duration.ofHours(1)), clock);
        SessionCipher receiver = SessionCipher.receiver(KEY);
        sender.seal(bytes("lost"));                             // carried REKEY; the receiver never saw it
        assertEquals(AUTH_FAILED, receiver.open(sender.seal(bytes("next"))));
    }

    @Test
    void impossiblePoliciesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RekeyPolicy(0, Duration.ofHours(1)));
        assertThrows(IllegalArgumentException.class, () -> new RekeyPolicy(1, Duration.ZERO));
    }

    @Test
    void keyIsNeverPrinted() {
        assertFalse(SessionCipher.receiver(KEY).toString().contains("0102030405"));
    }

    @Property(tries = 500)
    void randomBytesNeverThrow(@ForAll @Size(max = 200) byte[] garbage) {
        SessionCipher.Result result = SessionCipher.receiver(KEY).open(garbage);
        assertInstanceOf(SessionCipher.Result.Refused.class, result);
    }
}

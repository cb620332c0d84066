package weft.router.sleeve;

import org.junit.jupiter.api.Test;
import weft.crypto.Argon2Cost;
import weft.crypto.EphemeralKeyPair;
import weft.crypto.PasswordKey;
import weft.crypto.SessionKeys;

import java.lang.foreign.MemorySegment;
import java.security.SecureRandom;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The sleeve's real cipher over keys from a real key agreement, on datagrams laid out by {@link SleeveHeader}. */
class SealedPairTest {
    private static final long A = 0x0a0000000001L, B = 0x0b0000000002L;

    private static SealedPair[] pair() {
        SecureRandom random = new SecureRandom();
        PasswordKey password = PasswordKey.derive("secret".toCharArray(), Argon2Cost.TESTING);
        EphemeralKeyPair a = EphemeralKeyPair.generate(random), b = EphemeralKeyPair.generate(random);
        byte[] transcript = "hello-a|hello-b".getBytes();
        SessionKeys atA = SessionKeys.derive(password, a.agree(b.publicKey()), transcript, true);
        SessionKeys atB = SessionKeys.derive(password, b.agree(a.publicKey()), transcript, false);
        return new SealedPair[]{new SealedPair(atA.sleeveSend(), atA.sleeveReceive()), new SealedPair(atB.sleeveSend(), atB.sleeveReceive())};
    }

    private static MemorySegment datagram(byte[] frame) {
        MemorySegment datagram = MemorySegment.ofArray(new byte[SleeveHeader.LENGTH + frame.length + SleeveHeader.TAG_LENGTH]);
        SleeveHeader.write(datagram, false, A, A, B, frame.length);
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, datagram, SleeveHeader.LENGTH, frame.length);
        return datagram;
    }

    @Test
    void whatOneSideSealsTheOtherOpensOnceAndNoMore() {
        SealedPair[] pair = pair();
        byte[] frame = new byte[1400];
        for (int i = 0; i < frame.length; i++) frame[i] = (byte) (i * 13);
        MemorySegment datagram = datagram(frame);
        pair[0].seal(datagram, frame.length, SleeveCipher.SEND_LANE);

        SleeveHeader header = new SleeveHeader();
        assertEquals(SleeveHeader.Check.OK, header.wrap(datagram));
        assertEquals(true, header.isSealed());
        assertFalse(java.util.Arrays.equals(frame, datagram.asSlice(SleeveHeader.LENGTH, frame.length).toArray(JAVA_BYTE)), "the frame is not sealed");
        byte[] captured = datagram.toArray(JAVA_BYTE);

        assertEquals(SleeveCipher.Opened.OK, pair[1].open(datagram, frame.length, header.sequence()));
        assertArrayEquals(frame, datagram.asSlice(SleeveHeader.LENGTH, frame.length).toArray(JAVA_BYTE));

        MemorySegment replay = MemorySegment.ofArray(captured.clone());
        assertEquals(SleeveCipher.Opened.REPLAYED, pair[1].open(replay, frame.length, header.sequence()));
    }

    @Test
    void aChangedHeaderOrFrameDoesNotOpen() {
        SealedPair[] pair = pair();
        byte[] frame = new byte[200];
        MemorySegment datagram = datagram(frame);
        pair[0].seal(datagram, frame.length, SleeveCipher.RELAY_LANE);
        byte[] sealed = datagram.toArray(JAVA_BYTE);

        byte[] redirected = sealed.clone();
        redirected[SleeveHeader.DESTINATION_OFFSET + 5] ^= 1;
        assertEquals(SleeveCipher.Opened.AUTHENTICATION_FAILED, pair[1].open(MemorySegment.ofArray(redirected), frame.length, 0));

        byte[] flipped = sealed.clone();
        flipped[SleeveHeader.LENGTH + 100] ^= 0x40;
        assertEquals(SleeveCipher.Opened.AUTHENTICATION_FAILED, pair[1].open(MemorySegment.ofArray(flipped), frame.length, 0));

        assertEquals(SleeveCipher.Opened.OK, pair[1].open(MemorySegment.ofArray(sealed), frame.length, 0));
    }

    @Test
    void theDirectionsUseDifferentKeys() {
        SealedPair[] pair = pair();
        MemorySegment datagram = datagram(new byte[100]);
        pair[0].seal(datagram, 100, SleeveCipher.SEND_LANE);
        assertEquals(SleeveCipher.Opened.AUTHENTICATION_FAILED, pair[0].open(datagram, 100, 0), "a side must not open its own datagrams");
    }
}

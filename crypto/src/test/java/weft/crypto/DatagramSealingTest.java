package weft.crypto;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.*;
import static weft.crypto.DatagramOpener.Status.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** Sealing and opening with libcrypto's AES-GCM; {@link DatagramSealingJdkTest} runs the same with the JDK's. */
class DatagramSealingTest {

    static final byte[] KEY = new byte[32];
    static { for (int i = 0; i < 32; i++) KEY[i] = (byte) (100 + i); }
    static final byte[] HEADER = "peer-a".getBytes(StandardCharsets.UTF_8);   // stands in for the sleeve header

    GcmEngine engine() {
        return GcmEngine.LIBCRYPTO;
    }

    final DatagramKey key = new DatagramKey(KEY, 0x0a0b0c0d, 7L);
    final DatagramSealer sealer = key.newSealer(engine());
    final DatagramOpener opener = key.newOpener(128, engine());

    static MemorySegment bytes(String text) {
        return MemorySegment.ofArray(text.getBytes(StandardCharsets.UTF_8));
    }

    static MemorySegment header() {
        return MemorySegment.ofArray(HEADER.clone());
    }

    static MemorySegment room(int bytes) {
        return MemorySegment.ofArray(new byte[bytes]);
    }

    MemorySegment seal(String payload) {
        MemorySegment clear = bytes(payload);
        MemorySegment out = room((int) clear.byteSize() + DatagramSealer.OVERHEAD);
        sealer.seal(header(), clear, out);
        return out;
    }

    DatagramOpener.Status open(MemorySegment sealed) {
        return opener.open(header(), sealed, room(2048), 0);
    }

    @Test
    void roundTripWritesSequenceInClearAndPayload() {
        MemorySegment out = room(6 + DatagramSealer.OVERHEAD);
        assertEquals(0, sealer.seal(header(), bytes("frames"), out));
        assertEquals(1, sealer.seal(header(), room(3), room(3 + DatagramSealer.OVERHEAD)));
        assertEquals(0L, out.get(DatagramSealer.SEQUENCE, 0));  // sequence, big-endian, in clear
        MemorySegment plain = room(6);
        assertEquals(OK, opener.open(header(), out, plain, 0));
        assertEquals("frames", new String(plain.toArray(JAVA_BYTE), StandardCharsets.UTF_8));
        assertEquals(0, opener.highestSequence());
    }

    @Test
    void worksOnNativeMemoryInPlace() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment wire = arena.allocate(1400 + DatagramSealer.OVERHEAD);
            for (int i = 0; i < 1400; i++) wire.set(JAVA_BYTE, 8 + i, (byte) i);
            MemorySegment payload = wire.asSlice(8, 1400);
            sealer.seal(arena.allocateFrom(JAVA_BYTE, HEADER), payload, wire);
            assertNotEquals((byte) 1, payload.get(JAVA_BYTE, 1), "sealed over the payload");
            // decrypt into the same memory the ciphertext came from
            assertEquals(OK, opener.open(header(), wire, payload, 0));
            for (int i = 0; i < 1400; i++) assertEquals((byte) i, payload.get(JAVA_BYTE, i), "byte " + i);
        }
    }

    @Test
    void anOutputOverlappingItsInputAnywhereButInPlaceIsRefused() {
        MemorySegment wire = room(100 + DatagramSealer.OVERHEAD);
        assertThrows(IllegalArgumentException.class, () -> sealer.seal(header(), wire.asSlice(0, 100), wire), "shifted");
        assertThrows(IllegalArgumentException.class, () -> sealer.seal(header(), wire.asSlice(9, 99), wire), "one byte on");
        sealer.seal(header(), wire.asSlice(8, 100), wire);
        assertThrows(IllegalArgumentException.class, () -> opener.open(header(), wire, wire.asSlice(0, 100), 0), "shifted");
        assertEquals(OK, opener.open(header(), wire, wire.asSlice(8, 100), 0));
    }

    @Test
    void anyFlippedBitInHeaderSequenceCiphertextOrTagIsRefused() {
        MemorySegment sealed = seal("attack at dawn");
        byte[] wire = sealed.toArray(JAVA_BYTE);
        for (int bit = 0; bit < wire.length * 8; bit++) {
            byte[] tampered = wire.clone();
            tampered[bit / 8] ^= (byte) (1 << (bit % 8));
            DatagramOpener.Status status = open(MemorySegment.ofArray(tampered));
            // flipping the top bit of the sequence makes it negative: refused before any AES work
            assertTrue(status == AUTHENTICATION_FAILED || (bit == 7 && status == TOO_OLD), "bit " + bit + ": " + status);
        }
        for (int bit = 0; bit < HEADER.length * 8; bit++) {
            byte[] header = HEADER.clone();
            header[bit / 8] ^= (byte) (1 << (bit % 8));
            assertEquals(AUTHENTICATION_FAILED, opener.open(MemorySegment.ofArray(header), sealed, room(100), 0));
        }
        assertEquals(OK, open(sealed));                         // no failure moved the window
    }

    @Test
    void capturedDatagramReplayedIsRefused() {
        MemorySegment captured = seal("once");
        assertEquals(OK, open(captured));
        assertEquals(REPLAYED, open(captured));
    }

    @Test
    void reorderedWithinTheWindowIsAcceptedAndFarBehindIsTooOld() {
        MemorySegment first = seal("first");
        for (int i = 0; i < 127; i++) seal("filler");
        MemorySegment late = seal("128th");
        assertEquals(OK, open(late));                           // sequence 128
        assertEquals(TOO_OLD, open(first));                     // sequence 0: 128 below, window is 128
    }

    @Test
    void admitTellsWhatOpenWouldSayOfTheNumberAndChangesNothing() {
        MemorySegment first = seal("first");
        for (int i = 0; i < 127; i++) seal("filler");
        MemorySegment late = seal("128th");
        assertEquals(ReplayWindow.Verdict.NEW, opener.admit(128));
        assertEquals(ReplayWindow.Verdict.NEW, opener.admit(128), "admitting marks nothing");
        assertEquals(OK, open(late));
        assertEquals(ReplayWindow.Verdict.REPLAYED, opener.admit(128));
        assertEquals(ReplayWindow.Verdict.TOO_OLD, opener.admit(0));
        assertEquals(TOO_OLD, open(first));
        assertEquals(ReplayWindow.Verdict.NEW, opener.admit(5000), "a number above the window may still come");
        assertEquals(128, opener.highestSequence());
    }

    @Test
    void forgedHighSequenceDoesNotPoisonTheWindow() {
        MemorySegment genuine = seal("genuine");
        MemorySegment forged = seal("forged");
        forged.set(DatagramSealer.SEQUENCE, 0, 1L << 50);       // attacker rewrites the clear sequence
        assertEquals(AUTHENTICATION_FAILED, open(forged));
        assertEquals(OK, open(genuine));
        assertEquals(0, opener.highestSequence());
    }

    @Test
    void tooShortIsRefused() {
        assertEquals(TOO_SHORT, open(room(DatagramSealer.OVERHEAD - 1)));
    }

    @Test
    void emptyPayloadRoundTrips() {
        assertEquals(OK, open(seal("")));
    }

    @Test
    void sealersOfOneKeyNeverShareASequenceNumber() {
        DatagramSealer other = key.newSealer(engine());
        Set<Long> used = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            assertTrue(used.add(sealer.seal(room(0), room(1), room(40))));
            assertTrue(used.add(other.seal(room(0), room(1), room(40))));
        }
    }

    @Test
    void sequenceExhaustionFailsLoudlyInsteadOfWrapping() {
        DatagramKey nearlyUsedUp = new DatagramKey(KEY, 0, 7L);
        nearlyUsedUp.sequences().set(Long.MAX_VALUE - 1);
        DatagramSealer nearEnd = nearlyUsedUp.newSealer(engine());
        assertEquals(Long.MAX_VALUE - 1, nearEnd.seal(room(0), room(1), room(40)));
        assertThrows(IllegalStateException.class, () -> nearEnd.seal(room(0), room(1), room(40)));
        assertThrows(IllegalStateException.class, () -> nearEnd.seal(room(0), room(1), room(40)));
    }

    @Test
    void undersizedOutputIsTheCallersBug() {
        assertThrows(IllegalArgumentException.class, () -> sealer.seal(room(0), room(10), room(33)));
        MemorySegment sealed = seal("0123456789");
        assertThrows(IllegalArgumentException.class, () -> opener.open(header(), sealed, room(9), 0));
    }

    @Test
    void otherPrefixOrKeyCannotOpen() {
        MemorySegment sealed = seal("x");
        assertEquals(AUTHENTICATION_FAILED, new DatagramKey(KEY, 0x0a0b0c0e, 7L).newOpener(engine())
                .open(header(), sealed, room(100), 0));
        assertEquals(AUTHENTICATION_FAILED, new DatagramKey(new byte[32], 0x0a0b0c0d, 7L).newOpener(engine())
                .open(header(), sealed, room(100), 0));
    }

    @Property(tries = 500)
    void randomBytesNeverThrow(@ForAll @Size(max = 300) byte[] garbage, @ForAll @Size(max = 20) byte[] header) {
        DatagramOpener.Status status = opener.open(MemorySegment.ofArray(header), MemorySegment.ofArray(garbage), room(300), 0);
        assertNotEquals(OK, status);
    }
}

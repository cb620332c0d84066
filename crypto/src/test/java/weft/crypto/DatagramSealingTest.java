package weft.crypto;

import static org.junit.jupiter.api.Assertions.*;
import static weft.crypto.DatagramOpener.Status.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class DatagramSealingTest {

    static final byte[] KEY = new byte[32];
    static { for (int i = 0; i < 32; i++) KEY[i] = (byte) (100 + i); }
    static final byte[] HEADER = "peer-a".getBytes(StandardCharsets.UTF_8);   // stands in for the sleeve header

    final DatagramKey key = new DatagramKey(KEY, 0x0a0b0c0d, 7L);
    final DatagramSealer sealer = key.newSealer();
    final DatagramOpener opener = key.newOpener(128);

    ByteBuffer seal(String payload) {
        ByteBuffer out = ByteBuffer.allocate(2048);
        sealer.seal(ByteBuffer.wrap(HEADER), ByteBuffer.wrap(payload.getBytes(StandardCharsets.UTF_8)), out);
        return out.flip();
    }

    DatagramOpener.Status open(ByteBuffer sealed) {
        return opener.open(ByteBuffer.wrap(HEADER), sealed.duplicate(), ByteBuffer.allocate(2048), 0);
    }

    @Test
    void roundTripWritesSequenceInClearAndPayload() {
        ByteBuffer header = ByteBuffer.wrap(HEADER);
        ByteBuffer payload = ByteBuffer.wrap("frames".getBytes(StandardCharsets.UTF_8));
        ByteBuffer out = ByteBuffer.allocate(100);
        assertEquals(0, sealer.seal(header, payload, out));
        assertEquals(6 + DatagramSealer.OVERHEAD, out.position());
        assertEquals(0, header.position());                     // the header was read, not consumed
        assertEquals(1, sealer.seal(header, ByteBuffer.wrap(new byte[3]), ByteBuffer.allocate(100)));
        out.flip();
        assertEquals(0L, out.getLong(0));                       // sequence, big-endian, in clear
        ByteBuffer plain = ByteBuffer.allocate(100);
        assertEquals(OK, opener.open(header, out, plain, 0));
        assertEquals("frames", new String(plain.array(), 0, plain.position(), StandardCharsets.UTF_8));
        assertEquals(out.limit(), out.position());
        assertEquals(0, opener.highestSequence());
    }

    @Test
    void worksOnDirectBuffersAndInPlace() {
        ByteBuffer header = ByteBuffer.allocateDirect(6).put(HEADER).flip();
        ByteBuffer payload = ByteBuffer.allocateDirect(1400);
        for (int i = 0; i < 1400; i++) payload.put((byte) i);
        payload.flip();
        ByteBuffer wire = ByteBuffer.allocateDirect(1400 + DatagramSealer.OVERHEAD);
        sealer.seal(header, payload, wire);
        wire.flip();
        // decrypt into the same memory the ciphertext came from
        ByteBuffer into = wire.duplicate();
        assertEquals(OK, opener.open(header, wire, into, 0));
        for (int i = 0; i < 1400; i++) assertEquals((byte) i, into.get(i), "byte " + i);
    }

    @Test
    void anyFlippedBitInHeaderSequenceCiphertextOrTagIsRefused() {
        ByteBuffer sealed = seal("attack at dawn");
        byte[] wire = new byte[sealed.remaining()];
        sealed.duplicate().get(wire);
        for (int bit = 0; bit < wire.length * 8; bit++) {
            byte[] tampered = wire.clone();
            tampered[bit / 8] ^= (byte) (1 << (bit % 8));
            DatagramOpener.Status status = open(ByteBuffer.wrap(tampered));
            // flipping the top bit of the sequence makes it negative: refused before any AES work
            assertTrue(status == AUTHENTICATION_FAILED || (bit == 7 && status == TOO_OLD), "bit " + bit + ": " + status);
        }
        for (int bit = 0; bit < HEADER.length * 8; bit++) {
            byte[] header = HEADER.clone();
            header[bit / 8] ^= (byte) (1 << (bit % 8));
            assertEquals(AUTHENTICATION_FAILED,
                    opener.open(ByteBuffer.wrap(header), sealed.duplicate(), ByteBuffer.allocate(100), 0));
        }
        assertEquals(OK, open(sealed));                         // no failure moved the window
    }

    @Test
    void failedOpenLeavesBufferPositionsAlone() {
        ByteBuffer sealed = seal("x");
        sealed.put(sealed.limit() - 1, (byte) (sealed.get(sealed.limit() - 1) ^ 1));
        ByteBuffer out = ByteBuffer.allocate(100).position(7);
        assertEquals(AUTHENTICATION_FAILED, opener.open(ByteBuffer.wrap(HEADER), sealed, out, 0));
        assertEquals(0, sealed.position());
        assertEquals(7, out.position());
    }

    @Test
    void capturedDatagramReplayedIsRefused() {
        ByteBuffer captured = seal("once");
        assertEquals(OK, open(captured));
        assertEquals(REPLAYED, open(captured));
    }

    @Test
    void reorderedWithinTheWindowIsAcceptedAndFarBehindIsTooOld() {
        ByteBuffer first = seal("first");
        for (int i = 0; i < 127; i++) seal("filler");
        ByteBuffer late = seal("128th");
        assertEquals(OK, open(late));                           // sequence 128
        assertEquals(TOO_OLD, open(first));                     // sequence 0: 128 below, window is 128
    }

    @Test
    void admitTellsWhatOpenWouldSayOfTheNumberAndChangesNothing() {
        ByteBuffer first = seal("first");
        for (int i = 0; i < 127; i++) seal("filler");
        ByteBuffer late = seal("128th");
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
        ByteBuffer genuine = seal("genuine");
        ByteBuffer forged = seal("forged");
        forged.putLong(0, 1L << 50);                            // attacker rewrites the clear sequence
        assertEquals(AUTHENTICATION_FAILED, open(forged));
        assertEquals(OK, open(genuine));
        assertEquals(0, opener.highestSequence());
    }

    @Test
    void tooShortIsRefused() {
        assertEquals(TOO_SHORT, open(ByteBuffer.allocate(DatagramSealer.OVERHEAD - 1)));
    }

    @Test
    void emptyPayloadRoundTrips() {
        assertEquals(OK, open(seal("")));
    }

    @Test
    void sealersOfOneKeyNeverShareASequenceNumber() {
        DatagramSealer other = key.newSealer();
        Set<Long> used = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            assertTrue(used.add(sealer.seal(ByteBuffer.allocate(0), ByteBuffer.allocate(1), ByteBuffer.allocate(40))));
            assertTrue(used.add(other.seal(ByteBuffer.allocate(0), ByteBuffer.allocate(1), ByteBuffer.allocate(40))));
        }
    }

    @Test
    void sequenceExhaustionFailsLoudlyInsteadOfWrapping() {
        DatagramKey nearlyUsedUp = new DatagramKey(KEY, 0, 7L);
        nearlyUsedUp.sequences().set(Long.MAX_VALUE - 1);
        DatagramSealer nearEnd = nearlyUsedUp.newSealer();
        assertEquals(Long.MAX_VALUE - 1,
                nearEnd.seal(ByteBuffer.allocate(0), ByteBuffer.allocate(1), ByteBuffer.allocate(40)));
        assertThrows(IllegalStateException.class,
                () -> nearEnd.seal(ByteBuffer.allocate(0), ByteBuffer.allocate(1), ByteBuffer.allocate(40)));
        assertThrows(IllegalStateException.class,
                () -> nearEnd.seal(ByteBuffer.allocate(0), ByteBuffer.allocate(1), ByteBuffer.allocate(40)));
    }

    @Test
    void undersizedOutputIsTheCallersBug() {
        assertThrows(IllegalArgumentException.class,
                () -> sealer.seal(ByteBuffer.allocate(0), ByteBuffer.allocate(10), ByteBuffer.allocate(33)));
    }

    @Test
    void otherPrefixOrKeyCannotOpen() {
        ByteBuffer sealed = seal("x");
        assertEquals(AUTHENTICATION_FAILED, new DatagramKey(KEY, 0x0a0b0c0e, 7L).newOpener()
                .open(ByteBuffer.wrap(HEADER), sealed.duplicate(), ByteBuffer.allocate(100), 0));
        assertEquals(AUTHENTICATION_FAILED, new DatagramKey(new byte[32], 0x0a0b0c0d, 7L).newOpener()
                .open(ByteBuffer.wrap(HEADER), sealed.duplicate(), ByteBuffer.allocate(100), 0));
    }

    @Property(tries = 500)
    void randomBytesNeverThrow(@ForAll @Size(max = 300) byte[] garbage, @ForAll @Size(max = 20) byte[] header) {
        DatagramOpener.Status status =
                opener.open(ByteBuffer.wrap(header), ByteBuffer.wrap(garbage), ByteBuffer.allocate(300), 0);
        assertNotEquals(OK, status);
    }
}

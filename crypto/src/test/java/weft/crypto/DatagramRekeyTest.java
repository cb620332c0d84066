package weft.crypto;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.*;
import static weft.crypto.DatagramOpener.Status.*;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A sleeve direction's keys move on by themselves, and the receiving side follows the epoch each datagram names. */
class DatagramRekeyTest {
    static final byte[] KEY = new byte[32];
    static { for (int i = 0; i < 32; i++) KEY[i] = (byte) (7 * i); }

    final AtomicLong now = new AtomicLong(1_000);
    /** Every 3 seals, or every minute. */
    final DatagramKey sending = new DatagramKey(KEY, 0x01020304, 9L, new RekeyPolicy(3, Duration.ofMinutes(1)), now::get);
    final DatagramSealer sealer = sending.newSealer(GcmEngine.preferred());
    final DatagramOpener opener = new DatagramKey(KEY, 0x01020304, 9L).newOpener(128, GcmEngine.preferred());

    /** A sealed datagram and the epoch its header names, as the sleeve keeps it in the authenticated flags. */
    record Sealed(byte[] header, MemorySegment wire, int epoch) {}

    Sealed seal(String text) {
        int epoch = sealer.prepare();
        byte[] header = {'h', (byte) epoch};
        byte[] clear = text.getBytes(StandardCharsets.UTF_8);
        MemorySegment out = MemorySegment.ofArray(new byte[clear.length + DatagramSealer.OVERHEAD]);
        sealer.seal(MemorySegment.ofArray(header), MemorySegment.ofArray(clear), out);
        return new Sealed(header, out, epoch);
    }

    DatagramOpener.Status open(Sealed sealed) {
        return opener.open(MemorySegment.ofArray(sealed.header()), sealed.wire(), MemorySegment.ofArray(new byte[200]), sealed.epoch());
    }

    @Test
    void afterItsShareOfSealsTheSenderMovesToTheNextKeyAndTheReceiverFollows() {
        for (int i = 0; i < 10; i++) {
            Sealed sealed = seal("m" + i);
            assertEquals(i / 3, sealed.epoch(), "datagram " + i);
            assertEquals(OK, open(sealed), "datagram " + i);
            assertEquals(i / 3, opener.currentEpoch());
        }
    }

    @Test
    void anOldKeyMovesOnWithTimeToo() {
        assertEquals(0, seal("a").epoch());
        now.addAndGet(Duration.ofMinutes(1).toNanos());
        Sealed later = seal("b");
        assertEquals(1, later.epoch());
        assertEquals(OK, open(later));
    }

    @Test
    void eachEpochHasItsOwnKeyAndNonceSpace() {
        Sealed first = seal("same");
        seal("x");
        seal("y");
        Sealed fourth = seal("same");
        assertEquals(1, fourth.epoch());
        byte[] a = first.wire().toArray(JAVA_BYTE), b = fourth.wire().toArray(JAVA_BYTE);
        assertFalse(java.util.Arrays.equals(java.util.Arrays.copyOfRange(a, 8, a.length), java.util.Arrays.copyOfRange(b, 8, b.length)));
        assertEquals(AUTHENTICATION_FAILED, opener.open(MemorySegment.ofArray(fourth.header()), fourth.wire(),
                MemorySegment.ofArray(new byte[200]), 0), "epoch 1's datagram does not open under epoch 0's key");
    }

    @Test
    void aDatagramSealedJustBeforeTheSenderMovedOnStillOpensAfterTheReceiverDid() {
        Sealed[] sealed = new Sealed[4];
        for (int i = 0; i < 4; i++) sealed[i] = seal("m" + i);
        assertEquals(OK, open(sealed[0]));
        assertEquals(OK, open(sealed[3]));
        assertEquals(1, opener.currentEpoch());
        assertEquals(OK, open(sealed[2]), "epoch 0, late");
        assertEquals(OK, open(sealed[1]), "epoch 0, later still");
        assertEquals(REPLAYED, open(sealed[2]));
    }

    @Test
    void aReceiverThatMissedWholeEpochsCatchesUpButNotTooFar() {
        Sealed last = null;
        for (int i = 0; i < 12; i++) last = seal("m" + i);
        assertEquals(3, last.epoch());
        assertEquals(OK, open(last), "three epochs ahead");
        assertEquals(3, opener.currentEpoch());
        for (int i = 0; i < 15; i++) last = seal("n" + i);
        assertEquals(8, last.epoch());
        assertEquals(AUTHENTICATION_FAILED, open(last), "five ahead is more than a sender moves between two datagrams");
        assertEquals(3, opener.currentEpoch());
    }

    @Test
    void aForgedEpochNeitherOpensNorMovesTheReceiver() {
        Sealed genuine = seal("genuine");
        assertEquals(AUTHENTICATION_FAILED, opener.open(MemorySegment.ofArray(genuine.header()), genuine.wire(),
                MemorySegment.ofArray(new byte[200]), 2));
        assertEquals(0, opener.currentEpoch());
        assertEquals(OK, open(genuine));
    }

    @Test
    void theEpochNumberOnTheWireWrapsAfter31() {
        Sealed last = null;
        for (int i = 0; i < 3 * 33; i++) {
            last = seal("m" + i);
            assertEquals(OK, open(last), "datagram " + i);
        }
        assertEquals(0, last.epoch());
        assertEquals(32, opener.currentEpoch());
    }

    @Test
    void aDirectionHasOneOpenerAndKeepsNoEpochZeroKeyForAnotherOnceItsOpenerOrItsSenderMovedOn() {
        DatagramKey receiving = new DatagramKey(KEY, 0x01020304, 9L);
        receiving.newOpener();
        IllegalStateException second = assertThrows(IllegalStateException.class, receiving::newOpener);
        assertTrue(second.getMessage().contains("already has its opener"), second.getMessage());

        seal("a");
        seal("b");
        seal("c");
        assertEquals(1, seal("d").epoch());
        assertThrows(IllegalStateException.class, sending::newOpener, "epoch 0 of a sender that moved on is gone");
    }
}

package weft.router.sleeve;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

class SleeveHeaderTest {
    private static final long SENDER = 0x7a31c4029e0eL;

    private static MemorySegment datagram(int frameLength) {
        MemorySegment segment = MemorySegment.ofArray(new byte[SleeveHeader.LENGTH + frameLength]);
        SleeveHeader.write(segment, SENDER, frameLength);
        return segment;
    }

    @Test
    void writtenHeaderIsReadBack() {
        MemorySegment segment = datagram(60);
        SleeveHeader header = new SleeveHeader();
        assertEquals(SleeveHeader.Check.OK, header.wrap(segment));
        assertEquals(SENDER, header.sender());
        assertEquals(60, header.frameLength());
    }

    @Test
    void wireLayoutIsBigEndianAsDocumented() {
        byte[] bytes = datagram(14).toArray(JAVA_BYTE);
        assertEquals(0x57, bytes[0]);
        assertEquals(1, bytes[1]);
        assertEquals(1, bytes[2]);
        assertEquals(0, bytes[3]);
        assertEquals((byte) 0x7a, bytes[4]);
        assertEquals((byte) 0x0e, bytes[9]);
        assertEquals(0, bytes[10]);
        assertEquals(14, bytes[11]);
    }

    @Test
    void refusesShortWrongAndInconsistentDatagrams() {
        SleeveHeader header = new SleeveHeader();
        assertEquals(SleeveHeader.Check.TOO_SHORT, header.wrap(MemorySegment.ofArray(new byte[SleeveHeader.LENGTH + 13])));
        MemorySegment badMagic = datagram(20);
        badMagic.set(JAVA_BYTE, 0, (byte) 'X');
        assertEquals(SleeveHeader.Check.BAD_MAGIC, header.wrap(badMagic));
        MemorySegment badVersion = datagram(20);
        badVersion.set(JAVA_BYTE, 1, (byte) 9);
        assertEquals(SleeveHeader.Check.BAD_VERSION, header.wrap(badVersion));
        MemorySegment badType = datagram(20);
        badType.set(JAVA_BYTE, 2, (byte) 7);
        assertEquals(SleeveHeader.Check.BAD_TYPE, header.wrap(badType));
        assertEquals(SleeveHeader.Check.LENGTH_MISMATCH, header.wrap(datagram(20).asSlice(0, SleeveHeader.LENGTH + 19)));
    }

    @Property(tries = 2000)
    void arbitraryBytesNeverThrow(@ForAll @Size(max = 200) byte[] bytes) {
        assertNotNull(new SleeveHeader().wrap(MemorySegment.ofArray(bytes)));
    }

    @Property(tries = 500)
    void anyAcceptedDatagramHasAConsistentLength(@ForAll @Size(min = 26, max = 100) byte[] bytes) {
        bytes[0] = SleeveHeader.MAGIC;
        bytes[1] = SleeveHeader.VERSION;
        bytes[2] = SleeveHeader.TYPE_FRAME;
        SleeveHeader header = new SleeveHeader();
        if (header.wrap(MemorySegment.ofArray(bytes)) == SleeveHeader.Check.OK) {
            assertEquals(bytes.length - SleeveHeader.LENGTH, header.frameLength());
        }
    }
}

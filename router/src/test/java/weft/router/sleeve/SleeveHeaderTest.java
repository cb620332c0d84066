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

    private static final long ORIGIN = 0x0a0000000001L, DESTINATION = 0x0b00000000ffL;

    private static MemorySegment datagram(int frameLength) {
        MemorySegment segment = MemorySegment.ofArray(new byte[SleeveHeader.LENGTH + frameLength]);
        SleeveHeader.write(segment, false, SENDER, ORIGIN, DESTINATION, frameLength);
        return segment;
    }

    @Test
    void writtenHeaderIsReadBack() {
        MemorySegment segment = datagram(60);
        SleeveHeader header = new SleeveHeader();
        assertEquals(SleeveHeader.Check.OK, header.wrap(segment));
        assertEquals(SENDER, header.sender());
        assertEquals(ORIGIN, header.origin());
        assertEquals(DESTINATION, header.destination());
        assertEquals(60, header.frameLength());
        assertEquals(false, header.isBroadcast());
        assertEquals(false, header.isSealed());
    }

    @Test
    void sealedDatagramsCarryTheirSequenceAndATag() {
        MemorySegment segment = MemorySegment.ofArray(new byte[SleeveHeader.LENGTH + 60 + SleeveHeader.TAG_LENGTH]);
        SleeveHeader.write(segment, true, SENDER, ORIGIN, DESTINATION, 60);
        SleeveHeader.markSealed(segment, 0x0102030405060708L);
        SleeveHeader header = new SleeveHeader();
        assertEquals(SleeveHeader.Check.OK, header.wrap(segment));
        assertEquals(true, header.isSealed());
        assertEquals(true, header.isBroadcast());
        assertEquals(0, header.destination());
        assertEquals(0x0102030405060708L, header.sequence());
        assertEquals(SleeveHeader.Check.LENGTH_MISMATCH, header.wrap(segment.asSlice(0, SleeveHeader.LENGTH + 60)));
    }

    @Test
    void aDatagramAtTheStartOfALargerReceiveBufferIsCheckedByTheLengthReceived() {
        MemorySegment buffer = MemorySegment.ofArray(new byte[4096]);
        SleeveHeader.write(buffer, false, SENDER, ORIGIN, DESTINATION, 60);
        SleeveHeader header = new SleeveHeader();
        assertEquals(SleeveHeader.Check.OK, header.wrap(buffer, SleeveHeader.LENGTH + 60));
        assertEquals(SleeveHeader.Check.LENGTH_MISMATCH, header.wrap(buffer, SleeveHeader.LENGTH + 61));
        assertEquals(SleeveHeader.Check.LENGTH_MISMATCH, header.wrap(buffer, 5000), "longer than the buffer");
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
        assertEquals((byte) 0x0a, bytes[10]);
        assertEquals((byte) 0x01, bytes[15]);
        assertEquals((byte) 0x0b, bytes[16]);
        assertEquals((byte) 0xff, bytes[21]);
        assertEquals(0, bytes[22]);
        assertEquals(14, bytes[23]);
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
        MemorySegment badFlags = datagram(20);
        badFlags.set(JAVA_BYTE, 3, (byte) 0x80);
        assertEquals(SleeveHeader.Check.BAD_FLAGS, header.wrap(badFlags));
        assertEquals(SleeveHeader.Check.LENGTH_MISMATCH, header.wrap(datagram(20).asSlice(0, SleeveHeader.LENGTH + 19)));
    }

    @Property(tries = 2000)
    void arbitraryBytesNeverThrow(@ForAll @Size(max = 200) byte[] bytes) {
        assertNotNull(new SleeveHeader().wrap(MemorySegment.ofArray(bytes)));
    }

    @Property(tries = 500)
    void anyAcceptedDatagramHasAConsistentLength(@ForAll @Size(min = 46, max = 120) byte[] bytes) {
        bytes[0] = SleeveHeader.MAGIC;
        bytes[1] = SleeveHeader.VERSION;
        bytes[2] = SleeveHeader.TYPE_UNICAST;
        bytes[3] &= SleeveHeader.FLAG_SEALED;
        SleeveHeader header = new SleeveHeader();
        if (header.wrap(MemorySegment.ofArray(bytes)) == SleeveHeader.Check.OK) {
            int tag = header.isSealed() ? SleeveHeader.TAG_LENGTH : 0;
            assertEquals(bytes.length - SleeveHeader.LENGTH - tag, header.frameLength());
        }
    }

    private static MemorySegment fragment(int index, int count, int chunk, int share) {
        MemorySegment segment = MemorySegment.ofArray(new byte[SleeveHeader.LENGTH + SleeveHeader.FRAGMENT_LENGTH + share]);
        SleeveHeader.write(segment, true, SENDER, ORIGIN, 0, SleeveHeader.FRAGMENT_LENGTH + share);
        SleeveHeader.markVnet(segment, true);
        SleeveHeader.writeFragment(segment, 0x01020304, index, count, chunk);
        return segment;
    }

    @Test
    void fragmentHeaderIsReadBackAndChecked() {
        SleeveHeader header = new SleeveHeader();
        MemorySegment first = fragment(0, 3, 100, 100);
        assertEquals(SleeveHeader.Check.OK, header.wrap(first));
        assertEquals(true, header.isFragment());
        assertEquals(true, header.isBroadcast());
        assertEquals(true, header.hasVnetHeader());
        assertEquals(SleeveHeader.Check.OK, header.checkFragment());
        assertEquals(0x01020304, header.frameId());
        assertEquals(0, header.fragmentIndex());
        assertEquals(3, header.fragmentCount());
        assertEquals(100, header.chunk());
        assertEquals(SleeveHeader.TYPE_BROADCAST_FRAGMENT, first.get(JAVA_BYTE, SleeveHeader.TYPE_OFFSET));
        assertEquals(SleeveHeader.FLAG_VNET, first.get(JAVA_BYTE, SleeveHeader.FLAGS_OFFSET));
        header.wrap(fragment(2, 3, 100, 6));
        assertEquals(SleeveHeader.Check.OK, header.checkFragment(), "the last fragment may be short");
    }

    @Test
    void malformedFragmentsAreRefusedWithAReason() {
        SleeveHeader header = new SleeveHeader();
        header.wrap(fragment(1, 3, 100, 99));
        assertEquals(SleeveHeader.Check.BAD_FRAGMENT, header.checkFragment(), "a middle fragment shorter than the chunk");
        header.wrap(fragment(2, 3, 100, 101));
        assertEquals(SleeveHeader.Check.BAD_FRAGMENT, header.checkFragment(), "a last fragment longer than the chunk");
        MemorySegment indexTooHigh = fragment(1, 3, 100, 100);
        indexTooHigh.set(JAVA_BYTE, SleeveHeader.FRAGMENT_INDEX_OFFSET, (byte) 3);
        header.wrap(indexTooHigh);
        assertEquals(SleeveHeader.Check.BAD_FRAGMENT, header.checkFragment());
        MemorySegment single = fragment(0, 2, 100, 100);
        single.set(JAVA_BYTE, SleeveHeader.FRAGMENT_COUNT_OFFSET, (byte) 1);
        header.wrap(single);
        assertEquals(SleeveHeader.Check.BAD_FRAGMENT, header.checkFragment(), "one fragment is not fragmenting");
        header.wrap(fragment(0, 255, 1000, 1000));
        assertEquals(SleeveHeader.Check.FRAGMENTED_TOO_LARGE, header.checkFragment());
        assertEquals(SleeveHeader.Check.TOO_SHORT, header.wrap(fragment(1, 2, 100, 5)), "every payload is at least 14 bytes");
    }

    @Test
    void aWholeFrameBehindAVnetHeaderNeedsRoomForBoth() {
        MemorySegment segment = datagram(20);
        SleeveHeader.markVnet(segment, true);
        assertEquals(SleeveHeader.Check.TOO_SHORT, new SleeveHeader().wrap(segment));
        MemorySegment enough = datagram(24);
        SleeveHeader.markVnet(enough, true);
        assertEquals(SleeveHeader.Check.OK, new SleeveHeader().wrap(enough));
    }

    @Property(tries = 2000)
    void arbitraryFragmentsNeverThrowAndAcceptedOnesFit(@ForAll @Size(min = 46, max = 300) byte[] bytes) {
        bytes[0] = SleeveHeader.MAGIC;
        bytes[1] = SleeveHeader.VERSION;
        bytes[2] = (byte) (3 + (bytes[2] & 1));
        bytes[3] &= SleeveHeader.FLAG_VNET;
        int payload = bytes.length - SleeveHeader.LENGTH;
        bytes[22] = (byte) (payload >>> 8);
        bytes[23] = (byte) payload;
        SleeveHeader header = new SleeveHeader();
        assertEquals(SleeveHeader.Check.OK, header.wrap(MemorySegment.ofArray(bytes)));
        SleeveHeader.Check check = header.checkFragment();
        assertNotNull(check);
        if (check == SleeveHeader.Check.OK) {
            int share = header.frameLength() - SleeveHeader.FRAGMENT_LENGTH;
            assertEquals(true, header.fragmentIndex() < header.fragmentCount() && header.fragmentCount() >= 2);
            assertEquals(true, share >= 1 && share <= header.chunk());
            assertEquals(true, (long) header.fragmentIndex() * header.chunk() + share <= SleeveHeader.MAX_REASSEMBLED);
        }
    }
}

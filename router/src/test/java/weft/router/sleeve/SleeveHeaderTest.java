package weft.router.sleeve;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SleeveHeaderTest {
    private static final long SENDER = 0x7a31c4029e0eL;

    private static final long ORIGIN = 0x0a0000000001L, DESTINATION = 0x0b00000000ffL;
    private static final ValueLayout.OfLong SEQUENCE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

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
        segment.set(JAVA_BYTE, SleeveHeader.FLAGS_OFFSET, SleeveHeader.FLAG_SEALED);
        segment.set(SEQUENCE, SleeveHeader.SEQUENCE_OFFSET, 0x0102030405060708L);
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
        assertEquals(2, bytes[1]);
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

    /**
     * Random bytes, made to start like a datagram of ours with {@code ours}, and to have a known type and a length
     * field that fits their size with {@code consistent}, so that every rule, and acceptance, is reached.
     */
    @Property(tries = 2000)
    void arbitraryBytesAreRefusedForTheFirstRuleTheyBreak(@ForAll @Size(max = 200) byte[] bytes, @ForAll boolean ours,
                                                         @ForAll boolean consistent) {
        if (ours && bytes.length > SleeveHeader.VERSION_OFFSET) {
            bytes[0] = SleeveHeader.MAGIC;
            bytes[1] = SleeveHeader.VERSION;
        }
        if (consistent && bytes.length >= SleeveHeader.LENGTH) {
            bytes[2] = (byte) (1 + Math.floorMod(bytes[2], 6));
            boolean tagged = (bytes[3] & SleeveHeader.FLAG_SEALED) != 0 && bytes[2] != 3 && bytes[2] != 4;
            int payload = Math.max(0, bytes.length - SleeveHeader.LENGTH - (tagged ? SleeveHeader.TAG_LENGTH : 0));
            bytes[22] = (byte) (payload >>> 8);
            bytes[23] = (byte) payload;
        }
        SleeveHeader header = new SleeveHeader();
        SleeveHeader.Check check = header.wrap(MemorySegment.ofArray(bytes));
        assertEquals(documentedCheck(bytes), check);
        if (check == SleeveHeader.Check.OK) assertEquals(unsigned16(bytes, 22), header.frameLength(), "an accepted datagram is the one read");
    }

    /** What the layout in {@link SleeveHeader}'s comment says of {@code bytes} as a whole datagram, rule by rule. */
    private static SleeveHeader.Check documentedCheck(byte[] bytes) {
        if (bytes.length < 32 + 14) return SleeveHeader.Check.TOO_SHORT;
        if (bytes[0] != 'W') return SleeveHeader.Check.BAD_MAGIC;
        if (bytes[1] != 2) return SleeveHeader.Check.BAD_VERSION;
        int type = bytes[2];
        if (type < 1 || type > 6) return SleeveHeader.Check.BAD_TYPE;
        int flags = bytes[3] & 0xFF;
        boolean sealed = (flags & 1) != 0, vnet = (flags & 2) != 0, batch = (flags & 4) != 0;
        if (!sealed && (flags & 0xF8) != 0) return SleeveHeader.Check.BAD_FLAGS; // bits 3-7, the key epoch, only when sealed
        if (batch && (vnet || type != 1 && type != 3)) return SleeveHeader.Check.BAD_FLAGS;
        boolean fragment = type == 3 || type == 4;
        int payload = unsigned16(bytes, 22);
        if (32 + payload + (sealed && !fragment ? 16 : 0) != bytes.length) return SleeveHeader.Check.LENGTH_MISMATCH;
        int least = fragment ? 16 + 1 : vnet ? 10 + 14 : batch ? 2 + 14 : 14;
        return payload < least ? SleeveHeader.Check.TOO_SHORT : SleeveHeader.Check.OK;
    }

    private static int unsigned16(byte[] bytes, int at) {
        return (bytes[at] & 0xFF) << 8 | bytes[at + 1] & 0xFF;
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

    private static final long TOKEN = 0x1122334455667788L;

    private static MemorySegment fragment(int index, int count, int chunk, int share) {
        MemorySegment segment = MemorySegment.ofArray(new byte[SleeveHeader.LENGTH + SleeveHeader.FRAGMENT_LENGTH + share]);
        SleeveHeader.write(segment, true, SENDER, ORIGIN, 0, 0);
        SleeveHeader.markVnet(segment, true);
        // toFragment refuses a share longer than the chunk; the length field is set by hand to make one
        SleeveHeader.toFragment(segment, 0x01020304, index, count, chunk, TOKEN, Math.min(share, chunk));
        SleeveHeader.payloadLength(segment, SleeveHeader.FRAGMENT_LENGTH + share);
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
        assertEquals(TOKEN, header.fragmentToken());
        assertEquals(SleeveHeader.TYPE_BROADCAST_FRAGMENT, first.get(JAVA_BYTE, SleeveHeader.TYPE_OFFSET));
        assertEquals(SleeveHeader.FLAG_VNET, first.get(JAVA_BYTE, SleeveHeader.FLAGS_OFFSET));
        assertEquals(SleeveHeader.Check.OK, header.wrap(fragment(2, 3, 100, 1)));
        assertEquals(SleeveHeader.Check.OK, header.checkFragment(), "the last fragment may carry a single byte");
    }

    @Test
    void aSealedFragmentCarriesNoTagOfItsOwn() {
        MemorySegment sealed = fragment(0, 3, 100, 100);
        sealed.set(JAVA_BYTE, SleeveHeader.FLAGS_OFFSET, SleeveHeader.FLAG_SEALED);
        SleeveHeader header = new SleeveHeader();
        assertEquals(SleeveHeader.Check.OK, header.wrap(sealed));
        assertEquals(true, header.isSealed());
        assertEquals(116, header.frameLength());
    }

    @Test
    void theWholeHeaderIsRebuiltFromAnyFragmentAsItWasSealed() {
        MemorySegment original = MemorySegment.ofArray(new byte[SleeveHeader.LENGTH]);
        SleeveHeader.write(original, false, SENDER, ORIGIN, DESTINATION, 0);
        SleeveHeader.markVnet(original, true);
        original.set(SEQUENCE, SleeveHeader.SEQUENCE_OFFSET, 77L);
        MemorySegment fragment = MemorySegment.ofArray(new byte[SleeveHeader.LENGTH + SleeveHeader.FRAGMENT_LENGTH + 50]);
        MemorySegment.copy(original, 0, fragment, 0, SleeveHeader.LENGTH);
        SleeveHeader.toFragment(fragment, 9, 1, 2, 60, TOKEN, 50);
        assertEquals(SleeveHeader.TYPE_UNICAST_FRAGMENT, fragment.get(JAVA_BYTE, SleeveHeader.TYPE_OFFSET));
        MemorySegment rebuilt = MemorySegment.ofArray(new byte[SleeveHeader.LENGTH + 100]);
        SleeveHeader.toWhole(fragment, rebuilt);
        assertEquals(java.util.Arrays.toString(original.toArray(JAVA_BYTE)),
                java.util.Arrays.toString(rebuilt.asSlice(0, SleeveHeader.LENGTH).toArray(JAVA_BYTE)));
        SleeveHeader header = new SleeveHeader();
        assertEquals(SleeveHeader.Check.OK, header.wrapRebuilt(rebuilt, 24));
        assertEquals(DESTINATION, header.destination());
        assertEquals(77L, header.sequence());
        assertEquals(SleeveHeader.Check.TOO_SHORT, header.wrapRebuilt(rebuilt, 23), "a virtio_net_hdr and an Ethernet header at least");
        assertEquals(SleeveHeader.Check.TOO_SHORT, header.wrapRebuilt(rebuilt, -3), "a sealed stream shorter than its tag");
    }

    @Test
    void aPayloadTooLongForTheLengthFieldIsWrittenAsZero() {
        MemorySegment segment = MemorySegment.ofArray(new byte[SleeveHeader.LENGTH]);
        SleeveHeader.write(segment, false, SENDER, ORIGIN, DESTINATION, SleeveHeader.MAX_REASSEMBLED);
        assertEquals(0, segment.get(JAVA_BYTE, 22));
        assertEquals(0, segment.get(JAVA_BYTE, 23));
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
        MemorySegment empty = fragment(1, 2, 100, 1);
        empty.set(JAVA_BYTE, 23, (byte) SleeveHeader.FRAGMENT_LENGTH);
        assertEquals(SleeveHeader.Check.TOO_SHORT, header.wrap(empty.asSlice(0, SleeveHeader.LENGTH + SleeveHeader.FRAGMENT_LENGTH)),
                "a fragment carries at least one byte");
    }

    @Test
    void keyEpochBitsAreTakenOnlyFromSealedDatagrams() {
        MemorySegment clear = datagram(60);
        clear.set(JAVA_BYTE, SleeveHeader.FLAGS_OFFSET, (byte) 0x18);
        assertEquals(SleeveHeader.Check.BAD_FLAGS, new SleeveHeader().wrap(clear), "epoch bits in clear");
        MemorySegment sealed = MemorySegment.ofArray(new byte[SleeveHeader.LENGTH + 60 + SleeveHeader.TAG_LENGTH]);
        SleeveHeader.write(sealed, false, SENDER, ORIGIN, DESTINATION, 60);
        sealed.set(JAVA_BYTE, SleeveHeader.FLAGS_OFFSET, SleeveHeader.sealedFlags((byte) 0, 31));
        assertEquals(SleeveHeader.Check.OK, new SleeveHeader().wrap(sealed));
        assertEquals(31, SleeveHeader.keyEpoch(sealed.get(JAVA_BYTE, SleeveHeader.FLAGS_OFFSET)));
        SleeveHeader.markClear(sealed);
        assertEquals(0, sealed.get(JAVA_BYTE, SleeveHeader.FLAGS_OFFSET), "clearing drops the epoch with the seal");
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

    /** Random fragment headers, made well-formed but for one field with {@code plausible}, so that every rule is reached. */
    @Property(tries = 2000)
    void arbitraryFragmentsAreCheckedAsDocumentedAndAcceptedOnesFit(@ForAll @Size(min = 49, max = 300) byte[] bytes,
                                                                    @ForAll boolean plausible) {
        bytes[0] = SleeveHeader.MAGIC;
        bytes[1] = SleeveHeader.VERSION;
        bytes[2] = (byte) (3 + (bytes[2] & 1));
        bytes[3] &= SleeveHeader.FLAG_VNET | SleeveHeader.FLAG_SEALED;
        int payload = bytes.length - SleeveHeader.LENGTH;
        bytes[22] = (byte) (payload >>> 8);
        bytes[23] = (byte) payload;
        if (plausible) {
            int share = payload - SleeveHeader.FRAGMENT_LENGTH, count = 2 + Math.floorMod(bytes[37], 254);
            boolean last = (bytes[36] & 1) == 0;
            int index = last ? count - 1 : Math.floorMod(bytes[36], count - 1);
            int chunk = last ? share + Math.floorMod(bytes[38], 300) : share;
            switch (Math.floorMod(bytes[39], 8)) { // one field broken, or none
                case 0 -> chunk += 1;
                case 1 -> index = count;
                case 2 -> count = 1;
                default -> { }
            }
            bytes[36] = (byte) index;
            bytes[37] = (byte) count;
            bytes[38] = (byte) (chunk >>> 8);
            bytes[39] = (byte) chunk;
        }
        SleeveHeader header = new SleeveHeader();
        assertEquals(SleeveHeader.Check.OK, header.wrap(MemorySegment.ofArray(bytes)));
        SleeveHeader.Check check = header.checkFragment();
        assertEquals(documentedFragmentCheck(bytes), check);
        if (check == SleeveHeader.Check.OK) {
            int share = header.frameLength() - SleeveHeader.FRAGMENT_LENGTH;
            assertEquals(true, header.fragmentIndex() < header.fragmentCount() && header.fragmentCount() >= 2);
            assertEquals(true, share >= 1 && share <= header.chunk());
            assertEquals(true, (long) header.fragmentIndex() * header.chunk() + share <= SleeveHeader.MAX_STREAM);
        }
    }

    /** What the fragment header layout in {@link SleeveHeader}'s comment says of the fragment in {@code bytes}. */
    private static SleeveHeader.Check documentedFragmentCheck(byte[] bytes) {
        int index = bytes[36] & 0xFF, count = bytes[37] & 0xFF, chunk = unsigned16(bytes, 38);
        int share = unsigned16(bytes, 22) - 16;
        if (count < 2 || index >= count || chunk == 0) return SleeveHeader.Check.BAD_FRAGMENT;
        boolean last = index == count - 1;
        // every fragment but the last carries the chunk, the last 1 .. chunk
        if (last ? share < 1 || share > chunk : share != chunk) return SleeveHeader.Check.BAD_FRAGMENT;
        long carried = (long) (count - 1) * chunk + (last ? share : 1);
        return carried > SleeveHeader.MAX_STREAM ? SleeveHeader.Check.FRAGMENTED_TOO_LARGE : SleeveHeader.Check.OK;
    }
}

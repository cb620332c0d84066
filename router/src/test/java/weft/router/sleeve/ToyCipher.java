package weft.router.sleeve;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A stand-in for the real cipher that exercises the forwarder's sealed paths: it "encrypts" by XOR and its "tag"
 * is a checksum over header and frame, so tampering and replays are detectable. Not cryptography.
 */
final class ToyCipher implements SleeveCipher {
    /** Both ends of a toy pair share one token; a real pair has one per direction. */
    static final long TOKEN = 0x70C3_0000_5EA1L;
    private static final ValueLayout.OfLong SEQUENCE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private final AtomicLong sequence = new AtomicLong();
    private final Set<Long> seen = new HashSet<>();

    @Override
    public void seal(MemorySegment clear, MemorySegment datagram, int frameLength, int lane) {
        if (clear != datagram) MemorySegment.copy(clear, 0, datagram, 0, SleeveHeader.LENGTH + frameLength);
        datagram.set(JAVA_BYTE, SleeveHeader.FLAGS_OFFSET, (byte) (datagram.get(JAVA_BYTE, SleeveHeader.FLAGS_OFFSET) | SleeveHeader.FLAG_SEALED));
        datagram.set(SEQUENCE, SleeveHeader.SEQUENCE_OFFSET, sequence.incrementAndGet());
        for (int i = 0; i < frameLength; i++) {
            long at = SleeveHeader.LENGTH + i;
            datagram.set(JAVA_BYTE, at, (byte) (datagram.get(JAVA_BYTE, at) ^ 0x5A));
        }
        long sum = checksum(datagram, frameLength);
        for (int i = 0; i < SleeveHeader.TAG_LENGTH; i++) {
            datagram.set(JAVA_BYTE, SleeveHeader.LENGTH + frameLength + i, (byte) (sum >>> (8 * (i % 8))));
        }
    }

    /** How many payloads this toy has sealed. */
    long sealed() {
        return sequence.get();
    }

    @Override
    public long fragmentToken() {
        return TOKEN;
    }

    @Override
    public Opened admitFragment(long token, long sequenceNumber) {
        if (token != TOKEN) return Opened.AUTHENTICATION_FAILED;
        return seen.contains(sequenceNumber) ? Opened.REPLAYED : Opened.OK;
    }

    @Override
    public Opened open(MemorySegment datagram, int frameLength, long sequenceNumber) {
        long sum = checksum(datagram, frameLength);
        for (int i = 0; i < SleeveHeader.TAG_LENGTH; i++) {
            if (datagram.get(JAVA_BYTE, SleeveHeader.LENGTH + frameLength + i) != (byte) (sum >>> (8 * (i % 8)))) {
                return Opened.AUTHENTICATION_FAILED;
            }
        }
        if (!seen.add(sequenceNumber)) return Opened.REPLAYED;
        for (int i = 0; i < frameLength; i++) {
            long at = SleeveHeader.LENGTH + i;
            datagram.set(JAVA_BYTE, at, (byte) (datagram.get(JAVA_BYTE, at) ^ 0x5A));
        }
        return Opened.OK;
    }

    private static long checksum(MemorySegment datagram, int frameLength) {
        long sum = 17;
        for (int i = 0; i < SleeveHeader.LENGTH + frameLength; i++) {
            if (i >= SleeveHeader.SENDER_OFFSET && i < SleeveHeader.SENDER_OFFSET + 6) continue; // relays rewrite it
            sum = sum * 31 + datagram.get(JAVA_BYTE, i);
        }
        return sum;
    }
}

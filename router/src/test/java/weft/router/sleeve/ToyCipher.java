package weft.router.sleeve;

import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A stand-in for the real cipher that exercises the forwarder's sealed paths: it "encrypts" by XOR and its "tag"
 * is a checksum over header and frame, so tampering and replays are detectable. Not cryptography.
 */
final class ToyCipher implements SleeveCipher {
    private final AtomicLong sequence = new AtomicLong();
    private final Set<Long> seen = new HashSet<>();

    @Override
    public void seal(MemorySegment datagram, int frameLength, int lane) {
        SleeveHeader.markSealed(datagram, sequence.incrementAndGet());
        for (int i = 0; i < frameLength; i++) {
            long at = SleeveHeader.LENGTH + i;
            datagram.set(JAVA_BYTE, at, (byte) (datagram.get(JAVA_BYTE, at) ^ 0x5A));
        }
        long sum = checksum(datagram, frameLength);
        for (int i = 0; i < SleeveHeader.TAG_LENGTH; i++) {
            datagram.set(JAVA_BYTE, SleeveHeader.LENGTH + frameLength + i, (byte) (sum >>> (8 * (i % 8))));
        }
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

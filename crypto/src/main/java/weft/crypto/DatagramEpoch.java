package weft.crypto;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import javax.crypto.spec.SecretKeySpec;

/**
 * One key of a sleeve direction's key chain: epoch 0 comes from the session's key schedule, and epoch
 * {@code n + 1} is {@code HKDF-Expand(key n, "weft sleeve rekey", 36)} (key ‖ nonce prefix), so both ends derive the
 * same chain without talking and an old key cannot be computed from a newer one. Datagrams carry the epoch number
 * modulo {@link #WIRE_EPOCHS} in their authenticated header.
 *
 * <p>Immutable and thread-safe; holds its key bytes to derive the next epoch.
 */
final class DatagramEpoch {
    /** How many epochs the header can tell apart: 5 bits. */
    static final int WIRE_EPOCHS = 32;
    private static final String REKEY_LABEL = "weft sleeve rekey";

    final long number;
    final SecretKeySpec key;
    final int noncePrefix;
    /** When it became the sending epoch ({@code System.nanoTime} scale), and the first sequence number after it did. */
    final long startNanos, firstSequence;
    private final byte[] keyBytes;

    DatagramEpoch(long number, byte[] keyBytes, int noncePrefix, long startNanos, long firstSequence) {
        if (keyBytes.length != 32) throw new IllegalArgumentException("key must be 32 bytes");
        this.number = number;
        this.keyBytes = keyBytes;
        this.key = new SecretKeySpec(keyBytes, "AES");
        this.noncePrefix = noncePrefix;
        this.startNanos = startNanos;
        this.firstSequence = firstSequence;
    }

    /** The epoch after this one, starting now at {@code firstSequence}. */
    DatagramEpoch next(long startNanos, long firstSequence) {
        byte[] material = Hkdf.expand(keyBytes, REKEY_LABEL, 36);
        try {
            return new DatagramEpoch(number + 1, Arrays.copyOf(material, 32), (int) SessionKeys.bigEndian(material, 32, 4),
                    startNanos, firstSequence);
        } finally {
            Arrays.fill(material, (byte) 0);
        }
    }

    /** Writes the key into {@code into}, for a native cipher context; the caller clears it after loading it. */
    void copyKeyTo(MemorySegment into) {
        MemorySegment.copy(keyBytes, 0, into, ValueLayout.JAVA_BYTE, 0, keyBytes.length);
    }

    /** The epoch number as the header carries it. */
    int onWire() {
        return (int) (number % WIRE_EPOCHS);
    }

    @Override
    public String toString() {
        return "DatagramEpoch[" + number + ", key redacted]";
    }
}

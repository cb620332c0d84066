package weft.crypto;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * Seals sleeve datagrams of one direction with AES-256-GCM.
 *
 * <p>Layout written by {@link #seal}, usually right after the sleeve's own clear header:
 * <pre>
 *   [sequence uint64 big-endian, clear][ciphertext][tag 16B]
 *   nonce (12B, never sent) = [prefix 4B, per direction and epoch][sequence 8B]
 *   AAD = the caller's header bytes (e.g. sender peer name, flags, and the key epoch {@link #prepare} named)
 * </pre>
 * The sequence travels in clear so the receiver can rebuild the nonce and check its replay window; it is
 * authenticated because it is part of the nonce.
 *
 * <p>Works on memory segments, native or heap, in place or between two regions; with {@link GcmEngine#LIBCRYPTO}
 * it allocates nothing per datagram.
 *
 * <p>Not thread-safe: one per sending thread. Sealers of the same {@link DatagramKey} share its sequence counter.
 */
public final class DatagramSealer {

    /** Bytes added to the payload: the clear sequence number and the tag. */
    public static final int OVERHEAD = 8 + AesGcm.TAG_LENGTH;

    static final ValueLayout.OfLong SEQUENCE = JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final DatagramKey key;
    private final AtomicLong sequences;
    private final AesGcm cipher;
    private final byte[] nonce = new byte[AesGcm.NONCE_LENGTH];
    /** The epoch {@link #prepare} chose for the next seal, or null. */
    private DatagramEpoch prepared;

    DatagramSealer(DatagramKey key, GcmEngine engine) {
        this.key = key;
        this.sequences = key.sequences();
        this.cipher = engine.sealing();
    }

    /**
     * Chooses the key epoch of the next {@link #seal}, moving the direction to its next key when the current one is
     * due, and returns the epoch as datagrams name it (0 to 31): the caller puts it into the header it authenticates,
     * and the opener is given it back. A seal without a prepare uses the epoch current then.
     */
    public int prepare() {
        prepared = key.sendingEpoch();
        return prepared.onWire();
    }

    /**
     * Writes {@code [sequence][ciphertext][tag]} for {@code payload} into {@code out} from its start; {@code header}
     * is authenticated, not written. {@code payload} is either apart from {@code out} or exactly where the
     * ciphertext goes (at 8 in {@code out}: sealing in place).
     *
     * @return the sequence number used
     * @throws IllegalArgumentException if {@code out} has too little room (the caller sizes its buffers), or
     *                                  {@code payload} overlaps it elsewhere
     * @throws IllegalStateException    if the key has sealed 2^63 datagrams and must be replaced
     */
    public long seal(MemorySegment header, MemorySegment payload, MemorySegment out) {
        long length = payload.byteSize();
        if (out.byteSize() < length + OVERHEAD) {
            throw new IllegalArgumentException("output has " + out.byteSize() + " bytes, needs " + (length + OVERHEAD));
        }
        long sequence = sequences.getAndIncrement();
        // Long.MAX_VALUE is never used: reaching it means the next number wraps, which would reuse nonces.
        if (sequence < 0 || sequence == Long.MAX_VALUE) {
            sequences.set(Long.MAX_VALUE);
            throw new IllegalStateException("sleeve sequence numbers exhausted under one key");
        }
        DatagramEpoch epoch = prepared != null ? prepared : key.sendingEpoch();
        prepared = null;
        for (int i = 0; i < 4; i++) nonce[i] = (byte) (epoch.noncePrefix >>> (24 - 8 * i));
        for (int i = 0; i < 8; i++) nonce[4 + i] = (byte) (sequence >>> (56 - 8 * i));
        MemorySegment ciphertext = out.asSlice(8, length);
        AesGcm.requireInPlaceOrApart(payload, ciphertext, out.asSlice(0, length + OVERHEAD));
        out.set(SEQUENCE, 0, sequence);
        cipher.seal(epoch, nonce, header, payload, ciphertext, out.asSlice(8 + length, AesGcm.TAG_LENGTH));
        return sequence;
    }
}

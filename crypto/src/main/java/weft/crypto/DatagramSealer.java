package weft.crypto;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

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
 * <p>Works on {@code ByteBuffer}s (direct ones avoid copies in the JDK's GCM) and allocates nothing per datagram
 * except the JDK's own {@link GCMParameterSpec}, which {@code Cipher.init} requires for every new nonce.
 *
 * <p>Not thread-safe: one per sending thread. Sealers of the same {@link DatagramKey} share its sequence counter.
 */
public final class DatagramSealer {

    /** Bytes added to the payload: the clear sequence number and the tag. */
    public static final int OVERHEAD = 8 + 16;

    private static final int TAG_BITS = 128;

    private final DatagramKey key;
    private final AtomicLong sequences;
    private final Cipher cipher;
    private final byte[] nonce = new byte[12];
    /** The epoch {@link #prepare} chose for the next seal, or null. */
    private DatagramEpoch prepared;

    DatagramSealer(DatagramKey key) {
        this.key = key;
        this.sequences = key.sequences();
        this.cipher = DatagramOpener.newCipher();
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
     * Writes {@code [sequence][ciphertext][tag]} for {@code payload} into {@code out} at its position.
     * {@code header}'s remaining bytes are authenticated, not written; its position is left as it was.
     * {@code payload} is consumed to its limit, and {@code out} advances by {@code payload.remaining() + OVERHEAD}.
     * {@code payload} and {@code out} may share memory (in-place sealing) only if they are the same region.
     *
     * @return the sequence number used
     * @throws IllegalArgumentException if {@code out} has too little room: the caller sizes its buffers
     * @throws IllegalStateException    if the key has sealed 2^63 datagrams and must be replaced
     */
    public long seal(ByteBuffer header, ByteBuffer payload, ByteBuffer out) {
        if (out.remaining() < payload.remaining() + OVERHEAD) {
            throw new IllegalArgumentException("output has " + out.remaining() + " bytes, needs "
                    + (payload.remaining() + OVERHEAD));
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
        int headerStart = header.position();
        try {
            cipher.init(Cipher.ENCRYPT_MODE, epoch.key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(header);
            out.put(nonce, 4, 8);
            cipher.doFinal(payload, out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM seal failed with a valid key, fresh nonce and room", e);
        } finally {
            header.position(headerStart);
        }
        return sequence;
    }
}

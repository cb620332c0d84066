package weft.crypto;

import java.lang.foreign.MemorySegment;

/**
 * AES-256-GCM with a 12-byte nonce and a 16-byte tag, over memory segments (native or heap), for one thread: an
 * instance keeps the cipher state of the last key it used, so it is not thread-safe. The sealers and openers of the
 * sleeve use one each; {@link GcmEngine} says which implementation.
 *
 * <p>Regions: the output of {@link #seal} and {@link #open} is either the input region itself (in place) or apart
 * from it; an output that overlaps the input at another offset is refused, since not every implementation can
 * process it.
 */
interface AesGcm {
    int NONCE_LENGTH = 12, TAG_LENGTH = 16;

    /** Encrypts {@code plaintext} into {@code ciphertext} (the same length) and writes the tag over it and {@code aad}. */
    void seal(DatagramEpoch key, byte[] nonce, MemorySegment aad, MemorySegment plaintext, MemorySegment ciphertext,
              MemorySegment tag);

    /**
     * Decrypts {@code ciphertext} into {@code plaintext} and checks {@code tag} over both and {@code aad}; false when it
     * does not match, and then {@code plaintext} holds bytes nobody may use.
     */
    boolean open(DatagramEpoch key, byte[] nonce, MemorySegment aad, MemorySegment ciphertext, MemorySegment tag,
                 MemorySegment plaintext);

    /**
     * Refuses an input that is neither exactly {@code output} nor apart from all of {@code written}, the region a
     * caller writes around it (for a sealed datagram: sequence number, ciphertext and tag).
     */
    static void requireInPlaceOrApart(MemorySegment input, MemorySegment output, MemorySegment written) {
        boolean inPlace = input.address() == output.address() && input.byteSize() == output.byteSize()
                && input.heapBase().equals(output.heapBase());
        if (!inPlace && input.asOverlappingSlice(written).isPresent()) {
            throw new IllegalArgumentException("AES-GCM input overlaps the output region other than exactly in place");
        }
    }
}

package weft.crypto;

import java.lang.foreign.MemorySegment;

/** One {@link AesGcm} for payloads shorter than a threshold, another for the rest; as thread-bound as they are. */
final class SizeSplitAesGcm implements AesGcm {
    private final AesGcm small, large;
    private final long largeFrom;

    SizeSplitAesGcm(AesGcm small, AesGcm large, long largeFrom) {
        this.small = small;
        this.large = large;
        this.largeFrom = largeFrom;
    }

    @Override
    public void seal(DatagramEpoch key, byte[] nonce, MemorySegment aad, MemorySegment plaintext, MemorySegment ciphertext,
                     MemorySegment tag) {
        (plaintext.byteSize() < largeFrom ? small : large).seal(key, nonce, aad, plaintext, ciphertext, tag);
    }

    @Override
    public boolean open(DatagramEpoch key, byte[] nonce, MemorySegment aad, MemorySegment ciphertext, MemorySegment tag,
                        MemorySegment plaintext) {
        return (ciphertext.byteSize() < largeFrom ? small : large).open(key, nonce, aad, ciphertext, tag, plaintext);
    }
}

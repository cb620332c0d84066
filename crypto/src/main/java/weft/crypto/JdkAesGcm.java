package weft.crypto;

import java.lang.foreign.MemorySegment;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * {@link AesGcm} by the JDK's {@code AES/GCM/NoPadding}, for machines without libcrypto 3. It runs between two heap
 * arrays of its own: the associated data and the input are copied in and the result is copied back. The JDK's
 * intrinsic handles {@code byte[]} directly; given direct buffers it goes through fresh arrays per call, and for
 * overlapping regions through a fresh copy of the output, which cost more than these copies. {@code Cipher.init}
 * still allocates its {@link GCMParameterSpec} and some internal state per nonce.
 */
final class JdkAesGcm implements AesGcm {
    private static final int TAG_BITS = 128;

    private final Cipher cipher;
    private final int mode;
    private byte[] in = new byte[4096], out = new byte[4096];

    private JdkAesGcm(int mode) {
        this.mode = mode;
        try {
            cipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding missing; the JDK should always provide it", e);
        }
    }

    static JdkAesGcm sealing() {
        return new JdkAesGcm(Cipher.ENCRYPT_MODE);
    }

    static JdkAesGcm opening() {
        return new JdkAesGcm(Cipher.DECRYPT_MODE);
    }

    @Override
    public void seal(DatagramEpoch key, byte[] nonce, MemorySegment aad, MemorySegment plaintext, MemorySegment ciphertext,
                     MemorySegment tag) {
        if (mode != Cipher.ENCRYPT_MODE) throw new IllegalStateException("seal on an opening AES-GCM cipher");
        AesGcm.requireInPlaceOrApart(plaintext, ciphertext, ciphertext);
        int aadLength = (int) aad.byteSize(), length = (int) plaintext.byteSize();
        ensure(aadLength + length + TAG_LENGTH);
        MemorySegment.copy(aad, JAVA_BYTE, 0, in, 0, aadLength);
        MemorySegment.copy(plaintext, JAVA_BYTE, 0, in, aadLength, length);
        try {
            cipher.init(mode, key.key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(in, 0, aadLength);
            cipher.doFinal(in, aadLength, length, out, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM seal failed with a valid key, fresh nonce and room", e);
        }
        MemorySegment.copy(out, 0, ciphertext, JAVA_BYTE, 0, length);
        MemorySegment.copy(out, length, tag, JAVA_BYTE, 0, TAG_LENGTH);
    }

    @Override
    public boolean open(DatagramEpoch key, byte[] nonce, MemorySegment aad, MemorySegment ciphertext, MemorySegment tag,
                        MemorySegment plaintext) {
        if (mode != Cipher.DECRYPT_MODE) throw new IllegalStateException("open on a sealing AES-GCM cipher");
        AesGcm.requireInPlaceOrApart(ciphertext, plaintext, plaintext);
        int aadLength = (int) aad.byteSize(), length = (int) ciphertext.byteSize();
        ensure(aadLength + length + TAG_LENGTH);
        MemorySegment.copy(aad, JAVA_BYTE, 0, in, 0, aadLength);
        MemorySegment.copy(ciphertext, JAVA_BYTE, 0, in, aadLength, length);
        MemorySegment.copy(tag, JAVA_BYTE, 0, in, aadLength + length, TAG_LENGTH);
        try {
            cipher.init(mode, key.key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(in, 0, aadLength);
            cipher.doFinal(in, aadLength, length + TAG_LENGTH, out, 0);
        } catch (AEADBadTagException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM open failed for a reason other than the tag", e);
        }
        MemorySegment.copy(out, 0, plaintext, JAVA_BYTE, 0, length);
        return true;
    }

    /** Grows the arrays, rarely, for a longer datagram than any before. */
    private void ensure(int bytes) {
        if (bytes > in.length) {
            in = new byte[Math.max(bytes, 2 * in.length)];
            out = new byte[in.length];
        }
    }
}

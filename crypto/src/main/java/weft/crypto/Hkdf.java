package weft.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.KDF;
import javax.crypto.SecretKey;
import javax.crypto.spec.HKDFParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF-SHA256 (RFC 5869) over the JDK's {@link KDF}, with labels as UTF-8 strings.
 * Stateless and thread-safe; a {@code KDF} is fetched per call because derivations happen only at
 * handshake and rekey time.
 */
final class Hkdf {

    private static final String ALGORITHM = "HKDF-SHA256";

    private Hkdf() {
    }

    /** HKDF-Extract: a pseudorandom key from input keying material and a salt. */
    static SecretKey extract(byte[] salt, byte[] inputKeyMaterial) {
        try {
            return KDF.getInstance(ALGORITHM).deriveKey("Generic",
                    HKDFParameterSpec.ofExtract().addSalt(salt).addIKM(inputKeyMaterial).extractOnly());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HKDF-SHA256 extract failed; the JDK should always provide it", e);
        }
    }

    /** HKDF-Expand: {@code length} bytes bound to {@code label}. */
    static byte[] expand(SecretKey pseudorandomKey, String label, int length) {
        try {
            return KDF.getInstance(ALGORITHM).deriveData(HKDFParameterSpec.expandOnly(
                    pseudorandomKey, label.getBytes(StandardCharsets.UTF_8), length));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HKDF-SHA256 expand failed; the JDK should always provide it", e);
        }
    }

    /** HKDF-Expand with a uniformly random 32-byte key used directly as the pseudorandom key. */
    static byte[] expand(byte[] pseudorandomKey, String label, int length) {
        return expand(new SecretKeySpec(pseudorandomKey, "Generic"), label, length);
    }
}

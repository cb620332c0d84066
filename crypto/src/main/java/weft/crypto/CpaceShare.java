package weft.crypto;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.util.HexFormat;

/**
 * One side's CPace share for one mesh connection: a fresh secret scalar {@code y} and {@code Y = X25519(y, g)}, where
 * {@code g} is the password's generator ({@link PasswordKey#generator()}). The two shares cross in the clear; each side
 * multiplies the other's by its own scalar and gets the same point {@code K} only if both generators came from the
 * same password. Without {@code y}, a share says nothing about the password, and {@code K} of a session that used a
 * wrong guess cannot be turned into a test of another guess: that is what makes guessing cost one live handshake each.
 *
 * <p>Immutable; belongs to one connection's handshake. The scalar never appears in {@link #toString()}.
 */
public final class CpaceShare {

    /** Bytes of a share and of the secret point. */
    public static final int LENGTH = EphemeralKeyPair.LENGTH;

    private final PrivateKey scalar;
    private final byte[] share;

    private CpaceShare(PrivateKey scalar, byte[] generator) {
        this.scalar = scalar;
        this.share = EphemeralKeyPair.multiply(scalar, generator);
    }

    /** A share with a scalar drawn from {@code random} (X25519 clamps it, as CPace's G_X25519 prescribes). */
    public static CpaceShare generate(PasswordKey password, SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("X25519");
            generator.initialize(NamedParameterSpec.X25519, random);
            return new CpaceShare(generator.generateKeyPair().getPrivate(), password.generator());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 key generation failed; the JDK should always provide it", e);
        }
    }

    /** A share with a given scalar, for the draft's test vectors. */
    static CpaceShare of(byte[] scalar, byte[] generator) {
        try {
            return new CpaceShare(KeyFactory.getInstance("X25519")
                    .generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar)), generator);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 missing; the JDK should always provide it", e);
        }
    }

    /** {@code Y}: 32 bytes, the u-coordinate little-endian. A copy. */
    public byte[] share() {
        return share.clone();
    }

    /**
     * {@code K = X25519(y, theirs)}: CPace's scalar_mult_vfy.
     *
     * @throws IllegalArgumentException if {@code theirs} is not 32 bytes or is a low-order point (K would be the
     *                                  neutral element, which an attacker could predict): the handshake must be refused
     */
    public byte[] secret(byte[] theirs) {
        return EphemeralKeyPair.multiply(scalar, theirs);
    }

    @Override
    public String toString() {
        return "CpaceShare[Y=" + HexFormat.of().formatHex(share) + ", y=redacted]";
    }
}

package weft.crypto;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPublicKeySpec;
import java.util.HexFormat;
import javax.crypto.KeyAgreement;

/**
 * A fresh X25519 key pair for one mesh connection, thrown away with it: this is where forward secrecy comes
 * from. Public keys travel as the 32-byte little-endian u-coordinate of RFC 7748, not the JDK's X.509 form.
 *
 * <p>Immutable; safe to share, though it belongs to one connection's handshake. The private key never appears
 * in {@link #toString()}.
 */
public final class EphemeralKeyPair {

    /** Length of a public key and of the shared secret, in bytes. */
    public static final int LENGTH = 32;

    private final PrivateKey privateKey;
    private final byte[] publicKey;

    private EphemeralKeyPair(PrivateKey privateKey, byte[] publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /** A new key pair drawn from {@code random}. */
    public static EphemeralKeyPair generate(SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("X25519");
            generator.initialize(NamedParameterSpec.X25519, random);
            KeyPair pair = generator.generateKeyPair();
            return new EphemeralKeyPair(pair.getPrivate(), encode(((XECPublicKey) pair.getPublic()).getU()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 key generation failed; the JDK should always provide it", e);
        }
    }

    /** Our public key: 32 bytes, little-endian u-coordinate (RFC 7748 §5). A copy. */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /**
     * The X25519 shared secret with a peer's public key (32 raw bytes, as from {@link #publicKey()}).
     *
     * @throws IllegalArgumentException if the key is not 32 bytes, or is a low-order point, which makes the
     *                                  shared secret all zeros: a peer that sends one is an attacker trying to
     *                                  force a secret it knows, and the handshake must be refused
     */
    public byte[] agree(byte[] theirPublicKey) {
        return multiply(privateKey, theirPublicKey);
    }

    /**
     * X25519 of {@code scalar} and the point {@code u} (32 raw bytes): the one scalar multiplication that both this
     * key agreement and CPace ({@link CpaceShare}) are made of.
     *
     * @throws IllegalArgumentException if {@code u} is not 32 bytes or the result is all zeros (a low-order point)
     */
    static byte[] multiply(PrivateKey scalar, byte[] u) {
        if (u.length != LENGTH) {
            throw new IllegalArgumentException("peer X25519 public key must be " + LENGTH + " bytes, got " + u.length);
        }
        byte[] secret;
        try {
            PublicKey point = KeyFactory.getInstance("X25519")
                    .generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, decode(u)));
            KeyAgreement agreement = KeyAgreement.getInstance("X25519");
            agreement.init(scalar);
            agreement.doPhase(point, true);
            secret = agreement.generateSecret();
        } catch (InvalidKeyException e) {
            // SunEC refuses small-order points itself ("Point has small order"); same meaning as the check below
            throw lowOrder(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 key agreement failed; the JDK should always provide it", e);
        }
        if (isAllZero(secret)) throw lowOrder(null);
        return secret;
    }

    private static IllegalArgumentException lowOrder(Exception cause) {
        return new IllegalArgumentException(
                "peer X25519 public key is a low-order point (all-zero shared secret); handshake refused", cause);
    }

    /** Constant-time over the secret's bytes, so a timing side channel says nothing about it. */
    private static boolean isAllZero(byte[] bytes) {
        int or = 0;
        for (byte b : bytes) or |= b;
        return or == 0;
    }

    /** The u-coordinate as 32 little-endian bytes. */
    static byte[] encode(BigInteger u) {
        byte[] bigEndian = u.toByteArray();            // may carry a leading sign byte, or be shorter than 32
        byte[] littleEndian = new byte[LENGTH];
        for (int i = 0; i < LENGTH && i < bigEndian.length; i++) {
            littleEndian[i] = bigEndian[bigEndian.length - 1 - i];
        }
        return littleEndian;
    }

    /** RFC 7748 §5: little-endian, and the most significant bit of the last byte is ignored. */
    static BigInteger decode(byte[] littleEndian) {
        byte[] bigEndian = new byte[LENGTH];
        for (int i = 0; i < LENGTH; i++) bigEndian[i] = littleEndian[LENGTH - 1 - i];
        bigEndian[0] &= 0x7f;
        return new BigInteger(1, bigEndian);
    }

    @Override
    public String toString() {
        return "EphemeralKeyPair[public=" + HexFormat.of().formatHex(publicKey) + ", private=redacted]";
    }
}

package weft.benchmarks;

import weft.crypto.Argon2Cost;
import weft.crypto.EphemeralKeyPair;
import weft.crypto.PasswordKey;
import weft.crypto.SessionKeys;

import java.security.SecureRandom;

/**
 * One completed handshake's inputs, kept so either end's {@link SessionKeys} can be derived again at will.
 * The key schedule is deterministic, so each call returns keys equal to the last but with fresh state: control
 * ciphers not yet taken and sleeve sequence counters back at 0. Benchmarks use that to open a ring of datagrams
 * sealed beforehand again and again with a fresh replay window or nonce counter.
 */
final class BenchKeys {
    private final PasswordKey password;
    private final byte[] sharedSecret;
    private final byte[] transcript;

    BenchKeys() {
        SecureRandom random = new SecureRandom();
        // TESTING cost: the password hash is not what is measured, and DEFAULT would take 64 MiB per setup.
        password = PasswordKey.derive("weft benchmark".toCharArray(), Argon2Cost.TESTING);
        EphemeralKeyPair initiator = EphemeralKeyPair.generate(random);
        EphemeralKeyPair responder = EphemeralKeyPair.generate(random);
        sharedSecret = initiator.agree(responder.publicKey());
        transcript = new byte[2 * EphemeralKeyPair.LENGTH];
        System.arraycopy(initiator.publicKey(), 0, transcript, 0, EphemeralKeyPair.LENGTH);
        System.arraycopy(responder.publicKey(), 0, transcript, EphemeralKeyPair.LENGTH, EphemeralKeyPair.LENGTH);
    }

    /** The connecting end's keys: its control send and sleeve send keys are the responder's receive keys. */
    SessionKeys initiator() {
        return SessionKeys.derive(password, sharedSecret, transcript, true);
    }

    SessionKeys responder() {
        return SessionKeys.derive(password, sharedSecret, transcript, false);
    }

    /** How many messages of {@code payload} bytes fill about 8 MiB, but at least 64: the size of a pre-sealed ring. */
    static int ringLength(int payload) {
        return Math.max(64, (8 << 20) / payload);
    }
}

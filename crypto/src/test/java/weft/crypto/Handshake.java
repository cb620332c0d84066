package weft.crypto;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/** Both ends of a handshake run in memory, the way the gossip module will call this package. */
record Handshake(SessionKeys initiator, SessionKeys responder) {

    static Handshake run(PasswordKey initiatorPassword, PasswordKey responderPassword, SecureRandom random) {
        EphemeralKeyPair i = EphemeralKeyPair.generate(random);
        EphemeralKeyPair r = EphemeralKeyPair.generate(random);
        byte[] transcript = transcript(i.publicKey(), r.publicKey());
        return new Handshake(
                SessionKeys.derive(initiatorPassword, i.agree(r.publicKey()), transcript, true),
                SessionKeys.derive(responderPassword, r.agree(i.publicKey()), transcript, false));
    }

    /** The same with mesh protocol 4's key schedule: CPace shares beside the hello keys. */
    static Handshake runPake(PasswordKey initiatorPassword, PasswordKey responderPassword, SecureRandom random) {
        EphemeralKeyPair i = EphemeralKeyPair.generate(random);
        EphemeralKeyPair r = EphemeralKeyPair.generate(random);
        CpaceShare iShare = CpaceShare.generate(initiatorPassword, random);
        CpaceShare rShare = CpaceShare.generate(responderPassword, random);
        byte[] iHello = transcript(i.publicKey(), new byte[32]);
        byte[] rHello = transcript(new byte[32], r.publicKey());
        return new Handshake(
                SessionKeys.derivePake(initiatorPassword, iShare, rShare.share(), i.agree(r.publicKey()), iHello, rHello,
                        true),
                SessionKeys.derivePake(responderPassword, rShare, iShare.share(), r.agree(i.publicKey()), iHello, rHello,
                        false));
    }

    /** Stands in for the two encoded hellos: a label and each side's public key, initiator's first. */
    static byte[] transcript(byte[] initiatorPublic, byte[] responderPublic) {
        byte[] label = "hello".getBytes(StandardCharsets.UTF_8);
        byte[] t = new byte[label.length + 64];
        System.arraycopy(label, 0, t, 0, label.length);
        System.arraycopy(initiatorPublic, 0, t, label.length, 32);
        System.arraycopy(responderPublic, 0, t, label.length + 32, 32);
        return t;
    }

    static PasswordKey password(String password) {
        return PasswordKey.derive(password.toCharArray(), Argon2Cost.TESTING);
    }

    /** Deterministic randomness so a failure can be replayed; never for real keys. */
    static SecureRandom seeded(long seed) {
        try {
            SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
            random.setSeed(seed);
            return random;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}

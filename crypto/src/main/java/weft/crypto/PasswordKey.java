package weft.crypto;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * The mesh password hardened by Argon2id into 32 bytes: the long-term secret every peer of one mesh shares.
 * It is only ever mixed with a fresh X25519 secret ({@link SessionKeys#derive}, mesh protocol 3) or turned into the
 * CPace generator ({@link #generator()}, protocol 4), never used as a key itself.
 *
 * <p>Immutable and thread-safe. The key never appears in {@link #toString()}.
 */
public final class PasswordKey {

    /** Length of the derived key in bytes. */
    public static final int LENGTH = 32;

    /**
     * Fixed salt: every peer must derive the same key from the same password without talking first, so the
     * salt cannot be random. It separates Weft's keys from any other use of the same password and names
     * the protocol version, so a future change of derivation changes this label.
     */
    private static final byte[] SALT = "weft-mesh-password-v1".getBytes(StandardCharsets.UTF_8);

    /**
     * CPace's channel identifier: names the use of the generator, so that the same password gives another generator
     * anywhere else. The session id is empty: the hellos cross at the same time as a peer's first bytes, so no
     * identifier both ends know precedes the shares; the fresh shares and both hellos in the session key's transcript
     * make each session's keys its own (see {@link SessionKeys#derivePake}).
     */
    private static final byte[] CPACE_CHANNEL = "weft mesh protocol 4".getBytes(StandardCharsets.US_ASCII);

    private final byte[] key;
    private final byte[] generator;

    private PasswordKey(byte[] key) {
        this.key = key;
        this.generator = Cpace.generator(key, CPACE_CHANNEL, new byte[0]);
    }

    /**
     * Hardens {@code password} (encoded as UTF-8). Slow on purpose: see {@link Argon2Cost#DEFAULT}.
     * The caller keeps ownership of {@code password} and should wipe it afterwards.
     *
     * @throws IllegalArgumentException if the password is empty: an empty password is a configuration
     *                                  mistake, not a way to switch encryption off
     */
    public static PasswordKey derive(char[] password, Argon2Cost cost) {
        if (password.length == 0) throw new IllegalArgumentException("the mesh password is empty");
        Argon2Parameters parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(SALT)
                .withMemoryAsKB(cost.memoryKiB())
                .withIterations(cost.iterations())
                .withParallelism(cost.parallelism())
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(parameters);
        byte[] key = new byte[LENGTH];
        generator.generateBytes(password, key);   // BC encodes chars as UTF-8 by default
        return new PasswordKey(key);
    }

    /**
     * The CPace generator of this password (the u-coordinate of a curve point, 32 bytes little-endian), computed once
     * here: see {@link Cpace} for why never per connection. Package-private: a generator is as good as the password
     * for testing guesses offline.
     */
    byte[] generator() {
        return generator.clone();
    }

    /** A copy of the key; package-private so that only the key schedule sees it. */
    byte[] bytes() {
        return key.clone();
    }

    @Override
    public String toString() {
        return "PasswordKey[redacted]";
    }
}

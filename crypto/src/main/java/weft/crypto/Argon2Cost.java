package weft.crypto;

/**
 * How much work Argon2id spends hardening the mesh password: memory in KiB, passes over it, and lanes.
 * A value; immutable and thread-safe.
 *
 * @param memoryKiB   memory filled per derivation, at least {@code 8 * parallelism} (Argon2's own minimum)
 * @param iterations  passes over that memory, at least 1
 * @param parallelism lanes, at least 1; the derivation is single-threaded here, so more lanes only cost time
 */
public record Argon2Cost(int memoryKiB, int iterations, int parallelism) {

    /**
     * 64 MiB, 2 passes, 1 lane: RFC 9106's second option with one pass fewer, because 3 passes took ~0.6 s
     * with Bouncy Castle on the 2-core lab machines and 2 take ~0.2 s (still well above OWASP's minimum of
     * 19 MiB and 2 passes). Derived once per router start, so this is affordable. Captured traffic already
     * gives no offline guesses (every key also depends on an ephemeral X25519 secret); this cost protects the
     * password when the derived key itself leaks, from a heap dump for instance.
     */
    public static final Argon2Cost DEFAULT = new Argon2Cost(64 * 1024, 2, 1);

    /** Argon2's minimum memory and one pass: for tests only, where the derivation runs hundreds of times. */
    public static final Argon2Cost TESTING = new Argon2Cost(8, 1, 1);

    public Argon2Cost {
        if (parallelism < 1) throw new IllegalArgumentException("parallelism must be at least 1: " + parallelism);
        if (iterations < 1) throw new IllegalArgumentException("iterations must be at least 1: " + iterations);
        if (memoryKiB < 8 * parallelism) {
            throw new IllegalArgumentException("memoryKiB must be at least 8 * parallelism: " + memoryKiB);
        }
    }
}

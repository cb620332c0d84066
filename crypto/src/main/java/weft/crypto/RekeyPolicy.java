package weft.crypto;

import java.time.Duration;

/**
 * When a {@link SessionCipher} sender moves to its next key: after {@code afterMessages} messages under one key
 * or once the key is {@code afterTime} old, whichever comes first. A value; immutable and thread-safe.
 *
 * @param afterMessages messages sealed under one key, at least 1; bounds the 64-bit nonce counter far below wrap
 * @param afterTime     age of a key after which the next message switches, positive
 */
public record RekeyPolicy(long afterMessages, Duration afterTime) {

    /**
     * 2^30 messages (far inside AES-GCM's usage limits for one key) or one hour: a long-lived mesh
     * connection then never keeps a key that a later compromise of the process could decrypt much past.
     */
    public static final RekeyPolicy DEFAULT = new RekeyPolicy(1L << 30, Duration.ofHours(1));

    public RekeyPolicy {
        if (afterMessages < 1) throw new IllegalArgumentException("afterMessages must be at least 1: " + afterMessages);
        if (afterTime.isNegative() || afterTime.isZero()) {
            throw new IllegalArgumentException("afterTime must be positive: " + afterTime);
        }
    }
}

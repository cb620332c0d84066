package weft.crypto;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Authenticates the fast path's heartbeats in one direction of a pair: a {@value #TAG_LENGTH}-byte tag, HMAC-SHA256
 * under the direction's heartbeat key ({@link SessionKeys#heartbeatSend()}, {@link SessionKeys#heartbeatReceive()})
 * cut to 96 bits, over the heartbeat's fields. Without it anyone who reaches the fast path's UDP port could hold a
 * broken pair on the kernel path with forged heartbeats; replays are the caller's to refuse (the heartbeats carry a
 * sequence number inside what is tagged).
 *
 * <p>Not thread-safe: one per direction and thread. Key bytes never appear in {@link #toString()}.
 */
public final class HeartbeatAuthenticator {
    /** 96 bits: a forger's chance per try is 2^-96, and the tag fits the small heartbeat's padding. */
    public static final int TAG_LENGTH = 12;
    private final Mac mac;
    private final byte[] full = new byte[32];

    public HeartbeatAuthenticator(byte[] key) {
        if (key.length != 32) throw new IllegalArgumentException("a heartbeat key is 32 bytes, got " + key.length);
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 missing; the JDK should always provide it", e);
        }
    }

    /** Writes the tag of {@code message}'s remaining bytes to {@code tag}'s next {@value #TAG_LENGTH} bytes. */
    public void tag(ByteBuffer message, ByteBuffer tag) {
        compute(message);
        tag.put(full, 0, TAG_LENGTH);
    }

    /** Whether {@code tag}'s next {@value #TAG_LENGTH} bytes are the tag of {@code message}'s remaining bytes; constant time. */
    public boolean verify(ByteBuffer message, ByteBuffer tag) {
        compute(message);
        byte[] received = new byte[TAG_LENGTH];
        tag.get(received);
        return MessageDigest.isEqual(Arrays.copyOf(full, TAG_LENGTH), received);
    }

    private void compute(ByteBuffer message) {
        mac.update(message);
        try {
            mac.doFinal(full, 0);
        } catch (javax.crypto.ShortBufferException e) {
            throw new IllegalStateException("a 32-byte buffer holds an HMAC-SHA256", e);
        }
    }

    @Override
    public String toString() {
        return "HeartbeatAuthenticator[key redacted]";
    }
}

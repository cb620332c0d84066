package weft.crypto;

import java.security.GeneralSecurityException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * One direction of an encrypted mesh control connection (TCP): AES-256-GCM with an implicit message counter,
 * and automatic rekeying. Our side holds a sending instance (only {@link #seal}) for the direction we write and
 * a receiving instance (only {@link #open}) for the direction we read; {@link SessionKeys} makes both.
 *
 * <p>Wire form of one sealed message (the mesh framing around it is the caller's):
 * <pre>
 *   [flags 1B][AES-GCM ciphertext][tag 16B]      flags are the AAD; bit 0 = REKEY
 *   nonce (12B, never sent) = [00 00 00 00][message counter, uint64 big-endian]
 * </pre>
 * TCP delivers in order, so both ends count messages; a reordered, dropped or replayed message fails
 * authentication, and the connection must then be closed (its counters no longer agree).
 *
 * <p>Rekey: when the sender's policy says so, it sets REKEY on the message it seals; after that message both
 * ends replace the key by {@code HKDF-Expand(key, "weft rekey", 32)} and restart the counter at 0. Old keys are
 * gone, so traffic recorded before a later compromise stays secret.
 *
 * <p>Not thread-safe: owned by the connection's event loop.
 */
public final class SessionCipher {

    /** Bytes added to every message: the flags byte and the GCM tag. */
    public static final int OVERHEAD = 1 + 16;

    static final int KEY_LENGTH = 32;
    private static final int TAG_BITS = 128;
    private static final int NONCE_LENGTH = 12;
    private static final byte FLAG_REKEY = 0x01;
    private static final String REKEY_LABEL = "weft rekey";
    /** A receiver follows the sender's flags and never asks the time. */
    private static final InstantSource NEVER_READ = InstantSource.fixed(Instant.EPOCH);

    /** What became of a message given to {@link #open}. */
    public sealed interface Result {
        /** Authentic; {@code switchedKey} when it carried REKEY and this side has moved to the next key. */
        record Opened(byte[] plaintext, boolean switchedKey) implements Result {}

        /** Refused; the connection must be closed, since the counters no longer agree. */
        record Refused(Reason reason) implements Result {}
    }

    /** Why a message was refused. */
    public enum Reason {
        /** Shorter than the flags byte and a tag. */
        TOO_SHORT,
        /** Wrong key (password mismatch), tampered, reordered or replayed. */
        AUTHENTICATION_FAILED,
        /** Authentic, but with flag bits this version does not know. */
        UNSUPPORTED_FLAGS
    }

    private enum Role { SEND, RECEIVE }

    private final Role role;
    private final RekeyPolicy policy;
    private final InstantSource clock;
    private final Cipher cipher;
    private final byte[] nonce = new byte[NONCE_LENGTH];   // bytes 0..3 stay zero: each direction has its own key
    private byte[] key;
    private SecretKeySpec keySpec;
    private long counter;                // messages sealed or opened under the current key = next nonce
    private Instant keySince;            // sender only
    private long keysUsed = 1;

    private SessionCipher(Role role, byte[] key, RekeyPolicy policy, InstantSource clock) {
        if (key.length != KEY_LENGTH) throw new IllegalArgumentException("key must be 32 bytes");
        this.role = role;
        this.policy = policy;
        this.clock = clock;
        this.cipher = newCipher();
        useKey(key.clone());
    }

    /** A sealing end; {@code clock} times the key's age. */
    static SessionCipher sender(byte[] key, RekeyPolicy policy, InstantSource clock) {
        return new SessionCipher(Role.SEND, key, policy, clock);
    }

    /** An opening end: it follows the sender's REKEY flags and needs neither policy nor clock. */
    static SessionCipher receiver(byte[] key) {
        return new SessionCipher(Role.RECEIVE, key, RekeyPolicy.DEFAULT, NEVER_READ);
    }

    /**
     * Encrypts and authenticates the next message. Sets REKEY and moves to the next key afterwards when the
     * current key has sealed its last allowed message or has grown too old.
     *
     * @throws IllegalStateException on a receiving instance
     */
    public byte[] seal(byte[] plaintext) {
        if (role != Role.SEND) throw new IllegalStateException("seal on the receiving end of a session");
        boolean rekey = counter + 1 >= policy.afterMessages()
                || !clock.instant().isBefore(keySince.plus(policy.afterTime()));
        byte flags = rekey ? FLAG_REKEY : 0;
        byte[] sealed = new byte[1 + plaintext.length + 16];
        sealed[0] = flags;
        try {
            cipher.init(Cipher.ENCRYPT_MODE, keySpec, nextNonce());
            cipher.updateAAD(sealed, 0, 1);
            cipher.doFinal(plaintext, 0, plaintext.length, sealed, 1);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM seal failed with a valid key and fresh nonce", e);
        }
        afterMessage(rekey);
        return sealed;
    }

    /**
     * Checks and decrypts the next message. Never throws on bad input: every refusal is a {@link Reason}.
     * A refused message leaves the state unchanged.
     *
     * @throws IllegalStateException on a sending instance
     */
    public Result open(byte[] sealed) {
        if (role != Role.RECEIVE) throw new IllegalStateException("open on the sending end of a session");
        if (sealed.length < OVERHEAD) return new Result.Refused(Reason.TOO_SHORT);
        byte[] plaintext;
        try {
            cipher.init(Cipher.DECRYPT_MODE, keySpec, nextNonce());
            cipher.updateAAD(sealed, 0, 1);
            plaintext = cipher.doFinal(sealed, 1, sealed.length - 1);
        } catch (AEADBadTagException e) {
            return new Result.Refused(Reason.AUTHENTICATION_FAILED);   // the expected way to fail: say why, no trace
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM open failed for a reason other than the tag", e);
        }
        byte flags = sealed[0];
        if ((flags & ~FLAG_REKEY) != 0) return new Result.Refused(Reason.UNSUPPORTED_FLAGS);
        boolean rekey = (flags & FLAG_REKEY) != 0;
        afterMessage(rekey);
        return new Result.Opened(plaintext, rekey);
    }

    /** How many keys this direction has used so far, 1 before the first rekey; for status and tests. */
    public long keysUsed() {
        return keysUsed;
    }

    private GCMParameterSpec nextNonce() {
        // Cannot happen while policy.afterMessages() <= Long.MAX_VALUE forces a rekey first; a nonce reused
        // under one key would reveal plaintext and the GHASH key, so fail loudly rather than ever wrap.
        if (counter == Long.MAX_VALUE) throw new IllegalStateException("message counter exhausted under one key");
        for (int i = 0; i < 8; i++) nonce[4 + i] = (byte) (counter >>> (56 - 8 * i));
        return new GCMParameterSpec(TAG_BITS, nonce);
    }

    private void afterMessage(boolean rekey) {
        if (rekey) {
            byte[] next = Hkdf.expand(key, REKEY_LABEL, KEY_LENGTH);
            Arrays.fill(key, (byte) 0);
            useKey(next);
            keysUsed++;
        } else {
            counter++;
        }
    }

    private void useKey(byte[] newKey) {
        key = newKey;
        keySpec = new SecretKeySpec(newKey, "AES");
        counter = 0;
        if (role == Role.SEND) keySince = clock.instant();
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding missing; the JDK should always provide it", e);
        }
    }

    @Override
    public String toString() {
        return "SessionCipher[" + role + ", key #" + keysUsed + ", counter " + counter + ", key redacted]";
    }
}

package weft.crypto;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.InstantSource;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys of one encrypted mesh connection, from its key schedule:
 * <pre>
 *   PRK = HKDF-Extract(salt = SHA-256(transcript), IKM = X25519 shared secret ‖ password key)
 *   control key, per direction    = HKDF-Expand(PRK, "weft control initiator->responder" | "…responder->initiator", 32)
 *   sleeve key ‖ nonce prefix ‖ fragment token
 *                                 = HKDF-Expand(PRK, "weft sleeve initiator->responder"  | "…responder->initiator", 44)
 *   next sleeve key ‖ prefix      = HKDF-Expand(sleeve key, "weft sleeve rekey", 36), see {@link DatagramEpoch}
 *   ESP AES key ‖ salt            = HKDF-Expand(PRK, "weft esp initiator->responder"     | "…responder->initiator", 36)
 *   ESP SPI                       = HKDF-Expand(PRK, "weft esp spi initiator->responder" | "…responder->initiator", 4) | 0x100
 *   heartbeat key, per direction  = HKDF-Expand(PRK, "weft heartbeat initiator->responder" | "…responder->initiator", 32)
 *   confirmation key, per role    = HKDF-Expand(PRK, "weft confirm initiator" | "weft confirm responder", 32)
 *   confirmation, per role        = HMAC-SHA256(confirmation key, transcript)
 * </pre>
 * This is protocol 3's schedule ({@link #derive}); protocol 4 ({@link #derivePake}) changes only the IKM and the
 * transcript. The transcript is both hellos, initiator's first, so a tampered hello gives the two ends different keys.
 * Both secrets feed every key: without the password the DH secret is useless, and without the DH secret
 * (ephemeral, gone after the handshake) a recording cannot be decrypted or used to test password guesses.
 * Each side sends {@link #ourConfirmation()} in its first encrypted message; a peer with another password
 * cannot produce it, and since the two roles' confirmations differ, reflecting ours back fails too.
 *
 * <p>Thread-safe, but each control cipher can be taken only once: two ciphers with one key and counter would
 * reuse nonces. Key bytes never appear in {@link #toString()}.
 */
public final class SessionKeys {

    private static final String INITIATOR_TO_RESPONDER = "initiator->responder";
    private static final String RESPONDER_TO_INITIATOR = "responder->initiator";

    private final boolean initiator;
    private final byte[] controlSendKey;
    private final byte[] controlReceiveKey;
    private final DatagramKey sleeveSend;
    private final DatagramKey sleeveReceive;
    private final EspKey espSend;
    private final EspKey espReceive;
    private final byte[] heartbeatSend;
    private final byte[] heartbeatReceive;
    private final byte[] ourConfirmation;
    private final byte[] expectedConfirmation;
    private boolean controlSendTaken;
    private boolean controlReceiveTaken;

    private SessionKeys(boolean initiator, byte[] controlSendKey, byte[] controlReceiveKey, DatagramKey sleeveSend,
                        DatagramKey sleeveReceive, EspKey espSend, EspKey espReceive, byte[] heartbeatSend,
                        byte[] heartbeatReceive, byte[] ourConfirmation, byte[] expectedConfirmation) {
        this.initiator = initiator;
        this.controlSendKey = controlSendKey;
        this.controlReceiveKey = controlReceiveKey;
        this.sleeveSend = sleeveSend;
        this.sleeveReceive = sleeveReceive;
        this.espSend = espSend;
        this.espReceive = espReceive;
        this.heartbeatSend = heartbeatSend;
        this.heartbeatReceive = heartbeatReceive;
        this.ourConfirmation = ourConfirmation;
        this.expectedConfirmation = expectedConfirmation;
    }

    /**
     * Runs the key schedule of mesh protocol 3: the password key itself is an input.
     *
     * @param sharedSecret the X25519 secret from {@link EphemeralKeyPair#agree}
     * @param transcript   the two hellos as sent, initiator's first; identical at both ends
     * @param initiator    whether we opened the connection; decides which keys are "send"
     */
    public static SessionKeys derive(PasswordKey password, byte[] sharedSecret, byte[] transcript, boolean initiator) {
        checkSecret(sharedSecret);
        byte[] passwordKey = password.bytes();
        byte[] ikm = concat(sharedSecret, passwordKey);
        Arrays.fill(passwordKey, (byte) 0);
        return schedule(ikm, transcript, initiator);
    }

    /**
     * Runs the key schedule of mesh protocol 4, where CPace's intermediate session key (ISK) stands for the password:
     * <pre>
     *   K          = X25519(our CPace scalar, their share)
     *   transcript = lv_cat(Y initiator, initiator hello, Y responder, responder hello)
     *   ISK        = SHA-512(lv_cat("CPace255_ISK", "", K) ‖ transcript)
     *   IKM        = X25519 shared secret ‖ ISK ‖ password key
     * </pre>
     * and then the same expansion as protocol 3 with this transcript. Every key and confirmation depends on K, which
     * someone who guessed the password wrong cannot compute for another guess. The password key is in the IKM as well
     * only as a second line: were the PAKE broken, the keys would still need the password, as in protocol 3.
     *
     * @param sharedSecret    the X25519 secret of the two hellos' keys
     * @param initiatorHello  the initiator's hello as sent (CPace's associated data ADa)
     * @param responderHello  the responder's hello as sent (ADb)
     * @throws IllegalArgumentException if {@code theirShare} is not 32 bytes or is a low-order point
     */
    public static SessionKeys derivePake(PasswordKey password, CpaceShare ours, byte[] theirShare, byte[] sharedSecret,
            byte[] initiatorHello, byte[] responderHello, boolean initiator) {
        checkSecret(sharedSecret);
        byte[] k = ours.secret(theirShare);
        byte[] ya = initiator ? ours.share() : theirShare;
        byte[] yb = initiator ? theirShare : ours.share();
        byte[] isk = Cpace.intermediateSessionKey(new byte[0], k, ya, initiatorHello, yb, responderHello);
        byte[] passwordKey = password.bytes();
        byte[] ikm = concat(sharedSecret, isk, passwordKey);
        Arrays.fill(k, (byte) 0);
        Arrays.fill(isk, (byte) 0);
        Arrays.fill(passwordKey, (byte) 0);
        return schedule(ikm, Cpace.transcriptIr(ya, initiatorHello, yb, responderHello), initiator);
    }

    private static void checkSecret(byte[] sharedSecret) {
        if (sharedSecret.length != EphemeralKeyPair.LENGTH) {
            throw new IllegalArgumentException("shared secret must be 32 bytes, got " + sharedSecret.length);
        }
    }

    private static byte[] concat(byte[]... parts) {
        byte[] all = new byte[Arrays.stream(parts).mapToInt(part -> part.length).sum()];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    /** Extract from {@code ikm} (wiped here) with the transcript's hash as salt, then every key and confirmation. */
    private static SessionKeys schedule(byte[] ikm, byte[] transcript, boolean initiator) {
        SecretKey prk = Hkdf.extract(sha256(transcript), ikm);
        Arrays.fill(ikm, (byte) 0);

        byte[] controlOut = Hkdf.expand(prk, "weft control " + INITIATOR_TO_RESPONDER, SessionCipher.KEY_LENGTH);
        byte[] controlIn = Hkdf.expand(prk, "weft control " + RESPONDER_TO_INITIATOR, SessionCipher.KEY_LENGTH);
        DatagramKey sleeveOut = datagramKey(Hkdf.expand(prk, "weft sleeve " + INITIATOR_TO_RESPONDER, 44));
        DatagramKey sleeveIn = datagramKey(Hkdf.expand(prk, "weft sleeve " + RESPONDER_TO_INITIATOR, 44));
        EspKey espOut = espKey(prk, INITIATOR_TO_RESPONDER);
        EspKey espIn = espKey(prk, RESPONDER_TO_INITIATOR);
        byte[] heartbeatOut = Hkdf.expand(prk, "weft heartbeat " + INITIATOR_TO_RESPONDER, 32);
        byte[] heartbeatIn = Hkdf.expand(prk, "weft heartbeat " + RESPONDER_TO_INITIATOR, 32);
        byte[] initiatorConfirmation = hmac(Hkdf.expand(prk, "weft confirm initiator", 32), transcript);
        byte[] responderConfirmation = hmac(Hkdf.expand(prk, "weft confirm responder", 32), transcript);

        return initiator
                ? new SessionKeys(true, controlOut, controlIn, sleeveOut, sleeveIn, espOut, espIn, heartbeatOut, heartbeatIn,
                        initiatorConfirmation, responderConfirmation)
                : new SessionKeys(false, controlIn, controlOut, sleeveIn, sleeveOut, espIn, espOut, heartbeatIn, heartbeatOut,
                        responderConfirmation, initiatorConfirmation);
    }

    /**
     * The cipher for the messages we send on the control connection; {@code clock} times key age for rekeying.
     *
     * @throws IllegalStateException if already taken
     */
    public synchronized SessionCipher controlSend(RekeyPolicy policy, InstantSource clock) {
        if (controlSendTaken) throw new IllegalStateException("control send cipher already taken");
        controlSendTaken = true;
        return SessionCipher.sender(controlSendKey, policy, clock);
    }

    /** {@link #controlSend(RekeyPolicy, InstantSource)} with {@link RekeyPolicy#DEFAULT}. */
    public SessionCipher controlSend(InstantSource clock) {
        return controlSend(RekeyPolicy.DEFAULT, clock);
    }

    /**
     * The cipher for the messages we receive on the control connection.
     *
     * @throws IllegalStateException if already taken
     */
    public synchronized SessionCipher controlReceive() {
        if (controlReceiveTaken) throw new IllegalStateException("control receive cipher already taken");
        controlReceiveTaken = true;
        return SessionCipher.receiver(controlReceiveKey);
    }

    /** Key for the sleeve datagrams we send to this peer. */
    public DatagramKey sleeveSend() {
        return sleeveSend;
    }

    /** Key for the sleeve datagrams this peer sends us. */
    public DatagramKey sleeveReceive() {
        return sleeveReceive;
    }

    /** Key and SPI of the kernel ESP SA for the fast-path packets we send to this peer. */
    public EspKey espSend() {
        return espSend;
    }

    /** Key and SPI of the kernel ESP SA for the fast-path packets this peer sends us. */
    public EspKey espReceive() {
        return espReceive;
    }

    /**
     * Key of the {@link HeartbeatAuthenticator} for the fast-path heartbeats we send to this peer. A copy. Derived
     * whether or not the pair's data is sealed: heartbeats prove a path even where data may travel in clear.
     */
    public byte[] heartbeatSend() {
        return heartbeatSend.clone();
    }

    /** Key of the {@link HeartbeatAuthenticator} for the heartbeats this peer sends us. A copy. */
    public byte[] heartbeatReceive() {
        return heartbeatReceive.clone();
    }

    /** The 32 bytes we send in our first encrypted message. A copy. */
    public byte[] ourConfirmation() {
        return ourConfirmation.clone();
    }

    /** The 32 bytes the peer must send in its first encrypted message. A copy. */
    public byte[] expectedConfirmation() {
        return expectedConfirmation.clone();
    }

    /** Whether {@code received} is the peer's confirmation; compares in constant time. */
    public boolean confirmedBy(byte[] received) {
        return MessageDigest.isEqual(expectedConfirmation, received);
    }

    private static DatagramKey datagramKey(byte[] material) {
        byte[] key = Arrays.copyOf(material, 32);
        int prefix = (int) bigEndian(material, 32, 4);
        long token = bigEndian(material, 36, 8);
        Arrays.fill(material, (byte) 0);
        return new DatagramKey(key, prefix, token);
    }

    /** The unsigned big-endian number in {@code bytes[from, from + length)}, for numbers taken from derived bytes. */
    static long bigEndian(byte[] bytes, int from, int length) {
        long value = 0;
        for (int i = from; i < from + length; i++) value = value << 8 | (bytes[i] & 0xff);
        return value;
    }

    /** The SPI gets its own label so that the SPI, sent in clear, is independent of the key bytes. */
    private static EspKey espKey(SecretKey prk, String direction) {
        byte[] material = Hkdf.expand(prk, "weft esp " + direction, EspKey.LENGTH);
        byte[] spi = Hkdf.expand(prk, "weft esp spi " + direction, 4);
        try {
            return new EspKey(material, (int) bigEndian(spi, 0, 4) | EspKey.MIN_SPI);
        } finally {
            Arrays.fill(material, (byte) 0);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing; the JDK should always provide it", e);
        }
    }

    private static byte[] hmac(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 missing; the JDK should always provide it", e);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    @Override
    public String toString() {
        return "SessionKeys[" + (initiator ? "initiator" : "responder") + ", keys redacted]";
    }
}

package weft.crypto;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The pure parts of CPace (draft-irtf-cfrg-cpace, suite CPACE-X25519-SHA512), the balanced PAKE of mesh protocol 4:
 * the password-derived generator and the intermediate session key. The scalar multiplications are X25519 itself
 * (RFC 7748, done by the JDK in {@link CpaceShare}), so only the map from the password to a curve point lives here.
 *
 * <pre>
 *   generator_string = lv_cat("CPace255", PRS, zero padding to fill the first SHA-512 block, CI, sid)
 *   g   = Elligator2(decodeUCoordinate(SHA-512(generator_string)[0..32]))      (RFC 9380 §6.7.1, Curve25519)
 *   ISK = SHA-512(lv_cat("CPace255_ISK", sid, K) ‖ lv_cat(Ya, ADa) ‖ lv_cat(Yb, ADb))      (initiator-responder)
 * </pre>
 * {@code lv_cat} prefixes each part with its length in LEB128. The test vectors of the draft's appendix
 * (generator, shares, K, ISK) pin this code.
 *
 * <p>The map uses {@link BigInteger}, whose time depends on its input. That is acceptable only because Weft computes
 * the generator once per password, when the router starts ({@link PasswordKey#derive}), never per connection: no one
 * who can time it from the network sees it run. Stateless; thread-safe.
 */
final class Cpace {

    static final byte[] DSI = "CPace255".getBytes(StandardCharsets.US_ASCII);
    static final byte[] DSI_ISK = "CPace255_ISK".getBytes(StandardCharsets.US_ASCII);
    /** Input block size of SHA-512: the padding puts DSI and PRS alone in the first block. */
    private static final int HASH_BLOCK_BYTES = 128;
    private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    /** The Montgomery coefficient A of Curve25519 (B = 1). */
    private static final BigInteger J = BigInteger.valueOf(486662);
    /** RFC 9380's non-square Z for Curve25519's Elligator 2. */
    private static final BigInteger Z = BigInteger.TWO;
    private static final BigInteger HALF_P_MINUS_1 = P.subtract(BigInteger.ONE).shiftRight(1);

    private Cpace() {}

    /** The generator's u-coordinate, 32 bytes little-endian, for password-related string {@code prs}. */
    static byte[] generator(byte[] prs, byte[] channelId, byte[] sid) {
        byte[] hash = Arrays.copyOf(sha512(generatorString(prs, channelId, sid)), 32);
        return EphemeralKeyPair.encode(elligator2(EphemeralKeyPair.decode(hash).mod(P)));
    }

    static byte[] generatorString(byte[] prs, byte[] channelId, byte[] sid) {
        int padding = Math.max(0, HASH_BLOCK_BYTES - 1 - prependLength(prs).length - prependLength(DSI).length);
        return lvCat(DSI, prs, new byte[padding], channelId, sid);
    }

    /** Elligator 2 for Curve25519 (RFC 9380 §6.7.1), the u-coordinate only: CPace discards v. */
    static BigInteger elligator2(BigInteger u) {
        BigInteger denominator = BigInteger.ONE.add(Z.multiply(u).multiply(u)).mod(P);
        BigInteger x1 = J.negate().multiply(inverseOrZero(denominator)).mod(P);
        if (x1.signum() == 0) x1 = J.negate().mod(P);
        BigInteger x2 = x1.negate().subtract(J).mod(P);
        return isSquare(curve(x1)) ? x1 : x2;
    }

    /** The intermediate session key of the initiator-responder setting: 64 bytes. */
    static byte[] intermediateSessionKey(byte[] sid, byte[] k, byte[] ya, byte[] adA, byte[] yb, byte[] adB) {
        byte[] head = lvCat(DSI_ISK, sid, k);
        byte[] transcript = transcriptIr(ya, adA, yb, adB);
        byte[] all = Arrays.copyOf(head, head.length + transcript.length);
        System.arraycopy(transcript, 0, all, head.length, transcript.length);
        try {
            return sha512(all);
        } finally {
            Arrays.fill(all, (byte) 0);
            Arrays.fill(head, (byte) 0);
        }
    }

    static byte[] transcriptIr(byte[] ya, byte[] adA, byte[] yb, byte[] adB) {
        return lvCat(ya, adA, yb, adB);
    }

    static byte[] lvCat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) out.writeBytes(prependLength(part));
        return out.toByteArray();
    }

    /** {@code data} behind its length in LEB128: 7 bits per byte, least significant first, high bit "more follows". */
    static byte[] prependLength(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 5);
        int length = data.length;
        while (length >= 0x80) {
            out.write(0x80 | (length & 0x7f));
            length >>>= 7;
        }
        out.write(length);
        out.writeBytes(data);
        return out.toByteArray();
    }

    /** x³ + A·x² + x: the right-hand side of Curve25519's equation. */
    private static BigInteger curve(BigInteger x) {
        return x.pow(3).add(J.multiply(x.pow(2))).add(x).mod(P);
    }

    private static boolean isSquare(BigInteger x) {
        BigInteger legendre = x.modPow(HALF_P_MINUS_1, P);
        return legendre.signum() == 0 || legendre.equals(BigInteger.ONE);
    }

    private static BigInteger inverseOrZero(BigInteger x) {
        return x.signum() == 0 ? BigInteger.ZERO : x.modInverse(P);
    }

    private static byte[] sha512(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-512").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-512 missing; the JDK should always provide it", e);
        }
    }
}

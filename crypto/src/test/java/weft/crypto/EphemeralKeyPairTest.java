package weft.crypto;

import static org.junit.jupiter.api.Assertions.*;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class EphemeralKeyPairTest {

    final SecureRandom random = Handshake.seeded(42);

    @Test
    void bothSidesAgreeOnTheSameSecret() {
        EphemeralKeyPair a = EphemeralKeyPair.generate(random);
        EphemeralKeyPair b = EphemeralKeyPair.generate(random);
        byte[] ab = a.agree(b.publicKey());
        assertArrayEquals(ab, b.agree(a.publicKey()));
        assertEquals(32, ab.length);
        assertEquals(32, a.publicKey().length);
        EphemeralKeyPair c = EphemeralKeyPair.generate(random);
        assertFalse(java.util.Arrays.equals(ab, a.agree(c.publicKey())));
    }

    @Test
    void publicKeyIsTheLittleEndianUCoordinate() {
        // RFC 7748 §6.1: the base point u = 9 is 09 00 … 00
        byte[] nine = EphemeralKeyPair.encode(BigInteger.valueOf(9));
        assertEquals("09" + "00".repeat(31), HexFormat.of().formatHex(nine));
        assertEquals(BigInteger.valueOf(9), EphemeralKeyPair.decode(nine));
        // and the top bit of the last byte is ignored on input
        nine[31] = (byte) 0x80;
        assertEquals(BigInteger.valueOf(9), EphemeralKeyPair.decode(nine));
    }

    @Test
    void decodingMatchesRfc7748Vectors() throws Exception {
        // RFC 7748 §6.1: X25519(a, 9) is Alice's public key, and a with Bob's public key equals b with Alice's.
        // Wrong byte order in decode would give other points, and neither equality would hold.
        HexFormat hex = HexFormat.of();
        byte[] alicePrivate = hex.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] alicePublic = hex.parseHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        byte[] bobPrivate = hex.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        byte[] bobPublic = hex.parseHex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        assertArrayEquals(alicePublic, jdkAgree(alicePrivate, EphemeralKeyPair.encode(BigInteger.valueOf(9))));
        assertArrayEquals(jdkAgree(alicePrivate, bobPublic), jdkAgree(bobPrivate, alicePublic));
        assertArrayEquals(alicePublic, EphemeralKeyPair.encode(EphemeralKeyPair.decode(alicePublic)));
    }

    private static byte[] jdkAgree(byte[] scalar, byte[] peerPublic) throws Exception {
        var factory = java.security.KeyFactory.getInstance("X25519");
        var privateKey = factory.generatePrivate(
                new java.security.spec.XECPrivateKeySpec(java.security.spec.NamedParameterSpec.X25519, scalar));
        var publicKey = factory.generatePublic(new java.security.spec.XECPublicKeySpec(
                java.security.spec.NamedParameterSpec.X25519, EphemeralKeyPair.decode(peerPublic)));
        var agreement = javax.crypto.KeyAgreement.getInstance("X25519");
        agreement.init(privateKey);
        agreement.doPhase(publicKey, true);
        return agreement.generateSecret();
    }

    @Test
    void allZeroPeerKeyIsRefused() {
        EphemeralKeyPair a = EphemeralKeyPair.generate(random);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.agree(new byte[32]));
        assertTrue(e.getMessage().contains("low-order"), e.getMessage());
    }

    @Test
    void otherLowOrderPointsAreRefused() {
        EphemeralKeyPair a = EphemeralKeyPair.generate(random);
        byte[] one = EphemeralKeyPair.encode(BigInteger.ONE);                 // order 4
        assertThrows(IllegalArgumentException.class, () -> a.agree(one));
        byte[] order8 = HexFormat.of().parseHex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");
        assertThrows(IllegalArgumentException.class, () -> a.agree(order8));
    }

    @Test
    void wrongLengthIsRefused() {
        EphemeralKeyPair a = EphemeralKeyPair.generate(random);
        assertThrows(IllegalArgumentException.class, () -> a.agree(new byte[31]));
        assertThrows(IllegalArgumentException.class, () -> a.agree(new byte[33]));
    }

    @Test
    void privateKeyIsNeverPrinted() {
        assertTrue(EphemeralKeyPair.generate(random).toString().contains("private=redacted"));
    }
}

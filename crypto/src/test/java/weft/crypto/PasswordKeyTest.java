package weft.crypto;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PasswordKeyTest {

    @Test
    void samePasswordGivesTheSameKeyOnEveryPeer() {
        assertArrayEquals(Handshake.password("s3cret").bytes(), Handshake.password("s3cret").bytes());
    }

    @Test
    void differentPasswordsOrCostsGiveDifferentKeys() {
        byte[] a = Handshake.password("s3cret").bytes();
        assertFalse(Arrays.equals(a, Handshake.password("s3cret!").bytes()));
        assertFalse(Arrays.equals(a, PasswordKey.derive("s3cret".toCharArray(), new Argon2Cost(16, 1, 1)).bytes()));
    }

    @Test
    void keyIsThirtyTwoBytesAndNeverPrinted() {
        PasswordKey key = Handshake.password("s3cret");
        assertEquals(32, key.bytes().length);
        String hex = java.util.HexFormat.of().formatHex(key.bytes());
        assertFalse(key.toString().toLowerCase().contains(hex.substring(0, 8)));
        assertTrue(key.toString().contains("redacted"));
    }

    @Test
    void emptyPasswordIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> PasswordKey.derive(new char[0], Argon2Cost.TESTING));
    }

    @Test
    void impossibleCostsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Argon2Cost(4, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Argon2Cost(64, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Argon2Cost(64, 1, 0));
    }

    /** Not a timed assertion: prints what the default cost takes on this machine, for the operator's record. */
    @Test
    void defaultCostDerivesAKey() {
        PasswordKey.derive("warm-up".toCharArray(), Argon2Cost.DEFAULT);
        long start = System.nanoTime();
        PasswordKey key = PasswordKey.derive("correct horse battery staple".toCharArray(), Argon2Cost.DEFAULT);
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("Argon2id " + Argon2Cost.DEFAULT + " took " + millis + " ms");
        assertEquals(32, key.bytes().length);
    }
}

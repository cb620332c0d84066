package weft.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** CPace against the test vectors of draft-irtf-cfrg-cpace, appendix "Test vector for CPace using group X25519". */
class CpaceTest {
    static final HexFormat HEX = HexFormat.of();
    static final byte[] PRS = bytes("Password");
    static final byte[] CI = HEX.parseHex("0b415f696e69746961746f720b425f726573706f6e646572");
    static final byte[] SID = HEX.parseHex("7e4b4791d6a8ef019b936c79fb7f2c57");
    static final byte[] G = HEX.parseHex("d04bf6d41f6a289632a2e929fa29bebd51092512a7829fdde7d314b62f05a73f");
    static final byte[] YA_SCALAR = HEX.parseHex("21b4f4bd9e64ed355c3eb676a28ebedaf6d8f17bdc365995b319097153044080");
    static final byte[] YB_SCALAR = HEX.parseHex("848b0779ff415f0af4ea14df9dd1d3c29ac41d836c7808896c4eba19c51ac40a");
    static final byte[] YA = HEX.parseHex("1d13c89278cdadd826f6d8d7f887701430f8380ddc17611cdd6dc989ce0c9f32");
    static final byte[] YB = HEX.parseHex("248cccf6d5cdc3646f0ad593f9e6cef4e69d4945f8372e623512ecea32185623");
    static final byte[] K = HEX.parseHex("5b067effbdc0b2a0e1d907b21ebb25cfedb96a852179a847c37e43ee71322c6b");

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void shouldEncodeLengthsInLeb128() {
        assertArrayEquals(new byte[] {0}, Cpace.prependLength(new byte[0]));
        assertArrayEquals(HEX.parseHex("0431323334"), Cpace.prependLength(bytes("1234")));
        assertArrayEquals(HEX.parseHex("8001"), Arrays.copyOf(Cpace.prependLength(new byte[128]), 2));
        assertArrayEquals(HEX.parseHex("043132333401350003363738"),
                Cpace.lvCat(bytes("1234"), bytes("5"), new byte[0], bytes("678")));
    }

    @Test
    void shouldBuildTheDraftsGeneratorStringAndGenerator() {
        byte[] string = Cpace.generatorString(PRS, CI, SID);
        assertEquals(170, string.length);
        assertEquals("0843506163653235350850617373776f72646d", HEX.formatHex(Arrays.copyOf(string, 19)));
        assertArrayEquals(G, Cpace.generator(PRS, CI, SID));
    }

    @Test
    void shouldComputeTheDraftsSharesAndSecretPoint() {
        CpaceShare a = CpaceShare.of(YA_SCALAR, G);
        CpaceShare b = CpaceShare.of(YB_SCALAR, G);
        assertArrayEquals(YA, a.share());
        assertArrayEquals(YB, b.share());
        assertArrayEquals(K, a.secret(YB));
        assertArrayEquals(K, b.secret(YA));
    }

    @Test
    void shouldComputeTheDraftsIntermediateSessionKey() {
        assertEquals("201d13c89278cdadd826f6d8d7f887701430f8380ddc17611cdd6dc989ce0c9f320341446120248cccf6d5cdc3646f0a"
                + "d593f9e6cef4e69d4945f8372e623512ecea3218562303414462",
                HEX.formatHex(Cpace.transcriptIr(YA, bytes("ADa"), YB, bytes("ADb"))));
        assertEquals("6e19b875f7a561d6b3ca3dbb9ef42ac55de3e717881018204b8922b4d5e53bb2aa82c300bea7b65d2b671da71922ddf6"
                + "472301b79bc270adfa8bf413285f2263",
                HEX.formatHex(Cpace.intermediateSessionKey(SID, K, YA, bytes("ADa"), YB, bytes("ADb"))));
    }

    @Test
    void shouldAbortOnTheDraftsLowOrderPointsAndMultiplyTheOthers() {
        CpaceShare s = CpaceShare.of(HEX.parseHex("af46e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449aff"), G);
        for (String lowOrder : new String[] {
                "0000000000000000000000000000000000000000000000000000000000000000",
                "0100000000000000000000000000000000000000000000000000000000000000",
                "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
                "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
                "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"}) {
            assertThrows(IllegalArgumentException.class, () -> s.secret(HEX.parseHex(lowOrder)), lowOrder);
        }
        String[][] others = {
                {"daffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                 "d8e2c776bbacd510d09fd9278b7edcd25fc5ae9adfba3b6e040e8d3b71b21806"},
                {"dbffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                 "c85c655ebe8be44ba9c0ffde69f2fe10194458d137f09bbff725ce58803cdb38"},
                {"d9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                 "db64dafa9b8fdd136914e61461935fe92aa372cb056314e1231bc4ec12417456"},
                {"cdeb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
                 "e062dcd5376d58297be2618c7498f55baa07d7e03184e8aada20bca28888bf7a"},
                {"4c9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7",
                 "993c6ad11c4c29da9a56f7691fd0ff8d732e49de6250b6c2e80003ff4629a175"}};
        for (String[] pair : others) {
            assertEquals(pair[1], HEX.formatHex(s.secret(HEX.parseHex(pair[0]))), pair[0]);
        }
        assertThrows(IllegalArgumentException.class, () -> s.secret(new byte[31]));
    }

    @Test
    void shouldGiveEachPasswordItsOwnGeneratorAndAgreeOnlyUnderTheSamePassword() {
        PasswordKey password = Handshake.password("s3cret");
        PasswordKey other = Handshake.password("s3cret!");
        assertArrayEquals(password.generator(), Handshake.password("s3cret").generator());
        assertFalse(Arrays.equals(password.generator(), other.generator()));

        SecureRandom random = new SecureRandom();
        CpaceShare a = CpaceShare.generate(password, random);
        CpaceShare b = CpaceShare.generate(password, random);
        CpaceShare wrong = CpaceShare.generate(other, random);
        assertArrayEquals(a.secret(b.share()), b.secret(a.share()));
        assertFalse(Arrays.equals(a.secret(wrong.share()), wrong.secret(a.share())));
        assertTrue(a.toString().endsWith("y=redacted]"));
    }
}

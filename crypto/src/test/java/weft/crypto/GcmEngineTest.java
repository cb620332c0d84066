package weft.crypto;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Both AES-GCM engines compute the standard's answer, and each opens what the other sealed, byte for byte the same. */
class GcmEngineTest {
    private static final HexFormat HEX = HexFormat.of();
    /** Test case 16 of McGrew and Viega, "The Galois/Counter Mode of Operation": AES-256, 96-bit IV, AAD, 60 bytes. */
    private static final byte[] KEY = HEX.parseHex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
    private static final byte[] NONCE = HEX.parseHex("cafebabefacedbaddecaf888");
    private static final byte[] AAD = HEX.parseHex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    private static final byte[] PLAINTEXT = HEX.parseHex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
            + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
    private static final byte[] CIPHERTEXT = HEX.parseHex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
            + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662");
    private static final byte[] TAG = HEX.parseHex("76fc6ece0f4e1768cddf8853bb2d551b");

    private static DatagramEpoch epoch(byte[] key) {
        return new DatagramEpoch(0, key.clone(), 0, 0, 0);
    }

    @Test
    void libcryptoIsThereOnTheMachinesWeftRunsOn() {
        assertNull(GcmEngine.LIBCRYPTO.unavailable(), "Debian ships libcrypto.so.3; without it the sleeve falls back to the JDK");
        assertEquals(GcmEngine.BY_SIZE, GcmEngine.preferred());
    }

    @Test
    void aSystemPropertyNamesAnotherEngineAndAWrongNameIsSaid() {
        try {
            System.setProperty(GcmEngine.PROPERTY, "jdk");
            assertEquals(GcmEngine.JDK, GcmEngine.preferred());
            System.setProperty(GcmEngine.PROPERTY, "openssl");
            IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, GcmEngine::preferred);
            assertTrue(wrong.getMessage().contains("-Dweft.gcm=openssl: not an AES-GCM engine"), wrong.getMessage());
        } finally {
            System.clearProperty(GcmEngine.PROPERTY);
        }
        assertEquals(GcmEngine.BY_SIZE, GcmEngine.preferred());
    }

    @ParameterizedTest
    @EnumSource(GcmEngine.class)
    void sealsAndOpensTheStandardsTestVector(GcmEngine engine) {
        DatagramEpoch key = epoch(KEY);
        byte[] ciphertext = new byte[PLAINTEXT.length], tag = new byte[16];
        engine.sealing().seal(key, NONCE, MemorySegment.ofArray(AAD), MemorySegment.ofArray(PLAINTEXT),
                MemorySegment.ofArray(ciphertext), MemorySegment.ofArray(tag));
        assertArrayEquals(CIPHERTEXT, ciphertext);
        assertArrayEquals(TAG, tag);

        AesGcm opening = engine.opening();
        byte[] plaintext = new byte[CIPHERTEXT.length];
        assertTrue(opening.open(key, NONCE, MemorySegment.ofArray(AAD), MemorySegment.ofArray(CIPHERTEXT),
                MemorySegment.ofArray(TAG), MemorySegment.ofArray(plaintext)));
        assertArrayEquals(PLAINTEXT, plaintext);
        byte[] wrongTag = TAG.clone();
        wrongTag[15] ^= 1;
        assertFalse(opening.open(key, NONCE, MemorySegment.ofArray(AAD), MemorySegment.ofArray(CIPHERTEXT),
                MemorySegment.ofArray(wrongTag), MemorySegment.ofArray(plaintext)));
        assertTrue(opening.open(key, NONCE, MemorySegment.ofArray(AAD), MemorySegment.ofArray(CIPHERTEXT),
                MemorySegment.ofArray(TAG), MemorySegment.ofArray(plaintext)), "a refusal leaves the context usable");
    }

    @ParameterizedTest
    @EnumSource(GcmEngine.class)
    void aContextFollowsTheKeyItIsGiven(GcmEngine engine) {
        AesGcm sealing = engine.sealing();
        byte[] other = new byte[CIPHERTEXT.length], tag = new byte[16], again = new byte[CIPHERTEXT.length];
        sealing.seal(epoch(new byte[32]), NONCE, MemorySegment.ofArray(AAD), MemorySegment.ofArray(PLAINTEXT),
                MemorySegment.ofArray(other), MemorySegment.ofArray(tag));
        sealing.seal(epoch(KEY), NONCE, MemorySegment.ofArray(AAD), MemorySegment.ofArray(PLAINTEXT),
                MemorySegment.ofArray(again), MemorySegment.ofArray(tag));
        assertFalse(java.util.Arrays.equals(CIPHERTEXT, other));
        assertArrayEquals(CIPHERTEXT, again);
        assertArrayEquals(TAG, tag);
    }

    @Test
    void bySizeHandsPayloadsFromTheThresholdUpToTheOther() {
        List<String> calls = new ArrayList<>();
        AesGcm split = new SizeSplitAesGcm(recording("small", calls), recording("large", calls), 100);
        DatagramEpoch key = epoch(KEY);
        for (int length : new int[] {0, 99, 100, 5000}) {
            MemorySegment data = MemorySegment.ofArray(new byte[length]), tag = MemorySegment.ofArray(new byte[16]);
            split.seal(key, NONCE, MemorySegment.NULL, data, data, tag);
            split.open(key, NONCE, MemorySegment.NULL, data, tag, data);
        }
        assertEquals(List.of("small seal 0", "small open 0", "small seal 99", "small open 99",
                "large seal 100", "large open 100", "large seal 5000", "large open 5000"), calls);
    }

    private static AesGcm recording(String name, List<String> calls) {
        return new AesGcm() {
            @Override
            public void seal(DatagramEpoch key, byte[] nonce, MemorySegment aad, MemorySegment plaintext, MemorySegment ciphertext,
                             MemorySegment tag) {
                calls.add(name + " seal " + plaintext.byteSize());
            }

            @Override
            public boolean open(DatagramEpoch key, byte[] nonce, MemorySegment aad, MemorySegment ciphertext, MemorySegment tag,
                                MemorySegment plaintext) {
                calls.add(name + " open " + ciphertext.byteSize());
                return true;
            }
        };
    }

    @Test
    void eachEngineOpensWhatTheOtherSealedOnHeapAndNativeMemory() {
        SplittableRandom random = new SplittableRandom(16);
        byte[] key = new byte[32];
        random.nextBytes(key);
        for (int length : new int[] {0, 1, 15, 16, 17, 63, 1400, 1500, GcmEngine.LARGE_PAYLOAD - 1, GcmEngine.LARGE_PAYLOAD, 8973, 65536}) {
            byte[] payload = new byte[length], header = new byte[24];
            random.nextBytes(payload);
            random.nextBytes(header);
            byte[][] wires = new byte[GcmEngine.values().length][];
            for (GcmEngine sealing : GcmEngine.values()) {
                // the same key material and prefix: both sealers start at sequence 0, so their datagrams must be equal
                DatagramKey sending = new DatagramKey(key, 0x11223344, 5L);
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment wire = arena.allocate(length + DatagramSealer.OVERHEAD);
                    MemorySegment.copy(MemorySegment.ofArray(payload), 0, wire, 8, length);
                    sending.newSealer(sealing).seal(MemorySegment.ofArray(header), wire.asSlice(8, length), wire);
                    wires[sealing.ordinal()] = wire.toArray(JAVA_BYTE);
                }
                for (GcmEngine opening : GcmEngine.values()) {
                    byte[] opened = new byte[length];
                    DatagramOpener opener = new DatagramKey(key, 0x11223344, 5L).newOpener(opening);
                    assertEquals(DatagramOpener.Status.OK, opener.open(MemorySegment.ofArray(header),
                            MemorySegment.ofArray(wires[sealing.ordinal()]), MemorySegment.ofArray(opened), 0),
                            length + " bytes sealed by " + sealing + ", opened by " + opening);
                    assertArrayEquals(payload, opened);
                }
            }
            for (byte[] wire : wires) assertArrayEquals(wires[0], wire, length + " bytes: every engine writes the same datagram");
        }
    }
}

package weft.kernel;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static weft.kernel.Bytes.hex;

/** Every xfrm request byte for byte, as the x86-64 (little-endian) kernel reads it. */
class XfrmRequestsTest {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final XfrmRequests requests = new XfrmRequests();
    // filled with garbage so that unwritten fields or padding would show up in the bytes
    private final MemorySegment buffer = MemorySegment.ofArray(new byte[512]).fill((byte) 0xee);
    private final byte[] key = Bytes.hex("""
            000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1f
            a0a1a2a3""");

    private int encode(String aead) throws Exception {
        return requests.newEspTransportSa(buffer, 1, (Inet4Address) InetAddress.getByName("192.0.2.1"),
                (Inet4Address) InetAddress.getByName("192.0.2.2"), 0x100, 0, 32, false, aead, key, 128);
    }

    private static Inet4Address ip(String address) throws Exception {
        return (Inet4Address) InetAddress.getByName(address);
    }

    private static final String SELECTOR_201_TO_202_PORT_6784 = String.join(" ",
            "c0000202", zeros(12), "c0000201", zeros(12),           // daddr, saddr
            "1a80 ffff 0000 0000",                                  // dport 6784 exactly, any sport (network order)
            "0200 20 20 11 000000 00000000 00000000");              // AF_INET, /32 both ways, UDP, pad, ifindex, user

    private static String zeros(int bytes) {
        return "00".repeat(bytes);
    }

    @Test
    void newSaIsUsersaInfoFollowedByTheAeadAlgorithm() throws Exception {
        int length = encode("rfc4106(gcm(aes))");
        String expected = String.join(" ",
                "60010000 1000 0506 01000000 00000000",             // nlmsghdr: 352 bytes, NEWSA, REQUEST|ACK|EXCL|CREATE
                zeros(56),                                          // selector: any traffic
                "c0000202", zeros(12), "00000100", "32 000000",     // id: daddr, spi (network order), proto ESP
                "c0000201", zeros(12),                              // saddr
                "ffffffffffffffff".repeat(4), zeros(32),            // byte and packet limits infinite, no expiry time
                zeros(32), zeros(12),                               // lifetime_cur, stats
                "00000000 00000000 0200 00 20 00 000000 00000000",  // seq, reqid, AF_INET, transport, window 32, flags
                "7000 1200",                                        // XFRMA_ALG_AEAD, 4 + 72 + 36 bytes
                "726663343130362867636d28616573292900", zeros(46),  // alg_name[64]
                "20010000 80000000",                                // key 288 bits, ICV 128 bits
                "000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1f a0a1a2a3");
        assertEquals(Bytes.spaceless(expected), hex(buffer, length));
    }

    @Test
    void weftsSaHasItsReqidAndExtendedSequenceNumbersWithTheirReplayState() throws Exception {
        int length = requests.newEspTransportSa(buffer, 1, ip("192.0.2.1"), ip("192.0.2.2"), 0x12345678, 0x77656674,
                256, true, "rfc4106(gcm(aes))", key, 128);
        String expected = String.join(" ",
                "9c010000 1000 0506 01000000 00000000",             // 412 bytes, NEWSA, REQUEST|ACK|EXCL|CREATE
                zeros(56),
                "c0000202", zeros(12), "12345678", "32 000000",
                "c0000201", zeros(12),
                "ffffffffffffffff".repeat(4), zeros(32),
                zeros(32), zeros(12),
                "00000000 74666577 0200 00 00 80 000000 00000000",  // reqid "weft", old window 0, flags ESN
                "7000 1200",
                "726663343130362867636d28616573292900", zeros(46),
                "20010000 80000000",
                "000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1f a0a1a2a3",
                "3c00 1700",                                        // XFRMA_REPLAY_ESN_VAL, 4 + 24 + 32 bytes
                "08000000 00000000 00000000 00000000 00000000",     // bitmap of 8 words, oseq, seq, oseq_hi, seq_hi
                "00010000", zeros(32));                             // window 256, empty bitmap
        assertEquals(Bytes.spaceless(expected), hex(buffer, length));
    }

    @Test
    void replayWindowsTheKernelRefusesAreBugs() {
        assertThrows(IllegalArgumentException.class, () -> requests.newEspTransportSa(buffer, 1, ip("192.0.2.1"),
                ip("192.0.2.2"), 0x100, 0, 100, true, "rfc4106(gcm(aes))", key, 128));
        assertThrows(IllegalArgumentException.class, () -> requests.newEspTransportSa(buffer, 1, ip("192.0.2.1"),
                ip("192.0.2.2"), 0x100, 0, 256, false, "rfc4106(gcm(aes))", key, 128));
    }

    @Test
    void deleteSaNamesItByDestinationSpiAndProtocol() throws Exception {
        int length = requests.deleteEspSa(buffer, 7, ip("192.0.2.2"), 0x12345678);
        String expected = String.join(" ",
                "28000000 1100 0500 07000000 00000000",             // 40 bytes, DELSA, REQUEST|ACK
                "c0000202", zeros(12), "12345678", "0200 32 00");   // daddr, spi, AF_INET, ESP, pad
        assertEquals(Bytes.spaceless(expected), hex(buffer, length));
    }

    @Test
    void newPolicyRequiresEspInTransportModeForTheSelectedUdp() throws Exception {
        int length = requests.newEspTransportPolicy(buffer, 2, 1,
                new UdpSelector(ip("192.0.2.1"), ip("192.0.2.2"), 6784), 0x77656674);
        String expected = String.join(" ",
                "fc000000 1300 0506 02000000 00000000",             // 252 bytes, NEWPOLICY, REQUEST|ACK|EXCL|CREATE
                SELECTOR_201_TO_202_PORT_6784,
                "ffffffffffffffff".repeat(4), zeros(32),            // no limits, no expiry
                zeros(32),                                          // lifetime_cur
                "00000000 00000000 01 00 00 00 00000000",           // priority 0, index 0, dir OUT, ALLOW, flags, share
                "4400 0500",                                        // XFRMA_TMPL, 4 + 64 bytes
                zeros(16), "00000000 32 000000",                    // id: daddr any, spi any, ESP
                "0200 0000", zeros(16),                             // AF_INET, pad, saddr any
                "74666577 00 00 00 00",                             // reqid "weft", transport, share, required, pad
                "ffffffff ffffffff ffffffff");                      // any algorithm
        assertEquals(Bytes.spaceless(expected), hex(buffer, length));
    }

    @Test
    void deletePolicyBySelectorAndDirection() throws Exception {
        int length = requests.deletePolicy(buffer, 3, 0, new UdpSelector(ip("192.0.2.1"), ip("192.0.2.2"), 6784));
        String expected = String.join(" ",
                "50000000 1400 0500 03000000 00000000",             // 80 bytes, DELPOLICY, REQUEST|ACK
                SELECTOR_201_TO_202_PORT_6784,
                "00000000 00 000000");                              // index 0: by selector; dir IN
        assertEquals(Bytes.spaceless(expected), hex(buffer, length));
    }

    @Test
    void deletePolicyByIndexLeavesTheSelectorEmpty() {
        int length = requests.deletePolicy(buffer, 4, 1, 0x208);
        String expected = String.join(" ",
                "50000000 1400 0500 04000000 00000000",
                zeros(56),
                "08020000 01 000000");                              // index 0x208, dir OUT
        assertEquals(Bytes.spaceless(expected), hex(buffer, length));
    }

    @Test
    void dumpsAreBareHeaders() {
        assertEquals(Bytes.spaceless("10000000 1200 0103 05000000 00000000"), hex(buffer, requests.dumpSas(buffer, 5)));
        assertEquals(Bytes.spaceless("10000000 1500 0103 06000000 00000000"), hex(buffer, requests.dumpPolicies(buffer, 6)));
    }

    /** The same request read at the offsets of linux/xfrm.h, independently of the encoder's constants. */
    @Test
    void fieldsSitWhereTheKernelHeaderPutsThem() throws Exception {
        int length = encode("rfc4106(gcm(aes))");
        int info = 16, aead = info + 224;
        assertEquals(352, length);
        assertEquals(length, buffer.get(U32, 0));
        assertEquals(16, buffer.get(U16, 4), "XFRM_MSG_NEWSA");
        assertEquals(2, buffer.get(U16, info + 212), "family AF_INET");
        assertEquals(0, buffer.get(JAVA_BYTE, info + 214), "mode transport");
        assertEquals(32, buffer.get(JAVA_BYTE, info + 215), "replay window");
        assertEquals(50, buffer.get(JAVA_BYTE, info + 76), "proto ESP");
        assertArrayEquals(new byte[] {0, 0, 1, 0}, buffer.asSlice(info + 72, 4).toArray(JAVA_BYTE), "spi in network order");
        assertEquals(112, buffer.get(U16, aead), "attribute length");
        assertEquals(18, buffer.get(U16, aead + 2), "XFRMA_ALG_AEAD");
        assertEquals("rfc4106(gcm(aes))", buffer.getString(aead + 4, StandardCharsets.US_ASCII));
        assertEquals(288, buffer.get(U32, aead + 4 + 64), "key length in bits: 32-byte key and 4-byte salt");
        assertEquals(128, buffer.get(U32, aead + 4 + 68), "ICV length in bits");
        assertArrayEquals(key, buffer.asSlice(aead + 4 + 72, 36).toArray(JAVA_BYTE));
    }

    @Test
    void aNameTheKernelCannotHoldIsABug() {
        assertThrows(IllegalArgumentException.class, () -> encode("a".repeat(64)));
    }
}

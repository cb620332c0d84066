package weft.router.sleeve;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SleeveIcmpFragmentationNeededTest {
    /** A 1410-byte IPv4/TCP packet with DF from 10.97.0.1 to 10.97.0.2, cut after the TCP sequence number (valid header checksum). */
    private static final byte[] FRAME = HexFormat.of().parseHex(
            "02bb0000000202aa00000001080045000582123440004006" + "0e7e0a6100010a6100029c401f900102030405060708");
    /** Computed independently: Ethernet back to the sender, IPv4 from the destination, ICMP 3/4 with MTU 1190, header and 8 bytes quoted. */
    private static final byte[] REPLY = HexFormat.of().parseHex(
            "02aa0000000102bb0000000208004500003800000000400166010a6100020a6100010304387f000004a6"
                    + "450005821234400040060e7e0a6100010a6100029c401f9001020304");

    @Test
    void shouldWriteTheReplyByteForByteWithBothChecksums() {
        MemorySegment into = MemorySegment.ofArray(new byte[4 + IcmpFragmentationNeeded.MAX_LENGTH]);
        int length = IcmpFragmentationNeeded.write(MemorySegment.ofArray(FRAME), 0, FRAME.length, 1190, into, 4);
        assertEquals(REPLY.length, length);
        assertArrayEquals(REPLY, into.asSlice(4, length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        assertEquals(0, IcmpFragmentationNeeded.checksum(into, 4 + 14, 20), "IP header sums to zero");
        assertEquals(0, IcmpFragmentationNeeded.checksum(into, 4 + 34, length - 34), "ICMP message sums to zero");
    }

    @Test
    void shouldQuoteOnlyWhatTheFrameHasWhenItIsShort() {
        byte[] shortFrame = java.util.Arrays.copyOf(FRAME, 14 + 20 + 3);
        MemorySegment into = MemorySegment.ofArray(new byte[IcmpFragmentationNeeded.MAX_LENGTH]);
        int length = IcmpFragmentationNeeded.write(MemorySegment.ofArray(shortFrame), 0, shortFrame.length, 1190, into, 0);
        assertEquals(14 + 20 + 8 + 23, length);
        assertEquals(0, IcmpFragmentationNeeded.checksum(into, 34, length - 34));
    }

    @Test
    void shouldAnswerOnlyWholeIpv4PacketsWithDontFragment() {
        MemorySegment frame = MemorySegment.ofArray(FRAME.clone());
        assertTrue(IcmpFragmentationNeeded.isIpv4WithDontFragment(frame, 0, FRAME.length));
        assertFalse(IcmpFragmentationNeeded.isIpv4WithDontFragment(frame, 0, 30), "too short for an IPv4 header");
        frame.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 20, (byte) 0x00);
        assertFalse(IcmpFragmentationNeeded.isIpv4WithDontFragment(frame, 0, FRAME.length), "DF clear");
        frame.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 20, (byte) 0x40);
        frame.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 12, (byte) 0x86);
        frame.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 13, (byte) 0xdd);
        assertFalse(IcmpFragmentationNeeded.isIpv4WithDontFragment(frame, 0, FRAME.length), "IPv6");
    }
}

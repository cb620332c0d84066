package weft.kernel;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static weft.kernel.Bytes.hex;

/** Each request byte for byte, as the x86-64 (little-endian) kernel reads it. */
class RtnetlinkRequestsTest {
    private final RtnetlinkRequests requests = new RtnetlinkRequests();
    // filled with garbage so that unwritten padding would show up in the bytes
    private final MemorySegment buffer = MemorySegment.ofArray(new byte[512]).fill((byte) 0xee);

    @Test
    void bridgeIsNewLinkWithNestedLinkInfoKind() {
        int length = requests.newBridge(buffer, 1, "weft");
        assertEquals(Bytes.spaceless("""
                3c000000 1000 0506 01000000 00000000
                00 00 0000 00000000 00000000 00000000
                0900 0300 77656674 00 000000
                1000 1280 0b00 0100 627269646765 00 00
                """), hex(buffer, length));
    }

    @Test
    void vethCarriesItsPeerAsIfinfomsgAndAttributesInsideInfoData() {
        int length = requests.newVeth(buffer, 2, "a", "b");
        assertEquals(Bytes.spaceless("""
                58000000 1000 0506 02000000 00000000
                00000000 00000000 00000000 00000000
                0600 0300 61 00 0000
                3000 1280
                  0900 0100 76657468 00 000000
                  2000 0280
                    1c00 0100
                      00000000 00000000 00000000 00000000
                      0600 0300 62 00 0000
                """), hex(buffer, length));
    }

    @Test
    void vxlanPortIsBigEndianAndIdNative() throws Exception {
        int length = requests.newVxlan(buffer, 3, "vx", 42, 4789,
                (Inet4Address) InetAddress.getByName("192.168.1.2"), false, false);
        assertEquals(Bytes.spaceless("""
                5c000000 1000 0506 03000000 00000000
                00000000 00000000 00000000 00000000
                0700 0300 767800 00
                3400 1280
                  0a00 0100 76786c616e 00 0000
                  2400 0280
                    0800 0100 2a000000
                    0600 0f00 12b5 0000
                    0800 0400 c0a80102
                    0500 0700 00 000000
                """), hex(buffer, length));
    }

    @Test
    void vxlanWithDontFragmentAndLearningCarriesDfSet() {
        int length = requests.newVxlan(buffer, 3, "vx", 42, 6784, null, true, true);
        assertEquals(Bytes.spaceless("""
                5c000000 1000 0506 03000000 00000000
                00000000 00000000 00000000 00000000
                0700 0300 767800 00
                3400 1280
                  0a00 0100 76786c616e 00 0000
                  2400 0280
                    0800 0100 2a000000
                    0600 0f00 1a80 0000
                    0500 0700 01 000000
                    0500 1d00 01 000000
                """), hex(buffer, length));
    }

    @Test
    void bridgePortFlushIsAnEmptyFlagInNestedProtinfo() {
        int length = requests.flushBridgePort(buffer, 4, 9);
        assertEquals(Bytes.spaceless("""
                28000000 1300 0500 04000000 00000000
                07 00 0000 09000000 00000000 00000000
                0800 0c80 0400 1800
                """), hex(buffer, length));
    }

    @Test
    void bridgeFdbEntryIsMasterStaticStickyAndReplaces() {
        int length = requests.bridgeFdb(buffer, 9, true, 6, MacAddress.parse("02:00:00:00:aa:01"));
        assertEquals(Bytes.spaceless("""
                28000000 1c00 0505 09000000 00000000
                07 00 0000 06000000 4000 44 00
                0a00 0200 02000000aa01 0000
                """), hex(buffer, length));
        length = requests.bridgeFdb(buffer, 10, false, 6, MacAddress.parse("02:00:00:00:aa:01"));
        assertEquals(Bytes.spaceless("""
                28000000 1d00 0500 0a000000 00000000
                07 00 0000 06000000 0000 04 00
                0a00 0200 02000000aa01 0000
                """), hex(buffer, length));
    }

    @Test
    void addressRequestCarriesLocalAndAddress() throws Exception {
        int length = requests.address(buffer, 7, true, 5, InetAddress.getByName("10.32.0.1"), 12);
        assertEquals(Bytes.spaceless("""
                28000000 1400 0506 07000000 00000000
                02 0c 00 00 05000000
                0800 0200 0a200001
                0800 0100 0a200001
                """), hex(buffer, length));
    }

    @Test
    void bridgePortIsolationIsAfBridgeSetLinkWithNestedProtinfo() {
        int length = requests.setBridgePortIsolated(buffer, 4, 9, true);
        assertEquals(Bytes.spaceless("""
                2c000000 1300 0500 04000000 00000000
                07 00 0000 09000000 00000000 00000000
                0c00 0c80 0500 2100 01 000000
                """), hex(buffer, length));
    }

    @Test
    void routeWithoutGatewayHasLinkScopeAndDeleteMatchesAnyScope() throws Exception {
        int length = requests.route(buffer, 5, true, InetAddress.getByName("10.99.0.0"), 16, 3, null);
        assertEquals(Bytes.spaceless("""
                2c000000 1800 0506 05000000 00000000
                02 10 00 00 fe 04 fd 01 00000000
                0800 0100 0a630000
                0800 0400 03000000
                """), hex(buffer, length));
        length = requests.route(buffer, 6, false, InetAddress.getByName("10.99.0.0"), 16, 3, InetAddress.getByName("10.0.0.1"));
        assertEquals(Bytes.spaceless("""
                34000000 1900 0500 06000000 00000000
                02 10 00 00 fe 00 ff 00 00000000
                0800 0100 0a630000
                0800 0400 03000000
                0800 0500 0a000001
                """), hex(buffer, length));
    }

    @Test
    void routeLookupIsAckedGetRouteForAHostPrefix() throws Exception {
        int length = requests.getRoute(buffer, 11, InetAddress.getByName("192.168.77.2"));
        assertEquals(Bytes.spaceless("""
                24000000 1a00 0500 0b000000 00000000
                02 20 00 00 00 00 00 00 00000000
                0800 0100 c0a84d02
                """), hex(buffer, length));
        length = requests.getRoute(buffer, 12, InetAddress.getByName("fd00::2"));
        assertEquals(Bytes.spaceless("""
                30000000 1a00 0500 0c000000 00000000
                0a 80 00 00 00 00 00 00 00000000
                1400 0100 fd000000000000000000000000000002
                """), hex(buffer, length));
    }

    @Test
    void neighbourIsPermanentAndReplaces() throws Exception {
        int length = requests.addNeighbour(buffer, 8, 4, InetAddress.getByName("10.32.0.7"), MacAddress.parse("02:00:00:00:00:07"));
        assertEquals(Bytes.spaceless("""
                30000000 1c00 0505 08000000 00000000
                02 00 0000 04000000 8000 00 00
                0800 0100 0a200007
                0a00 0200 020000000007 0000
                """), hex(buffer, length));
    }

    @Test
    void fdbEntryIsAfBridgeSelfPermanentAppendWithRemote() throws Exception {
        int length = requests.fdb(buffer, 9, true, 6, MacAddress.ZERO, InetAddress.getByName("192.168.1.3"));
        assertEquals(Bytes.spaceless("""
                30000000 1c00 050c 09000000 00000000
                07 00 0000 06000000 8000 02 00
                0a00 0200 000000000000 0000
                0800 0100 c0a80103
                """), hex(buffer, length));
    }

    @Test
    void dumpsAskForDumpWithoutAck() {
        int length = requests.dumpLinks(buffer, 10);
        assertEquals(Bytes.spaceless("""
                20000000 1200 0103 0a000000 00000000
                00000000 00000000 00000000 00000000
                """), hex(buffer, length));
    }
}

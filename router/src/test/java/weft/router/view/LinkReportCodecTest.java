package weft.router.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import weft.gossip.PeerName;
import weft.gossip.wire.Decoding;

class LinkReportCodecTest {
    static final PeerName A = new PeerName(0x0a0000000001L), B = new PeerName(0x0a0000000002L), C = new PeerName(0x0a0000000003L);

    static LinkState sleeve(PeerName peer, long sent, long received) {
        return new LinkState(peer, false, true, 1500, sent, received);
    }

    static LinkState fast(PeerName peer) {
        return new LinkState(peer, true, false, 9000, LinkState.NOT_COUNTED, LinkState.NOT_COUNTED);
    }

    static LinkReports reports(LinkReport... reports) {
        TreeMap<PeerName, LinkReport> map = new TreeMap<>();
        for (LinkReport r : reports) map.put(r.origin(), r);
        return new LinkReports(map);
    }

    static LinkReports decoded(byte[] bytes) {
        return assertInstanceOf(Decoding.Decoded.class, LinkReportCodec.decode(bytes), () -> "refused: " + LinkReportCodec.decode(bytes))
                instanceof Decoding.Decoded<?>(LinkReports data) ? data : null;
    }

    static String refusal(byte[] bytes) {
        return assertInstanceOf(Decoding.Refused.class, LinkReportCodec.decode(bytes)).reason();
    }

    private static final LinkReports SAMPLE = reports(
            new LinkReport(A, 1_700_000_000_000L, List.of(sleeve(C, 123_456, 0), fast(B))),
            new LinkReport(B, 7, List.of(new LinkState(A, false, false, 0, 0, 0))),
            new LinkReport(C, LinkReport.MAX_VERSION, List.of()));

    @Test
    void reportsRoundTripIncludingEmptyOnesAndNone() {
        assertEquals(SAMPLE, decoded(SAMPLE.encode()));
        LinkReports none = reports();
        assertEquals(3, none.encode().length);
        assertEquals(none, decoded(none.encode()));
        int size = 3;
        for (LinkReport r : SAMPLE.reports().values()) size += LinkReportCodec.size(r);
        assertEquals(size, SAMPLE.encode().length, "size() is what encode() writes");
    }

    @Test
    void linksAreKeptSortedByPeerAndValuesOutsideTheirRangesAreRefused() {
        LinkReport report = new LinkReport(A, 1, List.of(sleeve(C, 1, 2), fast(B)));
        assertEquals(List.of(B, C), report.links().stream().map(LinkState::peer).toList());
        assertThrows(IllegalArgumentException.class, () -> new LinkReport(A, 0, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new LinkReport(A, LinkReport.MAX_VERSION + 1, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new LinkReport(A, 1, List.of(fast(B), sleeve(B, 0, 0))));
        assertThrows(IllegalArgumentException.class, () -> new LinkReport(A, 1, List.of(fast(A))));
        assertThrows(IllegalArgumentException.class, () -> new LinkState(B, false, false, 65_536, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new LinkState(B, false, false, -1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new LinkState(B, false, false, 0, -2, 0));
        assertThrows(IllegalArgumentException.class, () -> new LinkState(B, false, false, 0, 0, -2));
    }

    @Test
    void theMostLinksAReportMayHaveRoundTripAndOneMoreIsRefused() {
        List<LinkState> many = new java.util.ArrayList<>();
        for (int i = 0; i < LinkReport.MAX_LINKS; i++) many.add(sleeve(new PeerName(0x0b0000000000L + i), i, i));
        LinkReports full = reports(new LinkReport(A, 1, many));
        assertEquals(full, decoded(full.encode()));
        many.add(fast(B));
        assertThrows(IllegalArgumentException.class, () -> new LinkReport(A, 1, many));

        ByteBuffer tooMany = ByteBuffer.allocate(3 + 16 + 26 * 2);
        tooMany.put((byte) 1).putShort((short) 1).putShort((short) 0).putInt(1).putLong(1).putShort((short) (LinkReport.MAX_LINKS + 1));
        assertTrue(refusal(tooMany.array()).contains("more than " + LinkReport.MAX_LINKS));
    }

    @Test
    void everyTruncationIsRefusedWithoutThrowing() {
        byte[] good = SAMPLE.encode();
        for (int length = 0; length < good.length; length++) {
            String reason = refusal(Arrays.copyOf(good, length));
            assertTrue(!reason.isEmpty());
        }
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        assertTrue(refusal(longer).contains("after the link reports"));
    }

    @Test
    void countsLargerThanTheBytesLeftAreRefusedBeforeAnythingIsKept() {
        assertTrue(refusal(new byte[]{1, (byte) 0xff, (byte) 0xff}).contains("65535 link reports in 0 bytes"));
        ByteBuffer links = ByteBuffer.allocate(3 + 16 + 26);
        links.put((byte) 1).putShort((short) 1).putShort((short) 0).putInt(1).putLong(1).putShort((short) 2);
        assertTrue(refusal(links.array()).contains("2 links of"), refusal(links.array()));
    }

    /** A link as a later release might write it: more flag bits, and a field appended. */
    private static byte[] laterLink(int flags, int length) {
        ByteBuffer out = ByteBuffer.allocate(3 + 16 + 7 + Math.max(length, LinkReportCodec.LINK_FIELDS));
        out.put((byte) 1).putShort((short) 1).putShort((short) 0x0a00).putInt(1).putLong(5).putShort((short) 1);
        out.putShort((short) 0x0a00).putInt(2).put((byte) length);
        out.put((byte) flags).putShort((short) 1400).putLong(2048).putLong(-1);
        return out.array(); // past the 19 bytes known here: zeros, the later release's field
    }

    @Test
    void unknownFlagBitsAreIgnoredAndFieldsALaterReleaseAppendsAreSkipped() {
        LinkReports expected = reports(new LinkReport(A, 5, List.of(new LinkState(B, true, true, 1400, 2048, -1))));
        assertEquals(expected, decoded(laterLink(0xff, LinkReportCodec.LINK_FIELDS)));
        assertEquals(expected, decoded(laterLink(LinkReportCodec.FAST | LinkReportCodec.ENCRYPTED, LinkReportCodec.LINK_FIELDS + 12)));
        assertEquals(expected, decoded(laterLink(0x80 | LinkReportCodec.FAST | LinkReportCodec.ENCRYPTED, 255)));
        assertTrue(refusal(laterLink(0, LinkReportCodec.LINK_FIELDS - 1)).contains("19 needed"));
    }

    @Test
    void anotherFormatAndBadValuesAreRefused() {
        byte[] good = SAMPLE.encode();
        byte[] format2 = good.clone();
        format2[0] = 2;
        assertTrue(refusal(format2).contains("format 2"));

        LinkReports one = reports(new LinkReport(A, 1, List.of(sleeve(B, 0, 0))));
        byte[] bytes = one.encode();
        int link = 3 + 16;
        byte[] badRate = bytes.clone();
        Arrays.fill(badRate, link + 6 + 1 + 1 + 2, link + 6 + 1 + 1 + 2 + 8, (byte) 0xff);
        badRate[link + 6 + 1 + 1 + 2 + 7] = (byte) 0xfe; // -2
        assertTrue(refusal(badRate).startsWith("bad link reports"));
        byte[] versionZero = bytes.clone();
        Arrays.fill(versionZero, 3 + 6, 3 + 14, (byte) 0);
        assertTrue(refusal(versionZero).startsWith("bad link reports"));
        byte[] selfLink = bytes.clone();
        System.arraycopy(bytes, 3, selfLink, link, 6); // the link's peer is the origin
        assertTrue(refusal(selfLink).contains("to itself"));

        ByteBuffer twice = ByteBuffer.allocate(3 + 2 * 16);
        twice.put((byte) 1).putShort((short) 2);
        for (int i = 0; i < 2; i++) twice.putShort((short) 0x0a00).putInt(1).putLong(1).putShort((short) 0);
        assertTrue(refusal(twice.array()).contains("twice"));

        ByteBuffer sameLinkTwice = ByteBuffer.allocate(3 + 16 + 2 * 26);
        sameLinkTwice.put((byte) 1).putShort((short) 1).putShort((short) 0x0a00).putInt(1).putLong(1).putShort((short) 2);
        for (int i = 0; i < 2; i++) sameLinkTwice.putShort((short) 0x0a00).putInt(2).put((byte) 19).put((byte) 0).putShort((short) 0).putLong(0).putLong(0);
        assertTrue(refusal(sameLinkTwice.array()).contains("two links"));
    }

    @Test
    void mergingTwoKindsOfDataIsOurBug() {
        assertThrows(IllegalArgumentException.class, () -> SAMPLE.merge(new weft.gossip.channel.GossipData() {
            @Override
            public byte[] encode() {
                return new byte[0];
            }

            @Override
            public weft.gossip.channel.GossipData merge(weft.gossip.channel.GossipData other) {
                return this;
            }
        }));
        assertThrows(IllegalArgumentException.class, () -> new LinkReports(new TreeMap<>(Map.of(B, new LinkReport(A, 1, List.of())))));
    }
}

package weft.router.view;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import weft.gossip.PeerName;
import weft.gossip.channel.EncodingGossip;
import weft.gossip.channel.GossipData;
import weft.gossip.wire.Decoding;

/**
 * The link reports routers gossip on the {@value LinkChannel#CHANNEL} channel, in the bytes of
 * {@link LinkReportCodec}: decoded alone, and as the mesh hands a payload to the channel.
 *
 * <p>A finding is anything but the documented refusal: {@link LinkReportCodec#decode} answers bad bytes with a
 * {@link Decoding.Refused}, and the channel counts such a payload as refused and drops it. Any other exception, a hang
 * or an allocation out of proportion to the input is a bug; so is decoded data that does not survive its own encoding,
 * or a channel that counts a payload the codec takes as refused.
 */
class LinkReportFuzzTest {
    private static final PeerName A = new PeerName(0x0a0000000001L), B = new PeerName(0x0a0000000002L);
    private static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2026-01-01T00:00:00Z"));

    @FuzzTest
    void linkReports(byte[] bytes) {
        if (LinkReportCodec.decode(bytes) instanceof Decoding.Decoded<LinkReports>(LinkReports data)) {
            assertEquals(new Decoding.Decoded<>(data), LinkReportCodec.decode(data.encode()));
        }
    }

    /**
     * A payload from peer B to A's channel, which has broadcast a report of its own, as a broadcast and as gossip; then
     * what A relays, answers and gossips next, encoded as the mesh would, and the reports it now shows.
     */
    @FuzzTest
    void linkGossip(byte[] payload) {
        LinkChannel channel = new LinkChannel(A, CLOCK, g -> EncodingGossip.INSTANCE);
        channel.publish(List.of(new LinkState(B, false, true, 1500, 40_000, 1_000)));
        long refusals = LinkReportCodec.decode(payload) instanceof Decoding.Refused<LinkReports> ? 1 : 0;
        encode(channel.onBroadcast(B, payload));
        encode(channel.onGossip(payload));
        assertEquals(2 * (refusals + ownRefused(payload)), channel.refused(), "refused as the codec refuses");
        channel.publish(List.of());
        channel.completeState().encode();
        channel.reports().forEach((origin, report) -> assertEquals(origin, report.origin()));
    }

    /** The reports of our own origin past what we raise ours to: refused by the channel though the codec takes them. */
    private static long ownRefused(byte[] payload) {
        if (!(LinkReportCodec.decode(payload) instanceof Decoding.Decoded<LinkReports>(LinkReports data))) return 0;
        LinkReport own = data.reports().get(A);
        return own != null && own.version() > LinkChannel.MAX_RECLAIMED ? 1 : 0;
    }

    private static void encode(GossipData data) {
        if (data != null) data.encode();
    }
}

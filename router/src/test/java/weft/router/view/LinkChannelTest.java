package weft.router.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.router.view.LinkReportCodecTest.decoded;
import static weft.router.view.LinkReportCodecTest.fast;
import static weft.router.view.LinkReportCodecTest.reports;
import static weft.router.view.LinkReportCodecTest.sleeve;

import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import weft.gossip.PeerName;
import weft.gossip.channel.ChannelCodec;
import weft.gossip.channel.Gossip;
import weft.gossip.channel.GossipData;

class LinkChannelTest {
    private static final PeerName A = LinkReportCodecTest.A, B = LinkReportCodecTest.B, C = LinkReportCodecTest.C;
    private static final long START = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

    private Instant now = Instant.ofEpochMilli(START);
    private final InstantSource clock = () -> now;
    /** What the channels broadcast, encoded as the mesh would, and decoded again. */
    private final List<LinkReports> broadcasts = new ArrayList<>();

    private LinkChannel channel(PeerName self) {
        return new LinkChannel(self, clock, g -> new Gossip() {
            @Override
            public void unicast(PeerName to, byte[] payload) {
                throw new AssertionError("the links channel sends no unicasts");
            }

            @Override
            public void broadcast(GossipData data) {
                broadcasts.add(decoded(data.encode()));
            }

            @Override
            public void gossip(GossipData data) {
                throw new AssertionError("the links channel leaves gossip to the mesh");
            }
        });
    }

    private LinkReport lastBroadcast() {
        return broadcasts.getLast().reports().values().iterator().next();
    }

    private static byte[] gossipOf(LinkReport... reports) {
        return reports(reports).encode();
    }

    @Test
    void theFirstSampleIsBroadcastEvenWithoutLinksAndItsVersionIsTheWallClock() {
        LinkChannel a = channel(A);
        assertEquals(Map.of(), a.reports());
        assertNull(((LinkReports) a.completeState()).reports().get(A), "nothing of ours before the first sample");
        a.publish(List.of());
        assertEquals(1, broadcasts.size());
        assertEquals(new LinkReport(A, START, List.of()), lastBroadcast());
        assertEquals(Map.of(A, new LinkReport(A, START, List.of())), a.reports());
    }

    @Test
    void aChangeOfPeersPathEncryptionOrPathMtuIsAlwaysBroadcast() {
        LinkChannel a = channel(A);
        a.publish(List.of(sleeve(B, 0, 0)));
        List<List<LinkState>> changes = List.of(
                List.of(sleeve(B, 0, 0), fast(C)),                                      // a new peer
                List.of(sleeve(B, 0, 0)),                                               // a peer gone
                List.of(new LinkState(B, true, true, 1500, 0, 0)),                      // fast now
                List.of(new LinkState(B, true, false, 1500, 0, 0)),                     // in clear now
                List.of(new LinkState(B, true, false, 1400, 0, 0)),                     // the path MTU
                List.of(new LinkState(B, true, false, 1400, LinkState.NOT_COUNTED, 0))); // counting stopped
        for (List<LinkState> links : changes) {
            int before = broadcasts.size();
            a.publish(links);
            assertEquals(before + 1, broadcasts.size(), "broadcast: " + links);
            assertEquals(links, lastBroadcast().links());
        }
    }

    @Test
    void ratesAreBroadcastOnlyWhenTheyMoveByAQuarterAndBy16KiBASecondOrStop() {
        LinkChannel a = channel(A);
        a.publish(List.of(sleeve(B, 100_000, 0)));
        assertEquals(1, broadcasts.size());

        a.publish(List.of(sleeve(B, 110_000, 10_000))); // +10 %, and 10 KB/s from idle
        a.publish(List.of(sleeve(B, 90_000, 16_384))); // -10 %, and exactly 16 KiB/s: not more
        assertEquals(1, broadcasts.size(), "a wiggle is not broadcast");
        assertEquals(List.of(sleeve(B, 90_000, 16_384)), a.reports().get(A).links(), "but shown here at once");
        assertEquals(lastBroadcast().version(), a.reports().get(A).version(), "under the version broadcast");

        a.publish(List.of(sleeve(B, 200_000, 0)));
        assertEquals(2, broadcasts.size(), "doubled");
        a.publish(List.of(sleeve(B, 200_000, 20_000)));
        assertEquals(3, broadcasts.size(), "from idle to more than 16 KiB/s");
        a.publish(List.of(sleeve(B, 230_000, 20_000)));
        assertEquals(3, broadcasts.size(), "+15 %, 30 KB/s: not a quarter");

        a.publish(List.of(sleeve(B, 0, 20_000)));
        assertEquals(4, broadcasts.size(), "traffic stopped");
        a.publish(List.of(sleeve(B, 0, 20_000)));
        a.publish(List.of(sleeve(B, 5_000, 20_000)));
        a.publish(List.of(sleeve(B, 0, 20_000)));
        assertEquals(4, broadcasts.size(), "a stop is told once, and a trickle after it is not");

        LinkChannel quiet = channel(C);
        broadcasts.clear();
        for (int i = 0; i < 100; i++) {
            quiet.publish(List.of(sleeve(A, i % 3 == 0 ? 0 : 900, i % 2 == 0 ? 0 : 1_200), fast(B)));
        }
        assertEquals(1, broadcasts.size(), "an idle mesh sends its first report and nothing after");
    }

    @Test
    void versionsAlwaysIncreaseEvenWhenTheClockStandsStillOrGoesBack() {
        LinkChannel a = channel(A);
        long last = 0;
        for (int i = 0; i < 5; i++) {
            a.publish(List.of(sleeve(B, 0, 0), new LinkState(C, false, false, 1000 + i, 0, 0)));
            assertTrue(lastBroadcast().version() > last);
            last = lastBroadcast().version();
            if (i == 2) now = now.minusSeconds(60);
        }
        now = now.plusSeconds(3600);
        a.publish(List.of());
        assertEquals(START + 3_540_000, lastBroadcast().version(), "the wall clock again once it is ahead");
    }

    @Test
    void theHigherVersionOfAnOriginWinsWhicheverArrivesFirst() {
        LinkReport older = new LinkReport(A, 5, List.of(sleeve(B, 1, 1))), newer = new LinkReport(A, 6, List.of(fast(B)));
        LinkChannel b = channel(B), c = channel(C);
        assertInstanceOf(LinkReports.class, b.onGossip(gossipOf(older)));
        assertEquals(reports(newer), b.onGossip(gossipOf(newer)));
        assertEquals(reports(newer), c.onGossip(gossipOf(newer)));
        assertNull(c.onGossip(gossipOf(older)), "the older is no news");
        assertEquals(newer, b.reports().get(A));
        assertEquals(b.reports(), c.reports());
        assertNull(b.onGossip(gossipOf(newer)), "nothing new twice");
        assertEquals(reports(older), b.onBroadcast(A, gossipOf(older)), "a broadcast is relayed whether or not it was news");
        assertEquals(newer, b.reports().get(A));
    }

    private static LinkReport randomReport(Random random, PeerName origin) {
        List<LinkState> links = new ArrayList<>();
        for (PeerName peer : List.of(A, B, C)) {
            if (peer.equals(origin) || random.nextBoolean()) continue;
            boolean fast = random.nextBoolean();
            links.add(new LinkState(peer, fast, random.nextBoolean(), random.nextInt(3) * 500,
                    fast ? -1 : random.nextInt(3), fast ? -1 : random.nextInt(3)));
        }
        return new LinkReport(origin, 1 + random.nextInt(3), links);
    }

    private static LinkReports randomReports(Random random) {
        TreeMap<PeerName, LinkReport> map = new TreeMap<>();
        for (PeerName origin : List.of(A, B, C)) {
            if (random.nextBoolean()) map.put(origin, randomReport(random, origin));
        }
        return new LinkReports(map);
    }

    @Test
    void mergingIsCommutativeAssociativeAndIdempotent() {
        long seed = 20_260_101;
        Random random = new Random(seed);
        for (int i = 0; i < 5_000; i++) {
            LinkReports x = randomReports(random), y = randomReports(random), z = randomReports(random);
            String at = "seed " + seed + ", step " + i + ": " + x + " " + y + " " + z;
            assertEquals(x.merge(y), y.merge(x), at);
            assertEquals(x.merge(y).merge(z), x.merge(y.merge(z)), at);
            assertEquals(x, x.merge(x), at);
            assertEquals(x.merge(y), x.merge(y).merge(y), at);
        }
    }

    @Test
    void channelsThatHearTheSameReportsInAnyOrderKnowTheSame() {
        long seed = 7;
        Random random = new Random(seed);
        PeerName observer = new PeerName(0x0c0000000001L);
        for (int round = 0; round < 200; round++) {
            List<byte[]> messages = new ArrayList<>();
            for (int i = 0; i < 6; i++) messages.add(randomReports(random).encode());
            LinkChannel forwards = channel(observer), backwards = channel(observer);
            for (byte[] m : messages) forwards.onGossip(m);
            for (byte[] m : messages.reversed()) {
                backwards.onGossip(m);
                backwards.onBroadcast(A, m); // heard twice: no matter
            }
            assertEquals(forwards.reports(), backwards.reports(), "seed " + seed + ", round " + round);
            assertEquals(forwards.completeState(), backwards.completeState());
        }
    }

    @Test
    void gossipOfOurOwnOriginThatWeDidNotSayIsOutbidAndOursBroadcastAgain() {
        LinkChannel a = channel(A);
        LinkReport beforeRestart = new LinkReport(A, START + 60_000, List.of(fast(C))); // our clock went back a minute
        a.onGossip(gossipOf(beforeRestart));
        assertEquals(0, broadcasts.size(), "nothing of ours to say yet");
        a.publish(List.of(sleeve(B, 0, 0)));
        assertEquals(new LinkReport(A, START + 60_001, List.of(sleeve(B, 0, 0))), lastBroadcast(), "the first report is past it");

        a.publish(List.of(sleeve(B, 1_000, 0))); // a wiggle: not broadcast, but shown
        LinkReport sameVersion = new LinkReport(A, START + 60_001, List.of());
        assertEquals(reports(new LinkReport(C, 1, List.of())), a.onGossip(gossipOf(sameVersion, new LinkReport(C, 1, List.of()))),
                "only the other origin is news");
        assertEquals(new LinkReport(A, START + 60_002, List.of(sleeve(B, 1_000, 0))), lastBroadcast(),
                "raised past a version like ours with other links, with the latest links");

        int before = broadcasts.size();
        a.onGossip(gossipOf(new LinkReport(A, START + 60_002, List.of(sleeve(B, 1_000, 0)))));
        a.onGossip(gossipOf(new LinkReport(A, START, List.of())));
        assertEquals(before, broadcasts.size(), "our own report, and an older one, are not answered");
        assertEquals(List.of(sleeve(B, 1_000, 0)), a.reports().get(A).links());

        a.onGossip(gossipOf(new LinkReport(A, LinkChannel.MAX_RECLAIMED + 1, List.of())));
        assertEquals(before, broadcasts.size(), "a version we could not stay ahead of is refused");
        assertEquals(1, a.refused());
    }

    @Test
    void aPeerThatBecomesReachableGetsOurReportAgain() {
        LinkChannel a = channel(A);
        a.reachable(Set.of(B));
        assertEquals(0, broadcasts.size(), "nothing to say before the first sample");
        a.publish(List.of(sleeve(B, 0, 0)));
        LinkReport ours = lastBroadcast();
        a.reachable(Set.of(B, C));
        assertEquals(2, broadcasts.size());
        assertEquals(ours, lastBroadcast());
        a.reachable(Set.of(C));
        a.reachable(Set.of(C));
        assertEquals(2, broadcasts.size(), "no one new, nothing sent");
        a.reachable(Set.of(B, C));
        assertEquals(3, broadcasts.size(), "B is back");
    }

    @Test
    void aForgottenPeersReportGoesAndAStaleCopyDoesNotBringItBack() {
        LinkChannel b = channel(B);
        LinkReport ofA = new LinkReport(A, 10, List.of(fast(B)));
        b.onGossip(gossipOf(ofA, new LinkReport(C, 3, List.of())));
        b.peersForgotten(List.of(A, new PeerName(0x0d0000000000L)));
        assertEquals(Set.of(C), b.reports().keySet());
        assertNull(b.onGossip(gossipOf(ofA)), "a stale copy is no news");
        assertEquals(Set.of(C), b.reports().keySet());
        assertEquals(Set.of(C), ((LinkReports) b.completeState()).reports().keySet());
        LinkReport back = new LinkReport(A, 11, List.of());
        assertEquals(reports(back), b.onGossip(gossipOf(back)), "the peer came back");
        assertEquals(back, b.reports().get(A));
    }

    @Test
    void theCompleteStateFitsInOneMessageAndTheOriginsTakeTurns() {
        LinkChannel a = channel(A);
        a.publish(List.of(sleeve(B, 0, 0)));
        List<LinkState> links = new ArrayList<>();
        for (int i = 0; i < 200; i++) links.add(sleeve(new PeerName(0x0b0000000000L + i), i, i));
        int origins = 300; // 300 reports of 200 links: some 1.5 MiB in all
        for (int i = 0; i < origins; i++) a.onGossip(gossipOf(new LinkReport(new PeerName(0x0e0000000000L + i), 1, links)));
        assertEquals(origins + 1, a.reports().size());
        Set<PeerName> seen = new HashSet<>();
        for (int round = 0; round < 4; round++) {
            byte[] state = a.completeState().encode();
            assertTrue(state.length <= LinkChannel.STATE_BUDGET + 3 && state.length <= ChannelCodec.MAX_PAYLOAD, state.length + " bytes");
            seen.addAll(decoded(state).reports().keySet());
        }
        assertEquals(origins + 1, seen.size(), "every origin goes out within a few rounds");
    }

    @Test
    void reportsPastTheBoundsAreDroppedAndCounted() {
        LinkChannel a = channel(A);
        for (int i = 0; i < LinkChannel.MAX_ORIGINS + 1; i++) a.onGossip(gossipOf(new LinkReport(new PeerName(0x0e0000000000L + i), 1, List.of())));
        assertEquals(LinkChannel.MAX_ORIGINS, a.reports().size());
        assertEquals(1, a.dropped());

        LinkChannel b = channel(B);
        List<LinkState> full = new ArrayList<>();
        for (int i = 0; i < LinkReport.MAX_LINKS; i++) full.add(fast(new PeerName(0x0b0000000000L + i)));
        int fit = LinkChannel.MAX_HELD_LINKS / LinkReport.MAX_LINKS;
        for (int i = 0; i <= fit; i++) b.onGossip(gossipOf(new LinkReport(new PeerName(0x0e0000000000L + i), 1, full)));
        assertEquals(fit, b.reports().size());
        assertEquals(1, b.dropped());
        LinkReport smaller = new LinkReport(new PeerName(0x0e0000000000L), 2, full.subList(0, 10));
        b.onGossip(gossipOf(smaller));
        assertEquals(smaller, b.reports().get(smaller.origin()), "a report that shrinks is taken");
        b.onGossip(gossipOf(new LinkReport(new PeerName(0x0e0000000000L + fit), 1, full.subList(0, 4000))));
        assertEquals(fit + 1, b.reports().size(), "and makes room");
    }

    @Test
    void malformedPayloadsAreCountedAndChangeNothing() {
        LinkChannel a = channel(A);
        a.publish(List.of(fast(B)));
        byte[] good = gossipOf(new LinkReport(C, 4, List.of(sleeve(A, 10, 20))));
        Map<PeerName, LinkReport> before = a.reports();
        Random random = new Random(11);
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] bad = good.clone();
            bad[random.nextInt(bad.length)] ^= (byte) (1 + random.nextInt(255));
            if (LinkReportCodec.decode(bad) instanceof weft.gossip.wire.Decoding.Refused<LinkReports>) {
                refused++;
                assertNull(a.onGossip(bad));
                assertNull(a.onBroadcast(C, bad));
            }
        }
        assertEquals(2L * refused, a.refused());
        assertEquals(before, a.reports());
        a.onUnicast(C, good);
        assertEquals(2L * refused + 1, a.refused(), "the channel has no unicasts");
    }
}

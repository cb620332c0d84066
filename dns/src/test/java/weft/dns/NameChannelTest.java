package weft.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import weft.gossip.PeerName;
import weft.gossip.channel.Gossip;
import weft.gossip.channel.GossipData;
import weft.gossip.wire.Decoding;

class NameChannelTest {
    private static final PeerName A = new PeerName(0x0a0000000001L), B = new PeerName(0x0a0000000002L);
    private static final String DOMAIN = "weft.local.";

    private final List<GossipData> broadcasts = new ArrayList<>();
    private final List<OriginRecords> saved = new ArrayList<>();

    private NameChannel channel(PeerName self, Optional<OriginRecords> restored) {
        return new NameChannel(self, restored, saved::add, g -> new Gossip() {
            @Override
            public void unicast(PeerName to, byte[] payload) {
                throw new AssertionError();
            }

            @Override
            public void broadcast(GossipData data) {
                broadcasts.add(data);
            }

            @Override
            public void gossip(GossipData data) {
                throw new AssertionError();
            }
        });
    }

    private static NameRecord db(int address) {
        return new NameRecord(NameRecord.qualify("db", DOMAIN), NameSimulation.address(address), "c1");
    }

    @Test
    void qualifyCompletesSingleLabelsAndRefusesBadNames() {
        assertEquals("db.weft.local.", NameRecord.qualify("DB", DOMAIN));
        assertEquals("db.example.com.", NameRecord.qualify("db.example.com", DOMAIN));
        assertEquals("db.example.com.", NameRecord.qualify("db.example.com.", DOMAIN));
        assertThrows(IllegalArgumentException.class, () -> NameRecord.qualify("a..b", DOMAIN));
        assertThrows(IllegalArgumentException.class, () -> NameRecord.qualify("bad name", DOMAIN));
        assertThrows(IllegalArgumentException.class, () -> NameRecord.qualify("x".repeat(64), DOMAIN));
    }

    @Test
    void aChangeRaisesTheVersionIsSavedBroadcastAndResolves() {
        NameChannel a = channel(A, Optional.empty());
        assertEquals(List.of(db(1)), a.add(List.of(db(1))));
        assertEquals(List.of(), a.add(List.of(db(1))), "adding it twice changes nothing");
        assertEquals(1, saved.getLast().version());
        assertEquals(1, broadcasts.size());
        assertEquals(List.of(NameSimulation.address(1)), a.lookup().addresses("db.weft.local."));
        assertEquals(List.of("db.weft.local."), a.lookup().names(NameSimulation.address(1)));
        a.remove(r -> r.owner().equals("c1"));
        assertEquals(2, saved.getLast().version());
        assertTrue(a.lookup().addresses("db.weft.local.").isEmpty());
    }

    @Test
    void anOlderSetOfAnOriginIsIgnoredSoARemovedNameStaysRemoved() {
        NameChannel a = channel(A, Optional.empty());
        a.add(List.of(db(1)));
        byte[] withDb = NameRecordsData.of(saved.getLast()).encode();
        a.remove(r -> true);
        byte[] withoutDb = NameRecordsData.of(saved.getLast()).encode();

        NameChannel b = channel(B, Optional.empty());
        assertInstanceOf(NameRecordsData.class, b.onGossip(withoutDb));
        assertNull(b.onGossip(withDb), "version 1 is older than the version 2 already held");
        assertTrue(b.lookup().addresses("db.weft.local.").isEmpty());
    }

    @Test
    void aForgottenPeersNamesGoAndItsStaleSetDoesNotBringThemBack() {
        NameChannel a = channel(A, Optional.empty());
        a.add(List.of(db(1)));
        byte[] stale = NameRecordsData.of(saved.getLast()).encode();
        NameChannel b = channel(B, Optional.empty());
        b.onGossip(stale);
        b.peersForgotten(List.of(A));
        assertTrue(b.lookup().addresses("db.weft.local.").isEmpty());
        assertNull(b.onGossip(stale), "the tombstone wins at the same version");
        assertTrue(b.lookup().addresses("db.weft.local.").isEmpty());
    }

    @Test
    void anOriginThatHearsOfANewerOrTombstonedSetOfItsOwnWinsItBack() {
        NameChannel a = channel(A, Optional.empty());
        a.add(List.of(db(1)));
        NameChannel b = channel(B, Optional.empty());
        b.onGossip(NameRecordsData.of(saved.getLast()).encode());
        b.peersForgotten(List.of(A));
        broadcasts.clear();
        a.onGossip(b.completeState().encode());
        OriginRecords reclaimed = saved.getLast();
        assertEquals(2, reclaimed.version(), "raised past the tombstone's version 1");
        assertEquals(Set.of(db(1)), reclaimed.records());
        assertEquals(1, broadcasts.size());
        b.onBroadcast(A, broadcasts.getFirst().encode());
        assertEquals(List.of(NameSimulation.address(1)), b.lookup().addresses("db.weft.local."));

        NameChannel wiped = channel(A, Optional.empty()); // the data directory lost: version 0
        wiped.onGossip(b.completeState().encode());
        assertEquals(3, saved.getLast().version());
        assertTrue(saved.getLast().records().isEmpty(), "the lost names are taken back everywhere");
    }

    @Test
    void restoredNamesKeepTheirVersionAndAReachablePeerGetsThem() {
        NameChannel a = channel(A, Optional.empty());
        a.add(List.of(db(1)));
        OriginRecords file = saved.getLast();
        broadcasts.clear();
        NameChannel restarted = channel(A, Optional.of(file));
        assertEquals(List.of(NameSimulation.address(1)), restarted.lookup().addresses("db.weft.local."));
        restarted.reachable(Set.of(B));
        assertEquals(1, broadcasts.size(), "a newly reachable peer gets our names");
        restarted.reachable(Set.of(B));
        assertEquals(1, broadcasts.size(), "no one new, nothing sent");
    }

    @Test
    void malformedGossipIsCountedAndChangesNothing() {
        NameChannel a = channel(A, Optional.empty());
        a.add(List.of(db(1)));
        byte[] good = NameRecordsData.of(saved.getLast()).encode();
        NameChannel b = channel(B, Optional.empty());
        Random random = new Random(7);
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] bad = i % 2 == 0 ? new byte[random.nextInt(64)] : good.clone();
            if (i % 2 == 0) random.nextBytes(bad);
            else bad[random.nextInt(bad.length)] ^= (byte) (1 + random.nextInt(255));
            if (NameRecordsCodec.decode(bad) instanceof Decoding.Refused<NameRecordsData>) refused++;
            b.onGossip(bad); // never throws
            b.onBroadcast(A, bad);
        }
        assertEquals(2L * refused, b.refused());
        assertTrue(refused > 10_000, "most mutations are refused: " + refused);
    }

    @Test
    void theCodecRoundTrips() {
        NameChannel a = channel(A, Optional.empty());
        a.add(List.of(db(1), db(2), new NameRecord("web.example.com.", NameSimulation.address(3), NameRecord.EXTERNAL)));
        NameRecordsData data = new NameRecordsData(a.origins());
        assertEquals(new Decoding.Decoded<>(data), NameRecordsCodec.decode(data.encode()));
    }

    @Test
    void aRouterMayNotHaveMoreNamesThanOneMessageCarriesAndTheCompleteStateTakesTurns() {
        NameChannel a = channel(A, Optional.empty());
        String owner = "docker-proxy:" + "0".repeat(64);
        List<NameRecord> many = new ArrayList<>();
        for (int i = 0; i < 6000; i++) {
            many.add(new NameRecord("c" + i + ".weft.local.", NameSimulation.address(i % 200), owner));
        }
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> a.add(many));
        assertTrue(refused.getMessage().contains("more than the " + NameChannel.MAX_OWN_BYTES), refused.getMessage());
        assertTrue(a.lookup().addresses("c1.weft.local.").isEmpty(), "nothing of a refused add is kept");

        NameChannel b = channel(B, Optional.empty());
        List<NameRecord> half = many.subList(0, 4000);
        for (int origin = 3; origin <= 5; origin++) { // three other routers with near-full sets
            OriginRecords full = new OriginRecords(new PeerName(0x0a0000000000L + origin), 1, false, new java.util.TreeSet<>(half));
            b.onGossip(NameRecordsData.of(full).encode());
        }
        java.util.Set<PeerName> seen = new java.util.HashSet<>();
        for (int round = 0; round < 4; round++) {
            byte[] state = b.completeState().encode();
            assertTrue(state.length <= weft.gossip.channel.ChannelCodec.MAX_PAYLOAD, state.length + " bytes");
            NameRecordsData decoded = ((Decoding.Decoded<NameRecordsData>) NameRecordsCodec.decode(state)).value();
            seen.addAll(decoded.origins().keySet());
        }
        assertEquals(4, seen.size(), "every origin goes out within a few rounds: " + seen);
    }
}

package weft.gossip.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import weft.gossip.PeerIdentity;
import weft.gossip.PeerName;

class TopologyTest {
    private static final PeerName SELF = new PeerName(0x50);
    private static final List<PeerName> OTHERS = List.of(new PeerName(0x10), new PeerName(0x20), new PeerName(0x60),
            new PeerName(0x70));

    private static Topology fresh() {
        return new Topology(new PeerIdentity(SELF, 99, "self"), new SplittableRandom(1));
    }

    // content is a function of (name, incarnation, version), as when each peer writes only its own record
    private static PeerRecord record(PeerName name, long incarnation, long version) {
        List<PeerLink> links = new ArrayList<>();
        for (PeerName other : OTHERS) {
            if (!other.equals(name) && ((other.value() + incarnation * 3 + version) % 3 == 0)) {
                links.add(new PeerLink(other, "10.0.0.1:6783", version % 2 == 0, true));
            }
        }
        links.add(new PeerLink(SELF, "10.0.0.9:6783", false, true));
        int shortId = (int) (1000 + OTHERS.indexOf(name)); // distinct from each other
        return new PeerRecord(name, "n" + incarnation, incarnation, version, shortId, links);
    }

    private static List<PeerRecord> randomRecords(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<PeerRecord> records = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            records.add(record(OTHERS.get(random.nextInt(OTHERS.size())), 1 + random.nextInt(3), 1 + random.nextInt(4)));
        }
        return records;
    }

    private static Topology mergedInBatches(List<List<PeerRecord>> batches) {
        Topology topology = fresh();
        for (List<PeerRecord> batch : batches) {
            topology.merge(batch);
        }
        return topology;
    }

    @Property(tries = 200)
    void mergeShouldBeCommutativeAssociativeAndIdempotent(@ForAll long seed) {
        List<PeerRecord> all = randomRecords(seed);
        List<PeerRecord> a = all.subList(0, 4);
        List<PeerRecord> b = all.subList(4, 8);
        List<PeerRecord> c = all.subList(8, 12);
        var reference = mergedInBatches(List.of(a, b, c)).records();
        assertEquals(reference, mergedInBatches(List.of(c, b, a)).records(), "commutative, seed " + seed);
        assertEquals(reference, mergedInBatches(List.of(all)).records(), "associative, seed " + seed);
        assertEquals(reference, mergedInBatches(List.of(a, b, c, b, a, c)).records(), "idempotent, seed " + seed);
        List<PeerRecord> shuffled = new ArrayList<>(all);
        Collections.shuffle(shuffled, new java.util.Random(seed));
        assertEquals(reference, mergedInBatches(List.of(shuffled)).records(), "any order, seed " + seed);
    }

    @Test
    void mergeShouldReturnOnlyImprovements() {
        Topology topology = fresh();
        PeerName p = OTHERS.get(0);
        assertEquals(List.of(record(p, 1, 2)), topology.merge(List.of(record(p, 1, 2))));
        assertEquals(List.of(), topology.merge(List.of(record(p, 1, 2))), "same again");
        assertEquals(List.of(), topology.merge(List.of(record(p, 1, 1))), "older");
        assertEquals(List.of(record(p, 2, 2)), topology.merge(List.of(record(p, 2, 2))), "equal version, higher incarnation");
        assertEquals(List.of(), topology.merge(List.of(record(p, 1, 2))), "equal version, lower incarnation");
    }

    @Test
    void shouldAddPlaceholdersForPeersOnlyNamedInLinks() {
        Topology topology = fresh();
        PeerName q = new PeerName(0x99);
        topology.merge(List.of(new PeerRecord(OTHERS.get(0), "p", 1, 1, 7, List.of(new PeerLink(q, "1.2.3.4:6783", true, true)))));
        assertTrue(topology.get(q).orElseThrow().isPlaceholder());
    }

    @Test
    void shouldBumpPastAnOldIncarnationOfOurselves() {
        Topology topology = fresh();
        PeerRecord old = new PeerRecord(SELF, "self", 12345, 40, topology.ownRecord().shortId(), List.of());
        List<PeerRecord> improved = topology.merge(List.of(old));
        assertEquals(41, topology.ownRecord().version());
        assertEquals(99, topology.ownRecord().incarnation());
        assertEquals(List.of(topology.ownRecord()), improved);
        assertEquals(List.of(), topology.merge(List.of(old)), "already past it");
    }

    @Test
    void shouldGiveUpOurShortIdToALowerNameOnly() {
        Topology topology = fresh();
        int ours = topology.ownRecord().shortId();
        PeerName higher = new PeerName(0x60);
        topology.merge(List.of(new PeerRecord(higher, "h", 1, 1, ours, List.of())));
        assertEquals(ours, topology.ownRecord().shortId(), "the higher name moves");
        assertEquals(Optional.empty(), topology.shortIdCollision());
        PeerName lower = new PeerName(0x10);
        List<PeerRecord> improved = topology.merge(List.of(new PeerRecord(lower, "l", 1, 1, ours, List.of())));
        assertNotEquals(ours, topology.ownRecord().shortId());
        assertTrue(topology.ownRecord().shortId() >= 1 && topology.ownRecord().shortId() <= 4095);
        assertTrue(improved.contains(topology.ownRecord()), "our new id goes out");
        assertEquals(Optional.empty(), topology.shortIdCollision());
    }

    @Test
    void shouldForgetPeersNoReachablePeerLinksTo() {
        Topology topology = fresh();
        PeerName a = new PeerName(0x10);
        PeerName dead = new PeerName(0x20);
        topology.updateSelf(List.of(new PeerLink(a, "1.1.1.1:6783", true, false))); // not established: still counts
        topology.merge(List.of(
                new PeerRecord(a, "a", 1, 1, 5, List.of(new PeerLink(SELF, "x:1", false, false))),
                // the dead peer still lists a link to a, but no reachable peer lists it
                new PeerRecord(dead, "d", 1, 1, 6, List.of(new PeerLink(a, "x:1", true, true)))));
        assertEquals(List.of(dead), topology.forgetUnreachable());
        assertEquals(Optional.empty(), topology.get(dead));
        assertTrue(topology.get(a).isPresent());
    }
}

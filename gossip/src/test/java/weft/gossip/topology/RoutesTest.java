package weft.gossip.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import weft.gossip.PeerName;

class RoutesTest {
    /** A random connected topology: a random spanning tree plus extra links, some one-sided or not established. */
    static Map<PeerName, PeerRecord> randomTopology(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<PeerName> names = new ArrayList<>();
        Map<PeerName, List<PeerLink>> links = new HashMap<>();
        for (int i = 0; i < n; i++) {
            PeerName name = PeerName.random(random);
            names.add(name);
            links.put(name, new ArrayList<>());
        }
        for (int i = 1; i < n; i++) {
            PeerName a = names.get(i);
            PeerName b = names.get(random.nextInt(i));
            links.get(a).add(new PeerLink(b, "10.0.0.1:6783", true, true));
            links.get(b).add(new PeerLink(a, "10.0.0.2:6783", false, true));
        }
        for (int k = 0; k < n * 2; k++) {
            PeerName a = names.get(random.nextInt(n));
            PeerName b = names.get(random.nextInt(n));
            if (a.equals(b) || links.get(a).stream().anyMatch(l -> l.peer().equals(b))) {
                continue;
            }
            int kind = random.nextInt(4); // 0: one-sided, 1: not established at one end, else usable
            links.get(a).add(new PeerLink(b, "10.0.0.3:6783", true, kind != 1));
            if (kind != 0) {
                links.get(b).add(new PeerLink(a, "10.0.0.4:6783", false, true));
            }
        }
        Map<PeerName, PeerRecord> records = new TreeMap<>();
        for (PeerName name : names) {
            records.put(name, new PeerRecord(name, "h", 1, 1, 1, links.get(name)));
        }
        return records;
    }

    /** Every peer reaches every other by following next hops computed by each hop itself, without loops;
     *  a broadcast from every source along the trees reaches every other peer exactly once. */
    static void assertConsistent(Map<PeerName, PeerRecord> records) {
        Map<PeerName, Routes> routes = new HashMap<>();
        for (PeerName name : records.keySet()) {
            routes.put(name, Routes.compute(records, name));
        }
        int n = records.size();
        for (PeerName source : records.keySet()) {
            assertEquals(n - 1, routes.get(source).destinations().size(), "reachable from " + source);
            for (PeerName destination : records.keySet()) {
                PeerName at = source;
                int hops = 0;
                while (!at.equals(destination)) {
                    at = routes.get(at).nextHop(destination).orElseThrow();
                    assertTrue(++hops <= n, "loop from " + source + " to " + destination);
                }
            }
            Map<PeerName, Integer> received = new HashMap<>();
            List<PeerName> frontier = List.of(source);
            while (!frontier.isEmpty()) {
                List<PeerName> next = new ArrayList<>();
                for (PeerName at : frontier) {
                    for (PeerName to : routes.get(at).broadcastTargets(source)) {
                        received.merge(to, 1, Integer::sum);
                        next.add(to);
                    }
                }
                frontier = next;
            }
            assertEquals(n - 1, received.size(), "broadcast from " + source + " reaches everyone");
            assertTrue(received.values().stream().allMatch(c -> c == 1), "exactly once from " + source);
        }
    }

    @Property(tries = 60)
    void shouldRouteConsistentlyOnRandomConnectedTopologies(@ForAll @IntRange(min = 2, max = 40) int n,
            @ForAll long seed) {
        assertConsistent(randomTopology(n, seed));
    }

    @Test
    void shouldIgnoreOneSidedAndUnestablishedLinks() {
        PeerName a = new PeerName(1);
        PeerName b = new PeerName(2);
        PeerName c = new PeerName(3);
        Map<PeerName, PeerRecord> records = Map.of(
                a, new PeerRecord(a, "a", 1, 1, 1, List.of(new PeerLink(b, "x:1", true, true), new PeerLink(c, "x:1", true, true))),
                b, new PeerRecord(b, "b", 1, 1, 2, List.of(new PeerLink(a, "x:1", false, false))),
                c, new PeerRecord(c, "c", 1, 1, 3, List.of()));
        Routes routes = Routes.compute(records, a);
        assertEquals(java.util.Optional.empty(), routes.nextHop(b));
        assertEquals(java.util.Optional.empty(), routes.nextHop(c));
        assertEquals(List.of(), routes.neighbours());
    }

    @Test
    void shouldPreferTheLowerNamedParentAtEqualDistance() {
        // a diamond: s - {x, y} - d; every router sends to d through the lower of x and y
        PeerName s = new PeerName(10);
        PeerName x = new PeerName(20);
        PeerName y = new PeerName(30);
        PeerName d = new PeerName(40);
        Map<PeerName, PeerRecord> records = Map.of(
                s, record(s, x, y), x, record(x, s, d), y, record(y, s, d), d, record(d, x, y));
        assertEquals(x, Routes.compute(records, s).nextHop(d).orElseThrow());
        assertEquals(List.of(x, y), Routes.compute(records, s).broadcastTargets(s));
        assertEquals(List.of(d), Routes.compute(records, x).broadcastTargets(s));
        assertEquals(List.of(), Routes.compute(records, y).broadcastTargets(s));
    }

    private static PeerRecord record(PeerName name, PeerName... neighbours) {
        List<PeerLink> links = new ArrayList<>();
        for (PeerName neighbour : neighbours) {
            links.add(new PeerLink(neighbour, "10.0.0.1:6783", true, true));
        }
        return new PeerRecord(name, "n", 1, 1, 1, links);
    }
}

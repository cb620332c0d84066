package weft.gossip.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import weft.gossip.PeerName;

class TopologySimulationTest {
    private static final long SEED = 7;

    @ParameterizedTest
    @ValueSource(ints = {50, 100, 200})
    void shouldConvergeFromColdStartWithConsistentRoutes(int n) {
        TopologySimulation sim = new TopologySimulation(n, SEED + n);
        int rounds = sim.runUntilConverged(300);
        assertTrue(rounds > 0, "no convergence, seed " + (SEED + n));
        RoutesTest.assertConsistent(sim.routers().getFirst().topology().records());
    }

    @Test
    void shouldConvergeDespiteLossDuplicationAndReordering() {
        TopologySimulation sim = new TopologySimulation(50, SEED);
        sim.faults(new TopologySimulation.Faults(0.2, 0.1, true));
        assertTrue(sim.runUntilConverged(600) > 0, "no convergence under faults, seed " + SEED);
    }

    @Test
    void shouldForgetTheOtherSideOfAPartitionAndRelearnItAfterHealing() {
        TopologySimulation sim = new TopologySimulation(60, SEED);
        assertTrue(sim.runUntilConverged(300) > 0);
        Set<PeerName> side = new HashSet<>();
        for (var router : sim.routers().subList(0, 20)) {
            side.add(router.name());
        }
        var broken = sim.partition(side);
        for (int i = 0; i < 60; i++) {
            sim.round();
        }
        for (var router : sim.routers()) {
            Set<PeerName> known = router.topology().records().keySet();
            // the partition may split a side further: each router knows exactly what it can reach
            assertEquals(router.topology().reachable(), known, "after partition at " + router.name());
            for (PeerName name : known) {
                assertEquals(side.contains(router.name()), side.contains(name));
            }
        }
        sim.heal(broken);
        assertTrue(sim.runUntilConverged(300) > 0, "no convergence after heal");
        assertEquals(60, sim.routers().getFirst().topology().size());
    }

    @Test
    void shouldConvergeToTheNewIncarnationOfARestartedPeer() {
        TopologySimulation sim = new TopologySimulation(50, SEED);
        assertTrue(sim.runUntilConverged(300) > 0);
        var restarted = sim.routers().get(17);
        long oldIncarnation = restarted.topology().ownRecord().incarnation();
        long oldVersion = restarted.topology().ownRecord().version();
        sim.restart(restarted);
        assertTrue(sim.runUntilConverged(300) > 0, "no convergence after restart");
        PeerRecord seen = sim.routers().getFirst().topology().get(restarted.name()).orElseThrow();
        assertNotEquals(oldIncarnation, seen.incarnation());
        assertEquals(restarted.topology().ownRecord(), seen);
        assertTrue(seen.version() > oldVersion, "new incarnation bumped past the old one");
    }

    @Test
    void shouldSpreadOneChangeWithLogarithmicPerPeerCost() {
        TopologySimulation sim = new TopologySimulation(200, SEED);
        assertTrue(sim.runUntilConverged(300) > 0);
        for (int i = 0; i < 30; i++) {
            sim.round();
        }
        sim.resetCounters();
        var a = sim.routers().get(0);
        var b = sim.routers().get(100);
        sim.unlink(a, b);
        assertTrue(sim.runUntilConverged(300) > 0);
        // each peer forwards each improved record once to at most ceil(log2 200)+1 = 9 neighbours
        double perPeer = (double) sim.totalMessages() / 200;
        assertTrue(perPeer < 2 * 9, "messages per peer for one change: " + perPeer);
    }
}

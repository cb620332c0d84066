package weft.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import weft.gossip.PeerName;

class SeedConsensusTest {
    private static List<SeedConsensus> peers(int n, int initialPeers, long seed) {
        List<SeedConsensus> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new SeedConsensus(new PeerName(i + 1), initialPeers, new SplittableRandom(seed + i), AcceptorState.INITIAL));
        }
        return out;
    }

    @Test
    void shouldSayWhatItWaitsForBeforeAQuorumIsHeard() {
        SeedConsensus a = new SeedConsensus(new PeerName(1), 5, new SplittableRandom(1), AcceptorState.INITIAL);
        assertTrue(a.waitingFor().startsWith("idle"), a.waitingFor());
        a.trigger();
        a.tick();
        assertEquals("awaiting consensus: quorum 3 of 5 initial peers; heard from 1 [00:00:00:00:00:01]; need 2 more",
                a.waitingFor());
    }

    @Test
    void shouldDecideOnceAQuorumTalksAndEveryoneLearnsTheSameSeeds() {
        List<SeedConsensus> all = peers(3, 3, 7);
        all.getFirst().trigger();
        all.getLast().trigger(); // two proposers at once
        SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < 50 && all.stream().anyMatch(p -> p.decision().isEmpty()); round++) {
            all.forEach(SeedConsensus::tick);
            for (int k = 0; k < 6; k++) {
                SeedConsensus from = all.get(random.nextInt(3));
                all.get(random.nextInt(3)).onState(from.state());
            }
        }
        Optional<SeedConsensus.Decision> first = all.getFirst().decision();
        assertTrue(first.isPresent());
        all.forEach(p -> assertEquals(first, p.decision()));
        assertTrue(first.get().seeds().size() >= 2);
    }

    @Test
    void shouldNeverDecideTwoValuesUnderRandomSchedulesWithRestarts() {
        for (long seed = 0; seed < 300; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            int n = 2 + random.nextInt(5);
            List<SeedConsensus> all = peers(n, n, seed * 31);
            List<Optional<SeedConsensus.Decision>> seen = new ArrayList<>();
            for (int step = 0; step < 300; step++) {
                int i = random.nextInt(n);
                switch (random.nextInt(10)) {
                    case 0 -> all.get(i).trigger();
                    case 1 -> all.get(i).tick();
                    case 2 -> { // restart from the persisted acceptor state only
                        SeedConsensus old = all.get(i);
                        all.set(i, new SeedConsensus(new PeerName(i + 1), n, new SplittableRandom(seed + step), old.own()));
                    }
                    default -> all.get(i).onState(all.get(random.nextInt(n)).state());
                }
                all.forEach(p -> p.decision().ifPresent(d -> seen.add(Optional.of(d))));
            }
            long distinct = seen.stream().map(d -> d.get().seeds()).distinct().count();
            assertTrue(distinct <= 1, "seed " + seed + ": two different decisions " + seen.stream().distinct().toList());
        }
    }
}

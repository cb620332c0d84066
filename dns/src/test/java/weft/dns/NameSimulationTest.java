package weft.dns;

import org.junit.jupiter.api.Test;

/** Runs many seeded schedules of {@link NameSimulation}; {@code -Ddns.sim.seed=N} replays one with a trace. */
class NameSimulationTest {
    private static final int SCHEDULES = Integer.getInteger("dns.sim.schedules", 500);
    private static final int STEPS = Integer.getInteger("dns.sim.steps", 200);

    @Test
    void randomSchedulesNeverResurrectANameAndConverge() {
        Long replay = Long.getLong("dns.sim.seed");
        if (replay != null) {
            new NameSimulation(replay, true).run(STEPS);
            return;
        }
        long deliveries = 0, forgotten = 0, restarts = 0;
        int worstRounds = 0;
        for (long seed = 1; seed <= SCHEDULES; seed++) {
            NameSimulation sim = new NameSimulation(seed, false).run(STEPS);
            deliveries += sim.deliveries;
            forgotten += sim.forgotten;
            restarts += sim.restarts;
            worstRounds = Math.max(worstRounds, sim.worstRounds);
        }
        System.out.printf("dns simulation: %d schedules x %d steps, %d deliveries, %d peers forgotten, %d restarts;"
                + " worst rounds of gossip to converge after the heal %d%n", SCHEDULES, STEPS, deliveries, forgotten, restarts, worstRounds);
        if (forgotten == 0 || restarts == 0) throw new AssertionError("the schedules never forget or restart a peer");
    }
}

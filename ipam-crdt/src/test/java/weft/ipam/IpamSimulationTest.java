package weft.ipam;

import org.junit.jupiter.api.Test;

/** Runs many seeded simulation schedules; {@code -Dipam.sim.seed=N} replays one with a trace. */
class IpamSimulationTest {
    private static final int SCHEDULES = Integer.getInteger("ipam.sim.schedules", 1000);
    private static final int STEPS = Integer.getInteger("ipam.sim.steps", 400);

    @Test
    void randomSchedulesKeepEveryInvariantAndComplete() {
        Long replay = Long.getLong("ipam.sim.seed");
        if (replay != null) {
            new IpamSimulation(replay, true).run(STEPS);
            return;
        }
        long operations = 0;
        long allocations = 0;
        long donations = 0;
        long rejoins = 0;
        long kept = 0;
        long lost = 0;
        long handedOver = 0;
        long refusedClaims = 0;
        int worstRounds = 0;
        boolean progress = Boolean.getBoolean("ipam.sim.progress");
        for (long seed = 1; seed <= SCHEDULES; seed++) {
            if (progress) {
                System.out.println("seed " + seed);
            }
            IpamSimulation sim = new IpamSimulation(seed, false).run(STEPS);
            operations += sim.operations;
            allocations += sim.allocations;
            donations += sim.donationsObserved;
            rejoins += sim.rejoins;
            kept += sim.displacedKept;
            lost += sim.displacedLost;
            handedOver += sim.handedOver;
            refusedClaims += sim.refusedClaims;
            worstRounds = Math.max(worstRounds, sim.maxLivenessRounds);
        }
        System.out.printf("ipam simulation: %d schedules x %d steps, %d message deliveries, %d allocations,"
                + " %d state unicasts, worst final-allocation rounds %d; %d peers back after a takeover, of whose addresses"
                + " %d were kept and %d lost; claims in another peer's range: %d handed over, %d refused%n",
                SCHEDULES, STEPS, operations, allocations, donations, worstRounds, rejoins, kept, lost, handedOver, refusedClaims);
        if (handedOver == 0) {
            throw new AssertionError("no claim in another peer's range was ever handed over: the schedules do not exercise it");
        }
    }
}

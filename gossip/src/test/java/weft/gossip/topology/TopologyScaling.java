package weft.gossip.topology;

/**
 * Prints how topology gossip scales: rounds to converge from a cold start, and mean messages and
 * bytes per peer per round while converging, then the cost of spreading one link change and of a
 * quiet minute (anti-entropy only). A program, not a test: run it and read the table.
 */
public final class TopologyScaling {
    private TopologyScaling() {}

    public static void main(String[] args) {
        int[] sizes = args.length == 0 ? new int[] {50, 100, 200, 500, 1000} : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        System.out.println("| N | rounds to converge | msgs/peer/round | bytes/peer/round | one change: msgs/peer, bytes/peer, rounds | quiet 60 s: bytes/peer/round |");
        System.out.println("|---|---|---|---|---|---|");
        for (int n : sizes) {
            TopologySimulation sim = new TopologySimulation(n, 42 + n);
            int rounds = sim.runUntilConverged(1000);
            double msgs = (double) sim.totalMessages() / n / rounds;
            double bytes = (double) sim.totalBytes() / n / rounds;
            for (int i = 0; i < 30; i++) {
                sim.round(); // let the convergence tail settle
            }
            sim.resetCounters();
            var a = sim.routers().get(0);
            var b = sim.routers().get(n / 2);
            sim.unlink(a, b);
            sim.link(a, b); // two versions of two records, coalesced into one each
            int changeRounds = sim.runUntilConverged(1000);
            double changeMsgs = (double) sim.totalMessages() / n;
            double changeBytes = (double) sim.totalBytes() / n;
            for (int i = 0; i < 30; i++) {
                sim.round();
            }
            sim.resetCounters();
            for (int i = 0; i < 60; i++) {
                sim.round();
            }
            double quietBytes = (double) sim.totalBytes() / n / 60;
            System.out.printf("| %d | %d | %.2f | %.0f | %.2f, %.0f, %d | %.1f |%n", n, rounds, msgs, bytes,
                    changeMsgs, changeBytes, changeRounds, quietBytes);
        }
    }
}

package weft.ipam;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import weft.crypto.ManualClock;
import weft.gossip.PeerName;
import weft.gossip.channel.Gossip;
import weft.gossip.channel.GossipData;

/**
 * Prints allocation throughput and latency with local space (in memory and with the snapshot fsynced on
 * every allocation), and what it costs to get space from another peer. Numbers only; run by hand:
 * {@code java -cp ipam-crdt/target/classes:ipam-crdt/target/test-classes:gossip/target/classes:gossip/target/test-classes:crypto/target/test-classes weft.ipam.IpamBenchmark}
 */
public final class IpamBenchmark {
    private static final PeerName A = new PeerName(0xa);
    private static final PeerName B = new PeerName(0xb);

    public static void main(String[] args) throws IOException {
        local("in memory", Persistence.NONE, 200_000, 3);
        Path dir = Files.createTempDirectory("weft-ipam-bench");
        local("fsynced snapshot", new SnapshotFile(dir.resolve("ipam.snapshot"), SnapshotFile.SYSTEM), 2_000, 1);
        remote(50);
    }

    private static Allocator peer(PeerName name, AddressRange universe, Persistence persistence, ArrayDeque<Runnable> wire,
            Allocator[] byIndex, ManualClock clock) {
        AllocatorConfig config = new AllocatorConfig(universe, universe, new InitMode.Seed(List.of(A, B)), Duration.ofSeconds(30));
        return new Allocator(name, config, Optional.empty(), clock, new SplittableRandom(name.value()), persistence,
                g -> new Gossip() {
                    @Override
                    public void unicast(PeerName to, byte[] payload) {
                        wire.add(() -> byIndex[to.equals(A) ? 0 : 1].onUnicast(name, payload));
                    }

                    @Override
                    public void broadcast(GossipData data) {
                        byte[] payload = data.encode();
                        wire.add(() -> byIndex[name.equals(A) ? 1 : 0].onBroadcast(name, payload));
                    }

                    @Override
                    public void gossip(GossipData data) {
                        broadcast(data);
                    }
                });
    }

    private static void local(String label, Persistence persistence, int count, int runs) {
        for (int run = 0; run < runs; run++) {
            ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
            Allocator[] peers = new Allocator[2];
            Allocator a = peer(A, AllocatorConfig.DEFAULT_UNIVERSE, persistence, new ArrayDeque<>(), peers, clock);
            peers[0] = a;
            long[] nanos = new long[count];
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                long t0 = System.nanoTime();
                CompletableFuture<AllocationResult> f = a.allocate("container-" + i);
                nanos[i] = System.nanoTime() - t0;
                if (!(f.getNow(null) instanceof AllocationResult.Allocated)) {
                    throw new IllegalStateException("allocation " + i + " did not complete locally: " + f.getNow(null));
                }
            }
            long total = System.nanoTime() - start;
            Arrays.sort(nanos);
            System.out.printf("local allocation (%s), run %d: %d allocations, %.0f/s, p50 %.1f us, p99 %.1f us%n",
                    label, run + 1, count, count / (total / 1e9), nanos[count / 2] / 1e3, nanos[count * 99 / 100] / 1e3);
        }
    }

    private static void remote(int trials) {
        AddressRange universe = AddressRange.parse("10.32.0.0/16");
        int donations = 0;
        long messages = 0;
        long[] nanos = new long[trials * 32];
        for (int trial = 0; trial < trials; trial++) {
            ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
            ArrayDeque<Runnable> wire = new ArrayDeque<>();
            Allocator[] peers = new Allocator[2];
            peers[0] = peer(A, universe, Persistence.NONE, wire, peers, clock);
            peers[1] = peer(B, universe, Persistence.NONE, wire, peers, clock);
            peers[0].peerAlive(B);
            peers[1].peerAlive(A);
            drain(wire);
            for (int i = 0; ; i++) {
                CompletableFuture<AllocationResult> f = peers[0].allocate("c" + i);
                if (f.isDone()) {
                    continue;
                }
                long t0 = System.nanoTime();
                int delivered = 0;
                while (!f.isDone() && !wire.isEmpty()) {
                    wire.poll().run();
                    delivered++;
                }
                if (!(f.getNow(null) instanceof AllocationResult.Allocated)) {
                    break; // B has nothing left to give
                }
                nanos[donations++] = System.nanoTime() - t0;
                messages += delivered;
                drain(wire);
            }
        }
        long[] done = Arrays.copyOf(nanos, donations);
        Arrays.sort(done);
        System.out.printf("space from another peer: %d donations, %.2f messages each (request, grant), p50 %.1f us,"
                + " p99 %.1f us of processing; on a real mesh add one round trip%n",
                donations, messages / (double) donations, done[donations / 2] / 1e3, done[donations * 99 / 100] / 1e3);
    }

    private static void drain(ArrayDeque<Runnable> wire) {
        while (!wire.isEmpty()) {
            wire.poll().run();
        }
    }
}

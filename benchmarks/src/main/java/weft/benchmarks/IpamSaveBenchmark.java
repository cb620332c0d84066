package weft.benchmarks;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import weft.gossip.PeerName;
import weft.ipam.AllocationResult;
import weft.ipam.Allocator;
import weft.ipam.AllocatorConfig;
import weft.ipam.InitMode;
import weft.ipam.JournaledSnapshot;
import weft.ipam.Persistence;
import weft.ipam.Snapshot;
import weft.ipam.SnapshotFile;

/**
 * What one durable change costs a router that already holds {@code allocations} addresses: each operation either
 * allocates an address or releases the one allocated before, and the allocator saves (inline, so the time is the
 * allocator's work on the mesh loop plus the save on the writer's thread):
 * <ul>
 *   <li>{@code memory}: the allocator's part alone (it builds the {@link Snapshot} it would hand over; nothing written);
 *   <li>{@code snapshot}: the whole state rewritten crash-safely ({@link SnapshotFile}: write, fsync, rename, fsync
 *       the directory), as every save did before the journal;
 *   <li>{@code journal}: what the router does ({@link JournaledSnapshot}: the change appended and fsynced, the whole
 *       snapshot rewritten when the journal has outgrown it).
 * </ul>
 * Owner ids are 64 hex digits, as Docker's container ids. The files go under {@code java.io.tmpdir}: pass
 * {@code -jvmArgsAppend -Djava.io.tmpdir=/var/tmp} (or any directory on a disk) when that is a tmpfs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class IpamSaveBenchmark {
    private static final PeerName SELF = new PeerName(0xa);
    private static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2026-01-01T00:00:00Z"));
    @Param({"100", "1000", "10000"})
    public int allocations;

    @Param({"memory", "snapshot", "journal"})
    public String store;

    private ScratchDirectory directory;
    private Allocator allocator;
    private boolean saving; // off while the allocator is filled: only the steady state is measured
    private boolean holding; // whether the next operation releases

    @Setup
    public void setUp() throws IOException {
        directory = new ScratchDirectory("weft-ipam-save");
        Persistence target = switch (store) {
            case "memory" -> snapshot -> Optional.empty();
            case "snapshot" -> new SnapshotFile(directory.resolve("ipam.snapshot"), SnapshotFile.SYSTEM);
            case "journal" -> new JournaledSnapshot(directory.resolve("ipam.snapshot"), directory.resolve("ipam.journal"),
                    SnapshotFile.SYSTEM);
            default -> throw new IllegalArgumentException("store must be memory, snapshot or journal: " + store);
        };
        Persistence gated = snapshot -> saving ? target.save(snapshot) : Optional.empty();
        AllocatorConfig config = new AllocatorConfig(AllocatorConfig.DEFAULT_UNIVERSE, AllocatorConfig.DEFAULT_UNIVERSE,
                new InitMode.Seed(List.of(SELF)), Duration.ofSeconds(30));
        allocator = new Allocator(SELF, config, Optional.empty(), CLOCK, new SplittableRandom(1), gated, g -> AllocatorBenchmark.NOWHERE);
        for (int i = 0; i < allocations; i++) {
            expectAllocated(allocator.allocate("%064x".formatted(i)).getNow(null));
        }
        saving = true;
        target.save(allocator.snapshot()); // the state on disk before the first measured change
    }

    @TearDown
    public void tearDown() throws IOException {
        directory.close();
    }

    @Benchmark
    public Object change() {
        holding = !holding;
        if (holding) {
            AllocationResult result = allocator.allocate("f".repeat(64)).getNow(null);
            expectAllocated(result);
            return result;
        }
        return allocator.release("f".repeat(64));
    }

    private static void expectAllocated(AllocationResult result) {
        if (!(result instanceof AllocationResult.Allocated)) {
            // a request left waiting would measure the wrong path: stop the run instead
            throw new IllegalStateException("the allocation did not complete locally: " + result);
        }
    }
}

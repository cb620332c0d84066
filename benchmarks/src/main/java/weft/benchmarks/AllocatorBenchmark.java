package weft.benchmarks;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
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
import weft.gossip.channel.Gossip;
import weft.gossip.channel.GossipData;
import weft.ipam.AddressRange;
import weft.ipam.AllocationResult;
import weft.ipam.Allocator;
import weft.ipam.AllocatorConfig;
import weft.ipam.InitMode;
import weft.ipam.JournaledSnapshot;
import weft.ipam.Persistence;
import weft.ipam.SnapshotFile;

/**
 * The IP allocator on the mesh loop, per operation:
 * <ul>
 *   <li>{@link #allocate}: one allocation from this peer's own space (Weave's default range, all ours);
 *   <li>{@link #spaceFromAnotherPeer}: one allocation in a /28 only the other peer owns, so it takes a whole
 *       donation: the request, the donor's grant (a broadcast and a unicast of its ring) and the allocation,
 *       delivered between two allocators in this thread; on a real mesh add one round trip.
 * </ul>
 * With {@code persistence=fsync} every change is saved as the router saves it (a {@link JournaledSnapshot}: the
 * change appended to the journal and fsynced, the snapshot rewritten whole when the journal outgrows it) under
 * {@code java.io.tmpdir}: pass {@code -jvmArgsAppend -Djava.io.tmpdir=/var/tmp} (or any directory on a disk) when
 * that is a tmpfs. {@link IpamSaveBenchmark} measures a save against the number of allocations held.
 *
 * <p>The allocator is replaced by a fresh one every {@value #FILL} allocations, and the pair every
 * {@value #DONATIONS_PER_PAIR} donations (rings stay under 130 entries); the replacement's cost is part of
 * one operation in that many.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AllocatorBenchmark {
    static final int FILL = 1 << 16;
    static final int DONATIONS_PER_PAIR = 64;
    private static final AddressRange PAIR_UNIVERSE = AddressRange.parse("10.32.0.0/16");
    private static final PeerName ASKER = new PeerName(0xa);
    private static final PeerName DONOR = new PeerName(0xb);
    private static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2025-01-01T00:00:00Z"));
    /** The lone peer's mesh: no other peer to reach, so its sends go nowhere. */
    static final Gossip NOWHERE = new Gossip() {
        @Override
        public void unicast(PeerName to, byte[] payload) {}

        @Override
        public void broadcast(GossipData data) {}

        @Override
        public void gossip(GossipData data) {}
    };

    /** {@code memory}: nothing saved; {@code fsync}: every change made durable, as the router does. */
    @Param({"memory", "fsync"})
    public String persistence;

    private final String[] owners = new String[FILL];
    private final ArrayDeque<Runnable> wire = new ArrayDeque<>();
    private Logger allocatorLog; // held: the level set on it lasts only while the logger is referenced
    private ScratchDirectory directory;
    private Allocator local;
    private int allocated;
    private Allocator asker;
    private int donations;

    @Setup
    public void setUp() throws IOException {
        allocatorLog = Logger.getLogger(Allocator.class.getName());
        allocatorLog.setLevel(Level.WARNING); // "gave <block> to peer" per donation would measure the console
        directory = new ScratchDirectory("weft-ipam-bench");
        for (int i = 0; i < FILL; i++) {
            owners[i] = "container-" + i;
        }
        local = localPeer();
        pair();
    }

    @TearDown
    public void tearDown() throws IOException {
        directory.close();
    }

    @Benchmark
    public AllocationResult allocate() {
        if (allocated == FILL) {
            local = localPeer();
            allocated = 0;
        }
        AllocationResult result = local.allocate(owners[allocated++]).getNow(null);
        if (!(result instanceof AllocationResult.Allocated)) {
            // a request left waiting would measure the wrong path: stop the run instead
            throw new IllegalStateException("allocation " + (allocated - 1) + " did not complete locally: " + result);
        }
        return result;
    }

    @Benchmark
    public AllocationResult spaceFromAnotherPeer() {
        if (donations == DONATIONS_PER_PAIR) {
            pair();
        }
        AddressRange subnet = AddressRange.cidr(PAIR_UNIVERSE.start() + 16L * donations, 28);
        var future = asker.allocate(owners[donations++], subnet);
        deliverAll();
        AllocationResult result = future.getNow(null);
        if (!(result instanceof AllocationResult.Allocated)) {
            throw new IllegalStateException("donation " + (donations - 1) + " did not complete: " + result);
        }
        return result;
    }

    private Allocator localPeer() {
        AllocatorConfig config = new AllocatorConfig(AllocatorConfig.DEFAULT_UNIVERSE, AllocatorConfig.DEFAULT_UNIVERSE,
                new InitMode.Seed(List.of(ASKER)), Duration.ofSeconds(30));
        return new Allocator(ASKER, config, Optional.empty(), CLOCK, new SplittableRandom(1), persistence("local"),
                g -> NOWHERE);
    }

    /** Two allocators whose ring gives every address to the donor, connected and with the first gossip delivered. */
    private void pair() {
        wire.clear();
        AllocatorConfig config = new AllocatorConfig(PAIR_UNIVERSE, PAIR_UNIVERSE, new InitMode.Seed(List.of(DONOR)),
                Duration.ofSeconds(30));
        Allocator[] peers = new Allocator[2];
        peers[0] = new Allocator(ASKER, config, Optional.empty(), CLOCK, new SplittableRandom(2), persistence("asker"),
                g -> new Wire(ASKER, () -> peers[1]));
        peers[1] = new Allocator(DONOR, config, Optional.empty(), CLOCK, new SplittableRandom(3), persistence("donor"),
                g -> new Wire(DONOR, () -> peers[0]));
        peers[0].peerAlive(DONOR);
        peers[1].peerAlive(ASKER);
        deliverAll();
        asker = peers[0];
        donations = 0;
    }

    private Persistence persistence(String name) {
        return switch (persistence) {
            case "memory" -> Persistence.NONE;
            case "fsync" -> new JournaledSnapshot(directory.resolve(name + ".snapshot"), directory.resolve(name + ".journal"),
                    SnapshotFile.SYSTEM);
            default -> throw new IllegalArgumentException("persistence must be memory or fsync: " + persistence);
        };
    }

    private void deliverAll() {
        for (Runnable delivery; (delivery = wire.poll()) != null; ) {
            delivery.run();
        }
    }

    /** The mesh between the two allocators of a pair: every send queued on {@link #wire} for the other one. */
    private final class Wire implements Gossip {
        private final PeerName self;
        private final Supplier<Allocator> other;

        Wire(PeerName self, Supplier<Allocator> other) {
            this.self = self;
            this.other = other;
        }

        @Override
        public void unicast(PeerName to, byte[] payload) {
            wire.add(() -> other.get().onUnicast(self, payload));
        }

        @Override
        public void broadcast(GossipData data) {
            byte[] payload = data.encode();
            wire.add(() -> other.get().onBroadcast(self, payload));
        }

        @Override
        public void gossip(GossipData data) {
            broadcast(data);
        }
    }
}

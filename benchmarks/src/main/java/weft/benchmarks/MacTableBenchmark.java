package weft.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import weft.router.sleeve.MacTable;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The sleeve's {@link MacTable} holding {@code size} MACs, one call per operation:
 * <ul>
 *   <li>{@link #learnNew}: a MAC never seen, as the receiving thread learns it from a frame, while the MAC learnt
 *       {@code size} operations before is forgotten, so that the table keeps its size: what a container that sprays
 *       new source MACs costs per frame (two changes);</li>
 *   <li>{@link #refuseNew}: a MAC never seen, at a table full at {@code size} ({@link MacTable#refused});</li>
 *   <li>{@link #refreshKnown}: a known MAC seen again behind its peer, what every other received frame costs;</li>
 *   <li>{@link #lookup}: a known MAC looked up, what every sent frame costs (its source and destination);</li>
 *   <li>the group {@code shared} ({@link #sharedRefresh} and {@link #sharedLookup}): the two at once on two
 *       threads, as the receiving thread refreshes a MAC that a sending thread looks up (a TCP flow: data out,
 *       acknowledgements in), 16 such MACs of the {@code size}; the others run on one thread.</li>
 * </ul>
 * Time moves one microsecond per operation where it matters, far from the 10-minute maximum age the router uses.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1)
public class MacTableBenchmark {
    private static final long MAX_AGE_NANOS = TimeUnit.MINUTES.toNanos(10);
    private static final long MAC_BASE = 0x0200_0000_0000L, PEERS = 50;
    private static final int PROBES = 1 << 12;

    @Param({"1000", "10000"})
    public int size;

    private MacTable churning, full, stable;
    private long next, now;
    private final long[] known = new long[PROBES];
    private int probe;

    @Setup
    public void setUp() {
        churning = new MacTable(MAX_AGE_NANOS);
        full = new MacTable(MAX_AGE_NANOS, size);
        stable = new MacTable(MAX_AGE_NANOS);
        for (long k = 0; k < size; k++) {
            churning.learn(mac(k), k % PEERS, 0);
            full.learn(mac(k), k % PEERS, 0);
            stable.learn(mac(k), k % PEERS, 0);
        }
        next = size;
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < PROBES; i++) known[i] = random.nextLong(size);
    }

    /** MAC {@code k} of a container spraying addresses: locally administered, in no particular order. */
    private static long mac(long k) {
        return MAC_BASE | (k * 0x9E37_79B9L & 0xFF_FFFF_FFFFL);
    }

    @Benchmark
    public boolean learnNew() {
        now += 1_000;
        churning.forget(mac(next - size));
        return churning.learn(mac(next++), next % PEERS, now);
    }

    @Benchmark
    public boolean refuseNew() {
        now += 1_000;
        return full.learn(mac(next++), 1, now);
    }

    @Benchmark
    public boolean refreshKnown() {
        now += 1_000;
        long k = known[probe++ & (PROBES - 1)];
        return stable.learn(mac(k), k % PEERS, now);
    }

    @Benchmark
    public long lookup() {
        return stable.lookup(mac(known[probe++ & (PROBES - 1)]), 0);
    }

    /** One table of {@code size} MACs, a receiving thread refreshing and a sending thread looking up the first few. */
    @State(Scope.Group)
    public static class Shared {
        private static final int FLOWS = 16;
        final MacTable table = new MacTable(MAX_AGE_NANOS);

        @Setup
        public void setUp(BenchmarkParams params) {
            int size = Integer.parseInt(params.getParam("size"));
            for (long k = 0; k < size; k++) table.learn(mac(k), k, 0);
        }
    }

    /** The receiving thread's clock and position; the sending thread's position. */
    @State(Scope.Thread)
    public static class Cursor {
        long now, next;
    }

    @Benchmark
    @Group("shared")
    @GroupThreads(1)
    public boolean sharedRefresh(Shared shared, Cursor cursor) {
        cursor.now += 1_000;
        long k = cursor.next++ & (Shared.FLOWS - 1);
        return shared.table.learn(mac(k), k, cursor.now);
    }

    @Benchmark
    @Group("shared")
    @GroupThreads(1)
    public long sharedLookup(Shared shared, Cursor cursor) {
        return shared.table.lookup(mac(cursor.next++ & (Shared.FLOWS - 1)), 0);
    }
}

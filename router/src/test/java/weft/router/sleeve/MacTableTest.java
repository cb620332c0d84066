package weft.router.sleeve;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MacTableTest {
    private static final long MAX_AGE = 1_000;
    private final MacTable table = new MacTable(MAX_AGE);

    @Test
    void learnedMacIsFoundUntilItIsOlderThanTheMaximumAge() {
        assertTrue(table.learn(0xaa, 1, 0));
        assertEquals(1, table.lookup(0xaa, MAX_AGE));
        assertEquals(MacTable.UNKNOWN, table.lookup(0xaa, MAX_AGE + 1));
    }

    @Test
    void seeingAMacAgainRefreshesItAndAMoveIsReported() {
        table.learn(0xaa, 1, 0);
        assertFalse(table.learn(0xaa, 1, 900));
        assertEquals(1, table.lookup(0xaa, 1_800));
        assertTrue(table.learn(0xaa, 2, 1_900));
        assertEquals(2, table.lookup(0xaa, 1_900));
    }

    @Test
    void forgettingAPeerForgetsOnlyItsMacs() {
        table.learn(0xaa, 1, 0);
        table.learn(0xbb, 2, 0);
        table.forgetPeer(1);
        assertEquals(MacTable.UNKNOWN, table.lookup(0xaa, 0));
        assertEquals(2, table.lookup(0xbb, 0));
    }

    @Test
    void aChangeDropsOnlyStaleEntries() {
        table.learn(0xaa, 1, 0);
        table.learn(0xbb, 1, 500);
        table.learn(0xcc, 2, 1_200);
        assertEquals(2, table.size(), "0xaa is past the maximum age, 0xbb is not");
        assertEquals(1, table.lookup(0xbb, 1_200));
    }

    @Test
    void manyMacsAndForgettingOneKeepTheRest() {
        for (long mac = 0; mac < 1_000; mac++) assertTrue(table.learn(0x0200_0000_0000L + mac, mac % 7, 0));
        assertEquals(1_000, table.size());
        table.forget(0x0200_0000_0000L + 500);
        assertEquals(MacTable.UNKNOWN, table.lookup(0x0200_0000_0000L + 500, 0));
        for (long mac = 0; mac < 1_000; mac++) {
            if (mac != 500) assertEquals(mac % 7, table.lookup(0x0200_0000_0000L + mac, 0), "MAC " + mac);
        }
        table.forget(0x0300_0000_0000L); // unknown: nothing changes
        assertEquals(999, table.size());
    }

    private static final long SEED = 0x5eed_0f_7ab1eL, MAC_BASE = 0x0200_0000_0000L;

    @Test
    void aFullTableRefusesNewMacsCountsThemAndStillRefreshesAndMovesKnownOnes() {
        MacTable small = new MacTable(MAX_AGE, 100, SEED);
        for (long mac = 0; mac < 100; mac++) assertTrue(small.learn(MAC_BASE + mac, 1, 0));
        assertFalse(small.learn(MAC_BASE + 100, 1, 0));
        assertFalse(small.learn(MAC_BASE + 101, 2, 10));
        assertEquals(2, small.refused());
        assertEquals(100, small.size());
        assertEquals(MacTable.UNKNOWN, small.lookup(MAC_BASE + 100, 10));
        assertFalse(small.learn(MAC_BASE + 7, 1, 900), "a known MAC is refreshed");
        assertTrue(small.learn(MAC_BASE + 8, 3, 900), "and may move");
        assertEquals(3, small.lookup(MAC_BASE + 8, 900));
        assertEquals(1, small.lookup(MAC_BASE + 7, 1_800));
        assertEquals(2, small.refused());
    }

    @Test
    void entriesPastTheMaximumAgeMakeRoomForNewOnes() {
        MacTable small = new MacTable(MAX_AGE, 100, SEED);
        for (long mac = 0; mac < 50; mac++) small.learn(MAC_BASE + mac, 1, 0);
        for (long mac = 50; mac < 100; mac++) small.learn(MAC_BASE + mac, 2, 600);
        assertFalse(small.learn(MAC_BASE + 100, 3, 700), "full, and nothing past the maximum age");
        long later = 1_100; // the first 50 are past the maximum age, and a sweep interval has passed
        assertTrue(small.sweepIntervalNanos() <= later);
        for (long mac = 100; mac < 150; mac++) assertTrue(small.learn(MAC_BASE + mac, 3, later), "MAC " + mac);
        assertFalse(small.learn(MAC_BASE + 150, 3, later), "the 50 still alive keep their room");
        assertEquals(100, small.size());
        assertEquals(2, small.refused());
        assertEquals(2, small.lookup(MAC_BASE + 99, later));
        assertEquals(MacTable.UNKNOWN, small.lookup(MAC_BASE, later));
    }

    /**
     * Work is counted in slots the writers look at, which is what time goes into: a few per change whatever the size
     * (here about 4 per new MAC, 2 per refusal, 9 per forget and new MAC once tombstones make rebuilds).
     */
    @Test
    void learningNewMacsCostsWorkInProportionToTheirNumber() {
        for (int n : new int[]{1_024, 4_096, MacTable.DEFAULT_MAX_ENTRIES}) {
            MacTable sized = new MacTable(MAX_AGE, n, SEED);
            for (long mac = 0; mac < n; mac++) assertTrue(sized.learn(MAC_BASE + mac * 0x1_0001L, mac % 5, 0));
            long learning = sized.slotsVisited();
            // copying the table for every new MAC, as it once did, would have visited about n * n / 2 slots
            assertTrue(learning <= 8L * n, n + " new MACs visited " + learning + " slots");

            for (long mac = n; mac < 5L * n; mac++) assertFalse(sized.learn(MAC_BASE + mac * 0x1_0001L, 1, 1));
            long refusing = sized.slotsVisited() - learning;
            assertTrue(refusing <= 4L * 4 * n, 4 * n + " refusals at a full table visited " + refusing + " slots");

            for (long k = 0; k < 4L * n; k++) { // churn: the oldest MAC forgotten and a new one in its place
                long oldest = k < n ? k : 5L * n + k - n;
                sized.forget(MAC_BASE + oldest * 0x1_0001L);
                assertTrue(sized.learn(MAC_BASE + (5L * n + k) * 0x1_0001L, 2, 2));
            }
            long churning = sized.slotsVisited() - learning - refusing;
            assertTrue(churning <= 16L * 4 * n, 4 * n + " forgets and new MACs visited " + churning + " slots");
            assertEquals(n, sized.size());
        }
    }

    /**
     * Readers look MACs up while a writer learns, moves and forgets others, in a table that keeps being rebuilt: a
     * MAC that stays is always found behind its peer, one that comes and goes only ever behind one of its own two.
     * The table is small and the MACs few, so that the same slots see MACs come and go all the time: a table that
     * put a new MAC where a reader may still be reading a removed one shows here within a fraction of a second.
     */
    @Test
    void readersNeverSeeAnotherMacsPeerWhileWritersChangeTheTable() throws Exception {
        MacTable shared = new MacTable(Long.MAX_VALUE / 4, 128, SEED);
        int stable = 32, churning = 32;
        for (long mac = 0; mac < stable; mac++) shared.learn(MAC_BASE + mac, owner(mac), 0);
        long deadline = System.nanoTime() + 500_000_000L;
        java.util.concurrent.atomic.AtomicReference<String> failure = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread writer = Thread.ofPlatform().start(() -> {
            java.util.SplittableRandom random = new java.util.SplittableRandom(SEED);
            for (int round = 0; System.nanoTime() - deadline < 0 && failure.get() == null; round++) {
                long mac = stable + random.nextInt(churning);
                switch (random.nextInt(4)) {
                    case 0, 1 -> shared.learn(MAC_BASE + mac, owner(mac), 0);
                    case 2 -> shared.learn(MAC_BASE + mac, owner(mac) + 1, 0);
                    default -> {
                        if (round % 64 == 0) shared.forgetPeer(owner(mac)); else shared.forget(MAC_BASE + mac);
                    }
                }
            }
            writing.set(false);
        });
        Runnable reading = () -> {
            java.util.SplittableRandom random = new java.util.SplittableRandom(Thread.currentThread().threadId());
            while (writing.get() && failure.get() == null) {
                long mac = random.nextInt(stable + churning), found = shared.lookup(MAC_BASE + mac, 0);
                boolean right = mac < stable ? found == owner(mac)
                        : found == MacTable.UNKNOWN || found == owner(mac) || found == owner(mac) + 1;
                if (!right) failure.compareAndSet(null, "MAC " + mac + " found behind " + found);
            }
        };
        Thread[] readers = {Thread.ofPlatform().start(reading), Thread.ofPlatform().start(reading)};
        writer.join(10_000);
        for (Thread reader : readers) reader.join(10_000);
        assertEquals(null, failure.get());
        assertFalse(writer.isAlive() || readers[0].isAlive() || readers[1].isAlive(), "threads finished");
        assertTrue(shared.rebuilds() > 10, "the table was rebuilt " + shared.rebuilds() + " times");
    }

    /** A peer of its own for each MAC, and another for its moves: no two MACs share one. */
    private static long owner(long mac) {
        return 0x0a00_0000_0000L + 2 * mac;
    }

    @Test
    void refreshingAKnownMacAllocatesNothing() {
        table.learn(0xaa, 1, 0);
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        if (!(threads instanceof com.sun.management.ThreadMXBean counting)) return;
        long id = Thread.currentThread().threadId();
        for (int i = 0; i < 20_000; i++) { table.learn(0x0200_0000_00aaL, 1, i); table.lookup(0x0200_0000_00aaL, i); } // warm up
        long before = counting.getThreadAllocatedBytes(id);
        for (int i = 0; i < 100_000; i++) {
            table.learn(0x0200_0000_00aaL, 1, i);
            table.lookup(0x0200_0000_00aaL, i);
        }
        long allocated = counting.getThreadAllocatedBytes(id) - before;
        assertTrue(allocated < 100_000, "100k refreshes and lookups allocated " + allocated + " bytes");
    }
}

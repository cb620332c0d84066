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

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
    void expireRemovesOnlyStaleEntries() {
        table.learn(0xaa, 1, 0);
        table.learn(0xbb, 1, 500);
        assertEquals(1, table.expire(1_200));
        assertEquals(1, table.size());
    }
}

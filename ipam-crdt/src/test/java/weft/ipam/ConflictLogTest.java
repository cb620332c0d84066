package weft.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ConflictLogTest {
    static RingConflict conflict(int i) {
        return new RingConflict(RingConflict.Kind.INCONSISTENT_ENTRY, "conflict " + i);
    }

    @Test
    void shouldKeepAConflictThatArrivesAgainOnce() {
        ConflictLog log = new ConflictLog();
        log.add(conflict(1));
        log.add(conflict(2));
        log.add(conflict(1));
        assertEquals(List.of(conflict(1), conflict(2)), log.list());
    }

    @Test
    void shouldDropTheOldestWhenFull() {
        ConflictLog log = new ConflictLog();
        IntStream.range(0, Allocator.MAX_CONFLICTS).forEach(i -> log.add(conflict(i)));
        assertEquals(conflict(0), log.list().getFirst());
        log.add(conflict(Allocator.MAX_CONFLICTS));
        assertEquals(Allocator.MAX_CONFLICTS, log.list().size());
        assertEquals(conflict(1), log.list().getFirst());
        assertEquals(conflict(Allocator.MAX_CONFLICTS), log.list().getLast());
    }
}

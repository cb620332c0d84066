package weft.router.sleeve;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static weft.router.sleeve.FrameReassembly.Outcome.COMPLETE;
import static weft.router.sleeve.FrameReassembly.Outcome.DUPLICATE;
import static weft.router.sleeve.FrameReassembly.Outcome.INCOMPLETE;
import static weft.router.sleeve.FrameReassembly.Outcome.INCONSISTENT;

class SleeveFrameReassemblyTest {
    private static final long A = 0x0a0000000001L, B = 0x0b0000000002L, O = 0x0c0000000003L;
    private static final long STALE = 1_000L;
    private final Arena arena = Arena.ofConfined();
    private final AtomicInteger givenUp = new AtomicInteger();
    private final FrameReassembly reassembly = new FrameReassembly(arena, 4, 2, STALE, givenUp::incrementAndGet);

    @AfterEach
    void close() {
        arena.close();
    }

    private static byte[] payload(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) bytes[i] = (byte) (i * 31 + seed);
        return bytes;
    }

    private FrameReassembly.Outcome offer(long from, int id, byte[] whole, int index, int count, int chunk, long now) {
        int share = Math.min(chunk, whole.length - index * chunk);
        return reassembly.offer(from, O, id, index, count, chunk, MemorySegment.ofArray(whole), (long) index * chunk, share, now);
    }

    private byte[] completed() {
        int slot = reassembly.completedSlot();
        return reassembly.buffer(slot).asSlice(FrameReassembly.STREAM_OFFSET, reassembly.length(slot)).toArray(JAVA_BYTE);
    }

    @Test
    void fragmentsInAnyOrderRebuildThePayload() {
        byte[] whole = payload(1000, 1);
        assertEquals(INCOMPLETE, offer(A, 7, whole, 3, 4, 300, 0));
        assertEquals(INCOMPLETE, offer(A, 7, whole, 0, 4, 300, 0));
        assertEquals(INCOMPLETE, offer(A, 7, whole, 2, 4, 300, 0));
        assertEquals(COMPLETE, offer(A, 7, whole, 1, 4, 300, 0));
        assertArrayEquals(whole, completed());
        assertEquals(0, reassembly.inFlight());
        assertEquals(0, givenUp.get());
    }

    @Test
    void duplicatesAreRefusedAndDoNotComplete() {
        byte[] whole = payload(500, 2);
        assertEquals(INCOMPLETE, offer(A, 1, whole, 0, 2, 300, 0));
        assertEquals(DUPLICATE, offer(A, 1, whole, 0, 2, 300, 0));
        assertEquals(COMPLETE, offer(A, 1, whole, 1, 2, 300, 0));
        assertArrayEquals(whole, completed());
    }

    @Test
    void aFrameMissingAFragmentIsGivenUpAndCountedOnceTheSendersShareIsUsed() {
        byte[] whole = payload(500, 3);
        assertEquals(INCOMPLETE, offer(A, 1, whole, 0, 2, 300, 0)); // fragment 1 never comes
        assertEquals(INCOMPLETE, offer(A, 2, whole, 0, 2, 300, 1));
        assertEquals(0, givenUp.get());
        assertEquals(INCOMPLETE, offer(A, 3, whole, 0, 2, 300, 2)); // A's share is 2: frame 1 goes
        assertEquals(1, givenUp.get());
        assertEquals(2, reassembly.inFlight());
        assertEquals(INCOMPLETE, offer(A, 1, whole, 1, 2, 300, 3), "a late fragment of a given-up frame starts over");
        assertEquals(2, givenUp.get());
    }

    @Test
    void oneSenderCannotPushOutAnothersFrames() {
        byte[] whole = payload(500, 4);
        offer(B, 9, whole, 0, 2, 300, 0);
        for (int id = 0; id < 10; id++) offer(A, id, whole, 0, 2, 300, id + 1);
        assertEquals(COMPLETE, offer(B, 9, whole, 1, 2, 300, 20));
        assertArrayEquals(whole, completed());
    }

    @Test
    void staleFramesAreGivenUpWhenANewOneArrives() {
        byte[] whole = payload(500, 5);
        offer(A, 1, whole, 0, 2, 300, 0);
        offer(B, 2, whole, 0, 2, 300, STALE + 1);
        assertEquals(1, givenUp.get());
        assertEquals(1, reassembly.inFlight());
    }

    @Test
    void fragmentsThatDisagreeOnTheLayoutDropTheFrame() {
        byte[] whole = payload(500, 6);
        offer(A, 1, whole, 0, 2, 300, 0);
        assertEquals(INCONSISTENT, offer(A, 1, whole, 1, 3, 200, 0));
        assertEquals(1, givenUp.get());
        assertEquals(0, reassembly.inFlight());
    }

    @Test
    void theLargestPayloadFits() {
        byte[] whole = payload(SleeveHeader.MAX_REASSEMBLED, 7);
        int chunk = 1416, count = (whole.length + chunk - 1) / chunk;
        for (int i = count - 1; i > 0; i--) assertEquals(INCOMPLETE, offer(A, 5, whole, i, count, chunk, 0));
        assertEquals(COMPLETE, offer(A, 5, whole, 0, count, chunk, 0));
        assertArrayEquals(whole, completed());
    }
}

package weft.router.sleeve;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import weft.kernel.EnumCounters;
import weft.router.sleeve.SleeveCounters.Counter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which small frames wait to share a datagram, and when what waits leaves. */
class PendingBatchTest {
    private static final long SELF = 0x0a0000000001L, B = 0x0b0000000002L, C = 0x0c0000000003L;
    private static final int PAYLOAD = 1400, SLOT_BYTES = SleeveHeader.LENGTH + PAYLOAD + SleeveHeader.TAG_LENGTH;
    private static final SleevePeer HOP_B = new SleevePeer(B, "b", new InetSocketAddress(InetAddress.getLoopbackAddress(), 1)),
            HOP_C = new SleevePeer(C, "c", new InetSocketAddress(InetAddress.getLoopbackAddress(), 2));

    private final Arena arena = Arena.ofConfined();
    private final SleeveCounters counters = new SleeveCounters();
    /** A send lane's: its batch and its hop sender count as its thread. */
    private final EnumCounters.Writer<Counter> counted = counters.writer();
    private final RecordingSender socket = new RecordingSender(64);
    private final PendingBatch pending = new PendingBatch(SELF, arena,
            new HopSender(SleeveCipher.SEND_LANE, SELF, arena, socket, SLOT_BYTES, counted), counted);
    /** The send lane's datagram: each frame is put at {@link SleeveHeader#LENGTH}, as the port reads it. */
    private final MemorySegment lane = arena.allocate(SleeveForwarder.BUFFER_BYTES);

    @AfterEach
    void close() {
        arena.close();
    }

    private byte[] add(SleevePeer hop, long owner, int length, int limit) {
        byte[] frame = new byte[length];
        for (int i = 0; i < length; i++) frame[i] = (byte) (i + length);
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, lane, SleeveHeader.LENGTH, length);
        pending.add(hop, owner, lane, length, limit);
        return frame;
    }

    /** The frames a datagram carries: its payload alone, or each entry of a batch. */
    private static List<byte[]> frames(RecordingSender.Sent sent) {
        SleeveHeader header = new SleeveHeader();
        assertEquals(SleeveHeader.Check.OK, header.wrap(sent.segment()));
        MemorySegment datagram = sent.segment();
        if (!header.isBatch()) return List.of(datagram.asSlice(SleeveHeader.LENGTH).toArray(JAVA_BYTE));
        List<byte[]> frames = new ArrayList<>();
        for (long at = SleeveHeader.LENGTH; at < datagram.byteSize(); ) {
            int length = FrameBatch.frameLength(datagram, at);
            frames.add(datagram.asSlice(at + FrameBatch.PREFIX, length).toArray(JAVA_BYTE));
            at += FrameBatch.PREFIX + length;
        }
        return frames;
    }

    @Test
    void onlySmallFramesTwoOfWhichFitADatagramWait() {
        assertEquals(true, PendingBatch.takes(PendingBatch.BATCHED_FRAME_MAX, PAYLOAD));
        assertEquals(false, PendingBatch.takes(PendingBatch.BATCHED_FRAME_MAX + 1, 9000));
        assertEquals(true, PendingBatch.takes(100, 2 * (FrameBatch.PREFIX + 100)));
        assertEquals(false, PendingBatch.takes(100, 2 * (FrameBatch.PREFIX + 100) - 1), "room for one only");
    }

    @Test
    void framesForOneDestinationLeaveTogetherInOrderInOneDatagram() {
        List<byte[]> added = List.of(add(HOP_B, B, 60, PAYLOAD), add(HOP_B, B, 200, PAYLOAD), add(HOP_B, B, 14, PAYLOAD));
        assertEquals(List.of(), socket.sent, "nothing leaves before the flush");
        pending.flush();
        assertEquals(1, socket.sent.size());
        List<byte[]> carried = frames(socket.sent.getFirst());
        assertEquals(3, carried.size());
        for (int i = 0; i < 3; i++) assertArrayEquals(added.get(i), carried.get(i), "frame " + i);
        SleeveHeader header = new SleeveHeader();
        header.wrap(socket.sent.getFirst().segment());
        assertEquals(true, header.isBatch());
        assertEquals(SELF, header.origin());
        assertEquals(B, header.destination());
        assertEquals(3, counters.get(Counter.FRAMES_BATCHED));
        assertEquals(true, pending.isEmpty());
    }

    @Test
    void aFrameLeftAloneLeavesAsAnyFrame() {
        byte[] frame = add(HOP_B, B, 100, PAYLOAD);
        pending.flush();
        assertEquals(1, socket.sent.size());
        byte[] datagram = socket.sent.getFirst().bytes();
        assertEquals(SleeveHeader.LENGTH + 100, datagram.length, "the frame right behind the header, no length prefix");
        assertEquals(0, datagram[SleeveHeader.FLAGS_OFFSET]);
        assertArrayEquals(frame, frames(socket.sent.getFirst()).getFirst());
        assertEquals(0, counters.get(Counter.FRAMES_BATCHED));
    }

    @Test
    void aFrameForAnotherDestinationOrHopSendsWhatWaitsFirst() {
        byte[] first = add(HOP_B, B, 60, PAYLOAD);
        byte[] second = add(HOP_C, C, 70, PAYLOAD);
        assertEquals(1, socket.sent.size(), "the frame for B left when one for C came");
        assertArrayEquals(first, frames(socket.sent.getFirst()).getFirst());
        byte[] third = add(HOP_B, C, 80, PAYLOAD); // C by way of B now: another path
        assertEquals(2, socket.sent.size());
        assertArrayEquals(second, frames(socket.sent.get(1)).getFirst());
        pending.flush();
        assertArrayEquals(third, frames(socket.sent.get(2)).getFirst());
        assertEquals(List.of(HOP_B.endpoint(), HOP_C.endpoint(), HOP_B.endpoint()),
                socket.sent.stream().map(RecordingSender.Sent::to).toList());
    }

    @Test
    void aFrameThatWouldOverfillTheDatagramSendsWhatWaitsFirst() {
        int limit = 3 * (FrameBatch.PREFIX + 100) - 1; // two entries fit, a third does not
        add(HOP_B, B, 100, limit);
        add(HOP_B, B, 100, limit);
        add(HOP_B, B, 100, limit);
        assertEquals(1, socket.sent.size());
        assertEquals(2, frames(socket.sent.getFirst()).size());
        pending.flush();
        assertEquals(1, frames(socket.sent.get(1)).size());
        assertEquals(2, counters.get(Counter.FRAMES_BATCHED));
    }

    @Test
    void flushingNothingSendsNothing() {
        pending.flush();
        assertEquals(List.of(), socket.sent);
        assertEquals(true, pending.isEmpty());
    }
}

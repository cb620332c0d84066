package weft.router.sleeve;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import weft.router.sleeve.SleeveCounters.Counter;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What one payload sent to one hop leaves as: whole or in fragments, sealed once, in as few socket calls as it can. */
class HopSenderTest {
    private static final long SELF = 0x0a0000000001L, PEER = 0x0b0000000002L;
    private static final InetSocketAddress ENDPOINT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 6783);
    private static final int PAYLOAD = 1400, SLOT_BYTES = SleeveHeader.LENGTH + PAYLOAD + SleeveHeader.TAG_LENGTH;

    private final Arena arena = Arena.ofConfined();
    private final SleeveCounters counters = new SleeveCounters();
    private final RecordingSender socket = new RecordingSender(64);

    @AfterEach
    void close() {
        arena.close();
    }

    private HopSender sender(int lane) {
        return new HopSender(lane, SELF, arena, socket, SLOT_BYTES, counters.writer());
    }

    /** A unicast datagram of this peer's for the peer, its header written, with a payload of {@code length} numbered bytes. */
    private MemorySegment datagram(int length) {
        MemorySegment datagram = arena.allocate(SleeveHeader.LENGTH + length + SleeveHeader.TAG_LENGTH);
        SleeveHeader.write(datagram, false, SELF, SELF, PEER, length);
        for (int i = 0; i < length; i++) datagram.set(JAVA_BYTE, SleeveHeader.LENGTH + i, (byte) (i * 7 + i / 251));
        return datagram;
    }

    private static byte[] payloadOf(MemorySegment datagram, int length) {
        return datagram.asSlice(SleeveHeader.LENGTH, length).toArray(JAVA_BYTE);
    }

    /** The bytes the fragments carry between them, in index order, after checking each fragment's header. */
    private byte[] rejoin(List<RecordingSender.Sent> fragments, int count, int chunk, long token) {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        SleeveHeader header = new SleeveHeader();
        for (int i = 0; i < fragments.size(); i++) {
            assertEquals(SleeveHeader.Check.OK, header.wrap(fragments.get(i).segment()));
            assertEquals(SleeveHeader.Check.OK, header.checkFragment());
            assertEquals(i, header.fragmentIndex());
            assertEquals(count, header.fragmentCount());
            assertEquals(chunk, header.chunk());
            assertEquals(token, header.fragmentToken());
            byte[] bytes = fragments.get(i).bytes();
            int share = bytes.length - SleeveHeader.LENGTH - SleeveHeader.FRAGMENT_LENGTH;
            assertTrue(i == count - 1 ? share >= 1 && share <= chunk : share == chunk, "share of fragment " + i);
            stream.write(bytes, SleeveHeader.LENGTH + SleeveHeader.FRAGMENT_LENGTH, share);
        }
        return stream.toByteArray();
    }

    @Test
    void theHopsOwnCountersTakeWhatEachLaneSentToIt() {
        SleevePeer hop = new SleevePeer(PEER, "b", ENDPOINT), other = new SleevePeer(PEER + 1, "c", ENDPOINT);
        sender(SleeveCipher.SEND_LANE).send(hop, datagram(PAYLOAD), PAYLOAD, PAYLOAD);
        sender(SleeveCipher.RELAY_LANE).send(hop, datagram(PAYLOAD), PAYLOAD, PAYLOAD);
        sender(SleeveCipher.MAX_LANES - 1).send(hop, datagram(5001), 5001, PAYLOAD);
        int fragments = socket.sent.size() - 2;
        assertTrue(fragments > 1, "the large one left in fragments");
        assertEquals(2 + fragments, hop.traffic().sentDatagrams());
        assertEquals(counters.get(Counter.BYTES_SENT), hop.traffic().sentBytes(), "every byte sent went to this hop");
        assertEquals(0, other.traffic().sentDatagrams());
        assertEquals(0, hop.traffic().receivedDatagrams());
    }

    @Test
    void aPayloadThatFitsLeavesWholeInOneDatagram() {
        MemorySegment datagram = datagram(PAYLOAD);
        sender(SleeveCipher.SEND_LANE).send(new SleevePeer(PEER, "b", ENDPOINT), datagram, PAYLOAD, PAYLOAD);
        assertEquals(1, socket.sent.size());
        RecordingSender.Sent sent = socket.sent.getFirst();
        assertEquals(ENDPOINT, sent.to());
        assertArrayEquals(datagram.asSlice(0, SleeveHeader.LENGTH + PAYLOAD).toArray(JAVA_BYTE), sent.bytes());
        assertEquals(1, counters.get(Counter.FRAMES_SENT));
        assertEquals(SleeveHeader.LENGTH + PAYLOAD, counters.get(Counter.BYTES_SENT));
        assertEquals(0, counters.get(Counter.FRAGMENTS_SENT));
    }

    @Test
    void aLargerPayloadIsCutIntoEqualChunksButTheLastThatLeaveInOneBatch() {
        int length = 5001; // 4 fragments of at most 1400: chunks of 1251, the last 1248
        MemorySegment datagram = datagram(length);
        sender(SleeveCipher.SEND_LANE).send(new SleevePeer(PEER, "b", ENDPOINT), datagram, length, PAYLOAD);
        assertEquals(List.of(4), socket.flushes, "one batch");
        assertArrayEquals(payloadOf(datagram, length), rejoin(socket.sent, 4, 1251, 0));
        assertEquals(4, counters.get(Counter.FRAGMENTS_SENT));
        assertEquals(4, counters.get(Counter.FRAMES_SENT));
        SleeveHeader header = new SleeveHeader();
        header.wrap(socket.sent.getFirst().segment());
        assertEquals(PEER, header.destination());
        assertEquals(false, header.isSealed());
    }

    @Test
    void aSealedPayloadIsSealedOnceAndItsFragmentsCarryTheSealedBytesAndTheToken() {
        int length = 3000;
        ToyCipher cipher = new ToyCipher();
        MemorySegment datagram = datagram(length);
        byte[] clear = payloadOf(datagram, length);
        sender(SleeveCipher.SEND_LANE).send(new SleevePeer(PEER, "b", ENDPOINT, cipher), datagram, length, PAYLOAD);
        assertEquals(1, cipher.sealed());
        assertArrayEquals(clear, payloadOf(datagram, length), "the payload sent is left as it was");
        int count = socket.sent.size();
        byte[] stream = rejoin(socket.sent, count, (length + SleeveHeader.TAG_LENGTH + count - 1) / count, ToyCipher.TOKEN);
        assertEquals(length + SleeveHeader.TAG_LENGTH, stream.length, "the payload and its tag");
        MemorySegment whole = arena.allocate(SleeveHeader.LENGTH + stream.length);
        SleeveHeader.toWhole(socket.sent.getFirst().segment(), whole);
        MemorySegment.copy(MemorySegment.ofArray(stream), 0, whole, SleeveHeader.LENGTH, stream.length);
        assertEquals(SleeveCipher.Opened.OK, cipher.open(whole, length, 1));
        assertArrayEquals(clear, payloadOf(whole, length));
    }

    @Test
    void eachLaneNumbersItsFragmentedFramesInItsOwnResidueClass() {
        HopSender lane = sender(3);
        SleevePeer peer = new SleevePeer(PEER, "b", ENDPOINT);
        List<Integer> ids = new ArrayList<>();
        SleeveHeader header = new SleeveHeader();
        for (int frame = 0; frame < 3; frame++) {
            socket.sent.clear();
            lane.send(peer, datagram(2000), 2000, PAYLOAD);
            header.wrap(socket.sent.getFirst().segment());
            ids.add(header.frameId());
        }
        assertEquals(List.of(3, 3 + SleeveCipher.MAX_LANES, 3 + 2 * SleeveCipher.MAX_LANES), ids);
    }

    @Test
    void fragmentsTheSocketCannotTakeInOneBatchLeaveInSeveralInOrder() {
        RecordingSender small = new RecordingSender(3);
        HopSender lane = new HopSender(SleeveCipher.SEND_LANE, SELF, arena, small, SLOT_BYTES, counters.writer());
        int length = 8000; // 6 fragments
        MemorySegment datagram = datagram(length);
        lane.send(new SleevePeer(PEER, "b", ENDPOINT), datagram, length, PAYLOAD);
        assertEquals(List.of(3, 3), small.flushes);
        assertArrayEquals(payloadOf(datagram, length), rejoin(small.sent, 6, 1334, 0));
    }

    @Test
    void datagramsTheSocketLosesAreCountedAsSendErrors() {
        socket.losing = 2;
        sender(SleeveCipher.SEND_LANE).send(new SleevePeer(PEER, "b", ENDPOINT), datagram(5001), 5001, PAYLOAD);
        assertEquals(2, counters.get(Counter.FRAMES_SENT));
        assertEquals(2, counters.get(Counter.SEND_ERRORS));
        assertEquals(2 * (SleeveHeader.LENGTH + SleeveHeader.FRAGMENT_LENGTH + 1251), counters.get(Counter.BYTES_SENT));
    }

    @Test
    void aPayloadNeedingMoreFragmentsThanThereAreSlotsIsCountedAndDropped() {
        // slots for a 64 KiB segment over the narrowest path believed; a narrower one would need more
        sender(SleeveCipher.SEND_LANE).send(new SleevePeer(PEER, "b", ENDPOINT), datagram(SleeveHeader.MAX_REASSEMBLED),
                SleeveHeader.MAX_REASSEMBLED, 200);
        assertEquals(List.of(), socket.sent);
        assertEquals(1, counters.get(Counter.FRAMES_TOO_LARGE));
    }
}

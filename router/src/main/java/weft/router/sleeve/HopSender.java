package weft.router.sleeve;

import weft.kernel.EnumCounters;
import weft.router.sleeve.SleeveCounters.Counter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Sends one payload to one hop: sealed for the hop when the pair encrypts, in one datagram when the payload fits the
 * path, else sealed whole and its sealed bytes cut into fragments that leave in one socket batch. Counts the
 * datagrams and bytes sent, in all and for the hop ({@link PeerTraffic}), those lost, and the fragments.
 *
 * <p>One per thread that sends: each send lane, and the receive lane (relays, probe acknowledgements). Its state
 * (the scratch datagram, one datagram per fragment, the socket batch, the frame ids) is that thread's alone, and it
 * seals with the cipher's state of its own lane number, so no lock is taken anywhere on the way out.
 */
final class HopSender {
    private final int lane;
    private final long self;
    private final SleeveSocket.Sender socket;
    private final EnumCounters.Writer<Counter> counters;
    /** Where a payload is sealed for the hop; free between sends (see {@link #scratch}). */
    private final MemorySegment scratch;
    /** One datagram per fragment of the largest payload, so a frame's fragments leave in one batch. */
    private final MemorySegment[] fragments;
    private final int[] batchLengths;
    private SleevePeer batchTo;
    private int batched;
    /** The next fragmented frame's id: each lane counts in its own residue class, so lanes never share an id. */
    private int nextFrameId;

    /**
     * @param lane      the lane number this thread seals with ({@link SleeveCipher#seal}), which also sets its frame ids
     * @param slotBytes the largest datagram sent: a header, the configured datagram payload and a tag
     * @param counters  the owning thread's writer
     */
    HopSender(int lane, long self, Arena arena, SleeveSocket.Sender socket, int slotBytes, EnumCounters.Writer<Counter> counters) {
        this.lane = lane;
        this.self = self;
        this.socket = socket;
        this.counters = counters;
        this.nextFrameId = lane;
        this.scratch = arena.allocate(SleeveForwarder.BUFFER_BYTES, 64);
        int fragmentSlots = mostFragments(slotBytes - SleeveHeader.LENGTH - SleeveHeader.TAG_LENGTH);
        MemorySegment all = arena.allocate((long) fragmentSlots * slotBytes, 64);
        fragments = new MemorySegment[fragmentSlots];
        for (int i = 0; i < fragmentSlots; i++) fragments[i] = all.asSlice((long) i * slotBytes, slotBytes);
        batchLengths = new int[Math.max(fragmentSlots, 1)];
    }

    /**
     * The most fragments one payload may need: as many as the largest one, cut for the narrowest path MTU believed
     * (or for {@code datagramPayload}, if narrower), needs.
     */
    private static int mostFragments(int datagramPayload) {
        int narrowestShare = maxShare(Math.min(datagramPayload, PathMtu.MIN_MTU - PathMtu.OVERHEAD));
        return Math.min(SleeveHeader.MAX_FRAGMENTS, (SleeveHeader.MAX_STREAM + narrowestShare - 1) / narrowestShare);
    }

    /** The most a fragment carries of what follows the header, where a whole datagram carries {@code datagramPayload} and a tag. */
    private static int maxShare(int datagramPayload) {
        return datagramPayload + SleeveHeader.TAG_LENGTH - SleeveHeader.FRAGMENT_LENGTH;
    }

    /**
     * A buffer of {@link SleeveForwarder#BUFFER_BYTES} that only {@link #send} writes, and only while sealing: the
     * owning thread may use it between sends for a datagram it does not send (the receive lane delivers a batch's
     * frames from it, since a batch is either relayed or delivered).
     */
    MemorySegment scratch() {
        return scratch;
    }

    /**
     * Sends a payload of this peer's, at {@link SleeveHeader#LENGTH} in {@code datagram}, to one hop: writes its
     * header (this peer as sender and origin, {@code owner} as destination unless it is a broadcast) and sends it.
     */
    void sendLocal(SleevePeer hop, boolean broadcast, long owner, MemorySegment datagram, int payloadLength,
                   boolean vnet, int datagramPayload) {
        SleeveHeader.write(datagram, broadcast, self, self, owner, payloadLength);
        SleeveHeader.markVnet(datagram, vnet);
        send(hop, datagram, payloadLength, datagramPayload);
    }

    /**
     * Sends the datagram in {@code datagram} (its header written, its payload of {@code payloadLength} bytes at
     * {@link SleeveHeader#LENGTH}) to {@code hop}: sealed for the hop when the pair encrypts, in one datagram when the
     * payload fits {@code datagramPayload}, else sealed whole and cut into fragments that leave in one batch.
     * {@code datagram}'s header may change; its payload does not.
     */
    void send(SleevePeer hop, MemorySegment datagram, int payloadLength, int datagramPayload) {
        boolean whole = payloadLength <= datagramPayload;
        int stream = payloadLength + (hop.sealed() ? SleeveHeader.TAG_LENGTH : 0);
        int count = 0, chunk = 0;
        if (!whole) {
            int maxShare = maxShare(datagramPayload);
            count = (stream + maxShare - 1) / maxShare;
            chunk = (stream + count - 1) / count;
            count = (stream + chunk - 1) / chunk; // rounding the chunk up may leave the last fragment nothing
            if (count > fragments.length) {
                counters.increment(Counter.FRAMES_TOO_LARGE);
                return;
            }
        }
        // A fragmented payload is sealed with 0 as its length: that is what the receiver rebuilds.
        SleeveHeader.payloadLength(datagram, whole ? payloadLength : 0);
        MemorySegment sent = datagram;
        if (hop.sealed()) {
            hop.cipher().seal(datagram, scratch, payloadLength, lane);
            sent = scratch;
        } else {
            SleeveHeader.markClear(datagram);
        }
        startBatch(hop);
        if (whole) {
            batch(sent, SleeveHeader.LENGTH + stream);
            flush();
            return;
        }
        int frameId = nextFrameId;
        nextFrameId += SleeveCipher.MAX_LANES;
        long token = hop.sealed() ? hop.cipher().fragmentToken() : 0;
        for (int index = 0, offset = 0; index < count; index++, offset += chunk) {
            int share = Math.min(chunk, stream - offset);
            MemorySegment fragment = fragments[index];
            MemorySegment.copy(sent, 0, fragment, 0, SleeveHeader.LENGTH);
            SleeveHeader.toFragment(fragment, frameId, index, count, chunk, token, share);
            MemorySegment.copy(sent, SleeveHeader.LENGTH + offset, fragment, SleeveHeader.LENGTH + SleeveHeader.FRAGMENT_LENGTH, share);
            batch(fragment, SleeveHeader.LENGTH + SleeveHeader.FRAGMENT_LENGTH + share);
        }
        flush();
        counters.add(Counter.FRAGMENTS_SENT, count);
    }

    private void startBatch(SleevePeer hop) {
        batchTo = hop;
        socket.startBatch(hop.endpoint());
        batched = 0;
    }

    private void batch(MemorySegment datagram, int length) {
        if (!socket.add(datagram, length)) {
            flush();
            socket.startBatch(batchTo.endpoint());
            socket.add(datagram, length);
        }
        batchLengths[batched++] = length;
    }

    /** Sends what was batched; counts the datagrams and bytes sent, in all and for the hop, and those lost. */
    private void flush() {
        int sent = socket.flush();
        long bytes = 0;
        for (int i = 0; i < sent && i < batched; i++) bytes += batchLengths[i];
        counters.add(Counter.FRAMES_SENT, sent);
        counters.add(Counter.BYTES_SENT, bytes);
        batchTo.traffic().sent(lane, sent, bytes);
        if (sent < batched) counters.add(Counter.SEND_ERRORS, batched - sent);
        batched = 0;
    }
}

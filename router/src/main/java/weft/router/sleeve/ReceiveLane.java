package weft.router.sleeve;

import weft.kernel.EnumCounters;
import weft.router.sleeve.SleeveCounters.Counter;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.LongSupplier;

/**
 * The receiving side, and the thread that serves it: takes the datagrams waiting on the socket, checks them, opens
 * them, rebuilds fragmented payloads and opens them once whole, learns where their frames' source MACs live, hands
 * path MTU probes to {@link PathDiscovery}, writes the frames for this peer (and broadcasts) to the port, and passes
 * those for others on (relays, cut again for the onward path by its own {@link HopSender}).
 *
 * <p>Which neighbour a datagram is from is what its header names. A sealed datagram proves it with the pair's key (a
 * fragment with the pair's token until its frame is whole); a datagram of a pair in clear proves nothing, so it must
 * come from the neighbour's endpoint, address and port, or it is dropped before it reaches the reassembly, the MAC
 * table or the path MTU (a probe, which leaves the neighbour by a socket of its own, from its address and any port).
 *
 * <p>Everything here (the receive slots, the reassembly, the header view, the hop sender) is owned by the receiving
 * thread; what it shares it only reads: the routing, the paths, the neighbours; the MAC table it teaches.
 */
final class ReceiveLane {
    /** Frames in reassembly at once, in all and per neighbour (whose every lane may be sending one). */
    static final int REASSEMBLY_SLOTS = 32, REASSEMBLY_PER_SENDER = SleeveCipher.MAX_LANES;
    static final long REASSEMBLY_STALE_NANOS = 500_000_000L;
    private static final int RECEIVE_BATCH = 32, RECEIVE_SLOT_BYTES = 2048;
    private static final int VNET = VnetHeader.LENGTH;

    /**
     * Views of a buffer that holds a whole datagram at 0: its payload, the bytes just before the payload (the end of
     * the header, free once the header was read, where a virtio_net_hdr can be put without a copy), and the payload
     * past a virtio_net_hdr.
     */
    private record Views(MemorySegment datagram, MemorySegment payload, MemorySegment beforePayload, MemorySegment afterVnet) {
        static Views of(MemorySegment datagram) {
            return new Views(datagram, datagram.asSlice(SleeveHeader.LENGTH),
                    datagram.asSlice(SleeveHeader.LENGTH - VNET), datagram.asSlice(SleeveHeader.LENGTH + VNET));
        }
    }

    private final SleeveSocket udp;
    private final FramePort port;
    private final int portVnet;
    private final long self;
    private final SleevePeers neighbours;
    private final MacTable macs;
    private final SleeveRouting routing;
    private final PathDiscovery paths;
    private final LongSupplier nanoClock;
    private final EnumCounters.Writer<Counter> counters;
    private final HopSender out;
    private final SleeveHeader header = new SleeveHeader();
    private final FrameReassembly reassembly;
    /** The datagram each reassembly slot rebuilds. */
    private final Views[] slotViews;
    /**
     * Where the socket puts a batch, each datagram handled where it lands, and their views. The first slot is also
     * where a probe acknowledgement is built: by then the datagrams before it were handled.
     */
    private final MemorySegment[] receiveSlots;
    private final Views[] receiveViews;
    private final int[] receivedLengths, sourceAddresses, sourcePorts;
    /**
     * Where a batch's frames are delivered from, one at a time: the hop sender's scratch, which only relaying seals
     * into, and a batch is either relayed or delivered.
     */
    private final Views deliveryViews;
    /** When the batch being handled was read: the clock is read once per batch, not per datagram. */
    private long batchNanos;

    /**
     * @param port      where frames for this peer go: the first queue of the port
     * @param out       the hop sender of the relaying lane, {@link SleeveCipher#RELAY_LANE}
     * @param slotBytes the largest datagram a neighbour sends: a header, the configured datagram payload and a tag
     * @param counters  the receiving thread's writer, which {@code out} counts with too
     */
    ReceiveLane(SleeveSocket udp, FramePort port, Arena arena, HopSender out, int slotBytes, SleeveRouting routing,
                PathDiscovery paths, LongSupplier nanoClock, EnumCounters.Writer<Counter> counters) {
        this.udp = udp;
        this.port = port;
        this.portVnet = port.vnetHeaderLength();
        this.self = routing.self();
        this.neighbours = routing.neighbours();
        this.macs = routing.macs();
        this.routing = routing;
        this.paths = paths;
        this.nanoClock = nanoClock;
        this.counters = counters;
        this.out = out;
        receiveSlots = new MemorySegment[RECEIVE_BATCH];
        receivedLengths = new int[RECEIVE_BATCH];
        sourceAddresses = new int[RECEIVE_BATCH];
        sourcePorts = new int[RECEIVE_BATCH];
        receiveSlots[0] = arena.allocate(SleeveForwarder.BUFFER_BYTES, 64);
        // as large as the datagrams sent, so that a jumbo path's datagrams neither wait for the first slot nor get cut
        int asideBytes = Math.max(RECEIVE_SLOT_BYTES, slotBytes);
        MemorySegment aside = arena.allocate((long) (RECEIVE_BATCH - 1) * asideBytes, 64);
        for (int i = 1; i < RECEIVE_BATCH; i++) receiveSlots[i] = aside.asSlice((long) (i - 1) * asideBytes, asideBytes);
        receiveViews = new Views[RECEIVE_BATCH];
        for (int i = 0; i < RECEIVE_BATCH; i++) receiveViews[i] = Views.of(receiveSlots[i]);
        this.reassembly = new FrameReassembly(arena, REASSEMBLY_SLOTS, REASSEMBLY_PER_SENDER, REASSEMBLY_STALE_NANOS,
                () -> counters.increment(Counter.DROPPED_REASSEMBLY_GIVEN_UP));
        slotViews = new Views[REASSEMBLY_SLOTS];
        for (int i = 0; i < REASSEMBLY_SLOTS; i++) slotViews[i] = Views.of(reassembly.buffer(i));
        deliveryViews = Views.of(out.scratch());
    }

    /**
     * Waits up to {@code timeoutMillis} for datagrams (one with a channel socket, a batch with the native one) and
     * handles them; returns the frames written to the port.
     */
    int receive(int timeoutMillis) throws IOException {
        int received = udp.receive(receiveSlots, receivedLengths, sourceAddresses, sourcePorts, timeoutMillis);
        if (received > 0) batchNanos = nanoClock.getAsLong();
        int frames = 0;
        for (int i = 0; i < received; i++) frames += handleDatagram(receiveViews[i], receivedLengths[i], sourceAddresses[i], sourcePorts[i]);
        return frames;
    }

    private int handleDatagram(Views views, int length, int sourceAddress, int sourcePort) {
        counters.increment(Counter.DATAGRAMS_RECEIVED);
        counters.add(Counter.BYTES_RECEIVED, length);
        SleeveHeader.Check check = header.wrap(views.datagram(), length);
        if (check != SleeveHeader.Check.OK) {
            counters.increment(SleeveCounters.droppedFor(check));
            return 0;
        }
        long sender = header.sender();
        SleevePeer neighbour = sender == self ? null : neighbours.find(sender);
        if (neighbour == null) {
            counters.increment(sender == self ? Counter.DROPPED_FROM_SELF : Counter.DROPPED_UNKNOWN_SENDER);
            return 0;
        }
        if (neighbour.sealed() != header.isSealed()) {
            // Clear traffic from a peer we encrypt with could be anyone's; sealed traffic from one we do not cannot be opened.
            counters.increment(neighbour.sealed() ? Counter.DROPPED_NOT_SEALED : Counter.DROPPED_AUTHENTICATION_FAILED);
            return 0;
        }
        if (!neighbour.sealed() && !fromNeighbour(neighbour, sourceAddress, sourcePort)) {
            counters.increment(Counter.DROPPED_WRONG_SOURCE);
            return 0;
        }
        if (header.isFragment()) return receiveFragment(views.datagram(), neighbour, length);
        int payloadLength = header.frameLength();
        if (neighbour.sealed()) {
            SleeveCipher.Opened opened = neighbour.cipher().open(views.datagram(), payloadLength, header.sequence());
            if (opened != SleeveCipher.Opened.OK) {
                counters.increment(SleeveCounters.droppedFor(opened));
                return 0;
            }
        }
        // counted for the neighbour only once it is known to be the neighbour's: a forger cannot inflate its counts
        neighbour.traffic().received(length, batchNanos);
        return receiveWhole(views, neighbour, payloadLength);
    }

    /**
     * Whether a datagram in clear that names {@code neighbour} as its sender came from it: from its endpoint, or, for
     * a path MTU probe, from its address (probes leave by a don't-fragment socket of their own, from another port;
     * what a forged one can do is have an acknowledgement sent to the neighbour's endpoint). A sealed datagram needs no
     * such check: its key proves the sender, and it may arrive from another address than the mesh connection's (NAT,
     * a host with several addresses), which keeps working.
     */
    private boolean fromNeighbour(SleevePeer neighbour, int sourceAddress, int sourcePort) {
        if (header.isProbe() && !header.isProbeAcknowledgement()) return neighbour.isEndpointHost(sourceAddress);
        return neighbour.isEndpoint(sourceAddress, sourcePort);
    }

    /** Handles an opened datagram from {@code neighbour}, in {@code views}: a probe, or a frame to deliver, relay, or both. */
    private int receiveWhole(Views views, SleevePeer neighbour, int payloadLength) {
        long origin = header.origin();
        if (origin == self) {
            counters.increment(Counter.DROPPED_FROM_SELF);
            return 0;
        }
        if (header.isProbe()) {
            paths.onProbe(header, neighbour, payloadLength, receiveSlots[0], out, batchNanos);
            return 0;
        }
        if (header.isBatch()) return receiveBatch(views.datagram(), neighbour, payloadLength);
        boolean vnet = header.hasVnetHeader();
        long source = EthernetFrame.source(views.datagram(), SleeveHeader.LENGTH + (vnet ? VNET : 0));
        if (!EthernetFrame.isGroup(source)) macs.learn(source, origin, nanoClock.getAsLong());
        SleeveRoutes current = routing.routes();
        long sender = neighbour.name();
        if (header.isBroadcast()) {
            // relay first: delivering may overwrite the end of the header with a virtio_net_hdr
            relayToBroadcastHops(current, views.datagram(), origin, sender, payloadLength);
            return deliver(views, payloadLength, vnet);
        }
        long destination = header.destination();
        if (destination == self) return deliver(views, payloadLength, vnet);
        relayTowards(current, views.datagram(), destination, sender, payloadLength);
        return 0;
    }

    /** Handles a batch of frames for one destination: each is learnt, and delivered here or the batch relayed whole. */
    private int receiveBatch(MemorySegment datagram, SleevePeer neighbour, int payloadLength) {
        if (FrameBatch.count(datagram, SleeveHeader.LENGTH, payloadLength) < 1) {
            counters.increment(Counter.DROPPED_BAD_BATCH);
            return 0;
        }
        long origin = header.origin(), destination = header.destination(), now = nanoClock.getAsLong();
        long end = SleeveHeader.LENGTH + payloadLength;
        for (long at = SleeveHeader.LENGTH; at < end; at += FrameBatch.PREFIX + FrameBatch.frameLength(datagram, at)) {
            long source = EthernetFrame.source(datagram, at + FrameBatch.PREFIX);
            if (!EthernetFrame.isGroup(source)) macs.learn(source, origin, now);
        }
        if (destination != self) {
            relayTowards(routing.routes(), datagram, destination, neighbour.name(), payloadLength);
            return 0;
        }
        int delivered = 0;
        Views delivery = deliveryViews;
        for (long at = SleeveHeader.LENGTH; at < end; ) {
            int frameLength = FrameBatch.frameLength(datagram, at);
            MemorySegment.copy(datagram, at + FrameBatch.PREFIX, delivery.datagram(), SleeveHeader.LENGTH, frameLength);
            delivered += deliver(delivery, frameLength, false);
            at += FrameBatch.PREFIX + frameLength;
        }
        return delivered;
    }

    /**
     * Keeps a fragment until its frame is whole, then rebuilds the datagram the frame was sent as, opens it, and
     * handles it as any other. A fragment from a pair that encrypts must carry the neighbour's token, and a sequence
     * number its replay window still admits: it is not authenticated until its frame is.
     */
    private int receiveFragment(MemorySegment fragment, SleevePeer neighbour, int length) {
        counters.increment(Counter.FRAGMENTS_RECEIVED);
        SleeveHeader.Check check = header.checkFragment();
        if (check != SleeveHeader.Check.OK) {
            counters.increment(SleeveCounters.droppedFor(check));
            return 0;
        }
        boolean sealed = neighbour.sealed();
        if (sealed) {
            SleeveCipher.Opened admitted = neighbour.cipher().admitFragment(header.fragmentToken(), header.sequence());
            if (admitted != SleeveCipher.Opened.OK) {
                counters.increment(admitted == SleeveCipher.Opened.AUTHENTICATION_FAILED
                        ? Counter.DROPPED_WRONG_FRAGMENT_TOKEN : SleeveCounters.droppedFor(admitted));
                return 0;
            }
        }
        neighbour.traffic().received(length, batchNanos);
        FrameReassembly.Outcome outcome = reassembly.offer(neighbour.name(), header.origin(), header.frameId(),
                header.fragmentIndex(), header.fragmentCount(), header.chunk(), fragment,
                SleeveHeader.LENGTH + SleeveHeader.FRAGMENT_LENGTH, header.frameLength() - SleeveHeader.FRAGMENT_LENGTH,
                nanoClock.getAsLong());
        switch (outcome) {
            case INCOMPLETE -> {
                return 0;
            }
            case DUPLICATE -> {
                counters.increment(Counter.DROPPED_DUPLICATE_FRAGMENT);
                return 0;
            }
            case INCONSISTENT -> {
                counters.increment(Counter.DROPPED_INCONSISTENT_FRAGMENT);
                return 0;
            }
            case COMPLETE -> { }
        }
        int slot = reassembly.completedSlot();
        Views views = slotViews[slot];
        SleeveHeader.toWhole(fragment, views.datagram());
        int payloadLength = reassembly.length(slot) - (sealed ? SleeveHeader.TAG_LENGTH : 0);
        check = header.wrapRebuilt(views.datagram(), payloadLength);
        if (check != SleeveHeader.Check.OK) {
            counters.increment(SleeveCounters.droppedFor(check));
            return 0;
        }
        if (sealed) {
            SleeveCipher.Opened opened = neighbour.cipher().open(views.datagram(), payloadLength, header.sequence());
            if (opened != SleeveCipher.Opened.OK) {
                counters.increment(SleeveCounters.droppedFor(opened));
                return 0;
            }
        }
        counters.increment(Counter.FRAMES_REASSEMBLED);
        return receiveWhole(views, neighbour, payloadLength);
    }

    /**
     * Writes the payload of the datagram in {@code views} to the port. Adds a virtio_net_hdr that asks for nothing
     * when the port wants one and the payload has none; strips it when the port takes none, completing the
     * checksum, unless the frame needs segmenting, which a plain port cannot do (counted and dropped).
     */
    private int deliver(Views views, int payloadLength, boolean vnet) {
        MemorySegment room = views.beforePayload(), payload = views.payload(), afterVnet = views.afterVnet();
        if (portVnet != 0) {
            if (vnet) {
                port.write(payload, payloadLength);
            } else {
                VnetHeader.clear(room, 0);
                port.write(room, payloadLength + VNET);
            }
        } else if (vnet) {
            if (VnetHeader.needsSegmentation(payload, 0)) {
                counters.increment(Counter.DROPPED_NEEDS_OFFLOAD);
                return 0;
            }
            if (!VnetHeader.completeChecksum(payload, 0, afterVnet, 0, payloadLength - VNET)) {
                counters.increment(Counter.DROPPED_BAD_VNET_HEADER);
                return 0;
            }
            port.write(afterVnet, payloadLength - VNET);
        } else {
            port.write(payload, payloadLength);
        }
        counters.increment(Counter.FRAMES_TO_TAP);
        return 1;
    }

    private void relayToBroadcastHops(SleeveRoutes current, MemorySegment datagram, long origin, long sender, int payloadLength) {
        SleevePeer[] hops = current.broadcastHops(origin);
        if (hops.length == 0) return;
        SleeveHeader.rewriteSender(datagram, self);
        for (SleevePeer hop : hops) {
            if (hop.name() != sender) relay(hop, datagram, payloadLength);
        }
    }

    private void relayTowards(SleeveRoutes current, MemorySegment datagram, long destination, long sender, int payloadLength) {
        SleevePeer hop = current.nextHop(destination);
        if (hop == null || hop.name() == sender) {
            counters.increment(Counter.DROPPED_NO_ROUTE);
            return;
        }
        SleeveHeader.rewriteSender(datagram, self);
        relay(hop, datagram, payloadLength);
    }

    private void relay(SleevePeer hop, MemorySegment datagram, int payloadLength) {
        out.send(hop, datagram, payloadLength, paths.datagramPayloadFor(hop));
        counters.increment(Counter.FRAMES_RELAYED);
    }
}

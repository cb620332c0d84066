package weft.router.sleeve;

import weft.kernel.EnumCounters;
import weft.router.sleeve.SleeveCounters.Counter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * One queue of the port and the thread that serves it: reads the queue's frames, decides where each goes (the peer
 * its destination MAC lives behind, by way of the next hop; or, for a flood, along the broadcast tree or to each
 * peer the fast path does not reach), and hands it to its {@link HopSender}, small unicast frames by way of its
 * {@link PendingBatch}. A frame too large for its path with don't-fragment set is answered with an ICMP
 * "fragmentation needed" into the queue instead. The first lane also runs the path MTU rounds.
 *
 * <p>Everything here (the frame buffer, the ICMP reply, the pending batch, the hop sender) is owned by the lane's
 * thread; what it shares it only reads: the routing, the paths, the MAC table (which it may also tell that a local
 * source is no longer behind a peer).
 */
final class SendLane {
    /** How many frames one pump may take from the port, so that the path MTU rounds keep their pace. */
    static final int BATCH_READS = 64;
    private static final int VNET = VnetHeader.LENGTH;

    private final int number;
    private final FramePort source;
    private final int portVnet;
    private final int maxFrameLength;
    private final long self;
    private final MacTable macs;
    private final SleeveRouting routing;
    private final PathDiscovery paths;
    private final LongSupplier nanoClock;
    private final EnumCounters.Writer<Counter> counters;
    private final HopSender out;
    private final PendingBatch pending;
    /** The datagram being worked on, in clear: the frame read from the port is its payload, at {@link SleeveHeader#LENGTH}. */
    private final MemorySegment plain;
    /** Where the port reads into: the payload, at most a 64 KiB segment and its virtio_net_hdr. */
    private final MemorySegment fromPort;
    /** The header of a datagram whose payload starts a virtio_net_hdr later. */
    private final MemorySegment shifted;
    /** Where an ICMP "fragmentation needed" is built, behind room for a virtio_net_hdr. */
    private final MemorySegment icmpReply, icmpReplyAfterVnet;

    /**
     * @param number   the lane number its {@code out} seals with; {@link SleeveCipher#SEND_LANE} runs the path rounds
     * @param counters the lane's thread's writer, which {@code out} counts with too
     */
    SendLane(int number, FramePort source, int maxFrameLength, Arena arena, HopSender out, SleeveRouting routing,
             PathDiscovery paths, LongSupplier nanoClock, EnumCounters.Writer<Counter> counters) {
        this.number = number;
        this.source = source;
        this.portVnet = source.vnetHeaderLength();
        this.maxFrameLength = maxFrameLength;
        this.self = routing.self();
        this.macs = routing.macs();
        this.routing = routing;
        this.paths = paths;
        this.nanoClock = nanoClock;
        this.counters = counters;
        this.out = out;
        this.pending = new PendingBatch(self, arena, out, counters);
        this.plain = arena.allocate(SleeveForwarder.BUFFER_BYTES, 64);
        this.fromPort = plain.asSlice(SleeveHeader.LENGTH, SleeveHeader.MAX_REASSEMBLED);
        this.shifted = plain.asSlice(VNET);
        this.icmpReply = arena.allocate(VNET + IcmpFragmentationNeeded.MAX_LENGTH, 64);
        this.icmpReplyAfterVnet = icmpReply.asSlice(VNET);
    }

    int number() {
        return number;
    }

    /**
     * Waits up to {@code timeoutMillis} for a frame and moves it, and while small ones for one destination keep
     * coming (the port had them queued), takes them too and lets them share a datagram; at most
     * {@link #BATCH_READS} frames. Returns the frames moved.
     */
    int pump(int timeoutMillis) {
        int read = source.read(fromPort, timeoutMillis);
        long now = nanoClock.getAsLong();
        if (number == SleeveCipher.SEND_LANE) paths.tick(now); // one lane runs the path MTU rounds
        int moved = 0;
        while (read > 0) {
            moved++;
            pumpFrame(read, now);
            if (pending.isEmpty() || moved == BATCH_READS) break;
            read = source.read(fromPort, 0);
        }
        pending.flush();
        return moved;
    }

    private void pumpFrame(int read, long now) {
        counters.increment(Counter.FRAMES_FROM_TAP);
        int length = read - portVnet;
        if (length < EthernetFrame.HEADER_LENGTH) return;
        int frameOffset = SleeveHeader.LENGTH + portVnet;
        // The payload keeps the virtio_net_hdr only when the frame still needs segmenting; otherwise the checksum
        // the kernel left undone is completed here and the datagram starts past the header, as without offloads.
        boolean keepVnet = portVnet != 0 && VnetHeader.needsSegmentation(plain, SleeveHeader.LENGTH);
        if (!keepVnet && length > maxFrameLength) {
            counters.increment(Counter.FRAMES_TOO_LARGE);
            return;
        }
        if (portVnet != 0 && !keepVnet
                && !VnetHeader.completeChecksum(plain, SleeveHeader.LENGTH, plain, frameOffset, length)) {
            counters.increment(Counter.DROPPED_BAD_VNET_HEADER);
            return;
        }
        MemorySegment datagram = portVnet != 0 && !keepVnet ? shifted : plain;
        int payloadLength = keepVnet ? read : length;
        // A frame from a local port proves its source lives here, even if we last saw it behind a peer.
        long sourceMac = EthernetFrame.source(plain, frameOffset);
        if (macs.lookup(sourceMac, now) != MacTable.UNKNOWN) macs.forget(sourceMac);

        SleeveRoutes current = routing.routes();
        long destination = EthernetFrame.destination(plain, frameOffset);
        long owner = EthernetFrame.isGroup(destination) ? MacTable.UNKNOWN : macs.lookup(destination, now);
        SleevePeer hop = owner == MacTable.UNKNOWN ? null : current.nextHop(owner);
        long[] fast = routing.fast(), settled = routing.settled();
        if (hop != null && settled.length != 0 && Arrays.binarySearch(settled, owner) >= 0) {
            counters.increment(Counter.FRAMES_LEFT_TO_FAST_PATH);
            return;
        }
        if (hop != null) {
            int limit = paths.datagramPayloadFor(hop);
            if (!keepVnet && payloadLength > limit && IcmpFragmentationNeeded.isIpv4WithDontFragment(plain, frameOffset, length)) {
                answerFragmentationNeeded(frameOffset, length, limit - EthernetFrame.HEADER_LENGTH);
                return;
            }
            if (!keepVnet && PendingBatch.takes(payloadLength, limit)) {
                pending.add(hop, owner, datagram, payloadLength, limit);
                return;
            }
            pending.flush(); // in the order they came
            out.sendLocal(hop, false, owner, datagram, payloadLength, keepVnet, limit);
            return;
        }
        pending.flush();
        if (fast.length != 0) {
            floodToSleevePeers(current, fast, datagram, payloadLength, keepVnet);
            return;
        }
        SleevePeer[] hops = current.broadcastHops(self);
        if (hops.length == 0) {
            counters.increment(Counter.FRAMES_NOT_SENT_NO_PEERS);
            return;
        }
        counters.increment(Counter.FRAMES_FLOODED);
        for (SleevePeer each : hops) out.sendLocal(each, true, 0, datagram, payloadLength, keepVnet, paths.datagramPayloadFor(each));
    }

    /**
     * Floods a frame while the fast path reaches some peers: the kernel sends it to those, so the sleeve sends one
     * copy addressed to each other peer (relayed where it is not a neighbour). A broadcast tree would reach the
     * fast peers a second time through relays.
     */
    private void floodToSleevePeers(SleeveRoutes current, long[] fast, MemorySegment datagram, int payloadLength, boolean vnet) {
        counters.increment(Counter.FRAMES_FLOODED);
        for (long destination : current.destinations()) {
            if (Arrays.binarySearch(fast, destination) >= 0) continue;
            SleevePeer hop = current.nextHop(destination);
            if (hop == null) continue;
            out.sendLocal(hop, false, destination, datagram, payloadLength, vnet, paths.datagramPayloadFor(hop));
        }
    }

    /** Writes an ICMP "fragmentation needed" for the frame at {@code plain[frameOffset..]} back into the port. */
    private void answerFragmentationNeeded(int frameOffset, int length, int nextHopMtu) {
        int replyLength = IcmpFragmentationNeeded.write(plain, frameOffset, length, nextHopMtu, icmpReply, VNET);
        if (portVnet != 0) {
            VnetHeader.clear(icmpReply, 0);
            source.write(icmpReply, replyLength + VNET);
        } else {
            source.write(icmpReplyAfterVnet, replyLength);
        }
        counters.increment(Counter.FRAG_NEEDED_SENT);
    }
}

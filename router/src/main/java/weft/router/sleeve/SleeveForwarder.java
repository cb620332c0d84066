package weft.router.sleeve;

import weft.router.sleeve.SleeveCounters.Counter;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The userspace data path. Frames read from the local {@link FramePort} go to the peer their destination MAC lives
 * behind, by way of the next hop the {@link SleeveRoutes} give, or, when the destination is unknown, broadcast or
 * multicast, along the broadcast tree of this peer; one UDP datagram each, sealed for the hop when the pair
 * encrypts. When the port hands over frames behind a {@code virtio_net_hdr} (a TAP with offloads), a segment of up
 * to 64 KiB travels with its header: sealed once, as a whole, then cut into fragments that each fit one datagram of
 * the path, reassembled and opened by the next hop, and written whole, header included, by the peer it is for. A
 * frame that needs no segmentation has its checksum completed here and travels without the header. Datagrams from
 * neighbours are checked and opened; their frame's source MAC is learned behind the peer the frame came from; the
 * frame goes to the port if it is for us (or a broadcast), and on to the next hops if it is for others.
 *
 * <p>Small unicast frames that the port has ready together, for one peer, share a datagram ({@link FrameBatch}):
 * one system call and one seal for all of them. A frame that comes alone is sent at once, as before.
 *
 * <p>Sealing a segment once rather than each of its datagrams is what makes the encrypted sleeve fast: the JDK's
 * AES-GCM costs about 0.6 µs of set-up per call, and seals 64 KiB at about 16 GB/s but 1400 bytes at about 2 GB/s.
 * Nothing is lost by it: a segment missing one fragment was already given up whole.
 *
 * <p>With {@link #discoverPathMtu} each neighbour gets its own {@link PathMtu}, learned with don't-fragment probes
 * the neighbour acknowledges, and the payloads sent to it are split to fit that path rather than a 1500-byte one.
 * A frame that needs no segmentation, too large for the path, carrying IPv4 with don't-fragment set, is answered
 * with an ICMP "fragmentation needed" written back into the port ({@link IcmpFragmentationNeeded}), so the
 * sending kernel lowers its path MTU; other such frames travel as fragments. A relay rebuilds a fragmented frame
 * and cuts it again for its own onward path.
 *
 * <p>Two platform threads: one owns the sending side ({@link #pumpLocalFrame}), one the receiving and relaying
 * side ({@link #receiveDatagram}); each has its own buffers, so neither allocates per frame for them. Tests call
 * the two duty methods directly.
 */
public final class SleeveForwarder implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SleeveForwarder.class.getName());
    /** Room for the largest payload (a 64 KiB segment and its virtio_net_hdr) behind a header, and for any UDP datagram. */
    private static final int BUFFER_BYTES = 1 << 17;
    private static final int POLL_MILLIS = 200;
    /** What one datagram may carry on a 1500-byte underlay: 1500 - 20 IP - 8 UDP - header - tag. */
    public static final int DEFAULT_DATAGRAM_PAYLOAD = 1500 - 20 - 8 - SleeveHeader.LENGTH - SleeveHeader.TAG_LENGTH;
    /**
     * The widest path the sleeve fills, a jumbo frame's 9216 bytes: the send lane keeps a datagram-sized buffer per
     * fragment of a 64 KiB segment over the narrowest path, about a megabyte at this width (loopback's 65536 would
     * need gigabytes). Wider underlays still work, their frames cut to this.
     */
    public static final int MAX_PATH_MTU = 9216;
    /** The largest frame that may share a datagram, and how many frames one pump may take from the port. */
    static final int BATCHED_FRAME_MAX = 512, BATCH_READS = 64;
    /** Frames in reassembly at once, in all and per neighbour (whose every lane may be sending one). */
    static final int REASSEMBLY_SLOTS = 32, REASSEMBLY_PER_SENDER = SleeveCipher.MAX_LANES;
    static final long REASSEMBLY_STALE_NANOS = 500_000_000L;
    private static final int VNET = VnetHeader.LENGTH;
    /** Path MTU discovery: how often the sending thread looks at the rounds, how long a round waits for acknowledgements, how often rounds repeat. */
    static final long PATH_TICK_NANOS = 100_000_000L, PROBE_ACK_WAIT_NANOS = 1_000_000_000L;
    static final long PROBE_INTERVAL_NANOS = 600_000_000_000L, PROBE_RETRY_NANOS = 5_000_000_000L;
    /** How often a single probe checks that the path still carries its believed MTU. */
    static final long PROBE_CHECK_NANOS = 10_000_000_000L;
    /** Padding of a probe acknowledgement: the shortest payload a datagram may have. */
    private static final int PROBE_ACK_PAYLOAD = SleeveHeader.MIN_FRAME;

    private final long self;
    private final FramePort port;
    private final int portVnet;
    private final SleeveSocket udp;
    private final SleevePeers neighbours;
    private final MacTable macs;
    private final SleeveCounters counters;
    private final LongSupplier nanoClock;
    private final int maxFrameLength;
    private final int datagramPayload;
    private volatile SleeveRoutes routes;
    /** Peers the kernel fast path carries frames to, sorted: floods leave them out. */
    private volatile long[] fastPeers = new long[0];
    /** Fast peers that have been fast for a while, sorted: unicast frames for them are left to the kernel. */
    private volatile long[] settledPeers = new long[0];

    private final Arena arena = Arena.ofShared();
    /** The first reads the port given at construction; {@link #addQueue} adds one per further queue. */
    private Lane[] sendLanes;
    private final Lane receiveLane;
    private final int mostFragments, slotBytes;
    private final SleeveHeader receiveHeader = new SleeveHeader();
    private final FrameReassembly reassembly;
    /** The datagram each reassembly slot rebuilds. */
    private final Views[] slotViews;
    /** Where the receiving thread's socket puts a batch, each datagram handled where it lands, and their views. */
    private final MemorySegment[] receiveSlots;
    private final Views[] receiveViews;
    private final int[] receivedLengths;
    private static final int RECEIVE_BATCH = 32, RECEIVE_SLOT_BYTES = 2048;

    /** A neighbour and the path towards it. */
    private record Path(SleevePeer peer, PathMtu mtu) {}
    private static final Path[] NO_PATHS = new Path[0];
    private volatile DontFragmentSender probes; // set before start
    /** Written by the sending thread, read by both. */
    private volatile Path[] paths = NO_PATHS;
    private SleevePeer[] pathsOf; // sending thread only: the neighbours paths was built for
    private long nextPathTick; // sending thread only
    private final MemorySegment probeDatagram;
    private final PathProber prober = new PathProber();

    private volatile boolean running;
    private Thread[] senders = new Thread[0];
    private Thread receiver;

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

    /**
     * One thread's buffers: the datagram it is working on in clear ({@link #plain}, the payload at
     * {@link SleeveHeader#LENGTH}), a scratch datagram to seal for one hop, and one datagram per fragment.
     */
    private final class Lane {
        final int number;
        /** Where a sending lane reads frames from and writes ICMP answers to; the receiving lane has none. */
        final FramePort source;
        /** Where an ICMP "fragmentation needed" is built, behind room for a virtio_net_hdr. */
        final MemorySegment icmpReply, icmpReplyAfterVnet;
        /** The next fragmented frame's id: each lane counts in its own residue class, so lanes never share an id. */
        int nextFrameId;
        final MemorySegment plain = arena.allocate(BUFFER_BYTES, 64);
        /** Where the port reads into: the payload, at most a 64 KiB segment and its virtio_net_hdr. */
        final MemorySegment fromPort = plain.asSlice(SleeveHeader.LENGTH, SleeveHeader.MAX_REASSEMBLED);
        /** The header of a datagram whose payload starts a virtio_net_hdr later. */
        final MemorySegment shifted = plain.asSlice(VNET);
        final MemorySegment scratch = arena.allocate(BUFFER_BYTES, 64);
        /** One datagram per fragment of the largest payload, so a frame's fragments leave in one batch. */
        final MemorySegment[] fragments;
        /**
         * Small frames for one destination that came together and will share a datagram: a {@link FrameBatch} at
         * {@link SleeveHeader#LENGTH}; {@link #pendingSingle} is the datagram that carries the first frame alone.
         */
        final MemorySegment pending = arena.allocate(SleeveHeader.LENGTH + MAX_PATH_MTU, 64);
        final MemorySegment pendingSingle = pending.asSlice(FrameBatch.PREFIX);
        SleevePeer pendingHop;
        long pendingOwner;
        int pendingFrames, pendingLength, pendingLimit;
        /**
         * The receiving lane's place to deliver a batch's frames from, one at a time: its scratch, which only relaying
         * seals into, and a batch is either relayed or delivered.
         */
        final Views deliveryViews = Views.of(scratch);
        final int[] batchLengths;
        /** This lane's own batches: the lanes' threads send at the same time. */
        final SleeveSocket.Sender sender;
        int batched;

        Lane(int number, FramePort source, int fragmentSlots, int slotBytes) {
            this.number = number;
            this.source = source;
            this.nextFrameId = number;
            this.icmpReply = arena.allocate(VNET + IcmpFragmentationNeeded.MAX_LENGTH, 64);
            this.icmpReplyAfterVnet = icmpReply.asSlice(VNET);
            this.sender = udp.newSender();
            MemorySegment all = arena.allocate((long) fragmentSlots * slotBytes, 64);
            fragments = new MemorySegment[fragmentSlots];
            for (int i = 0; i < fragmentSlots; i++) fragments[i] = all.asSlice((long) i * slotBytes, slotBytes);
            batchLengths = new int[Math.max(fragmentSlots, 1)];
        }

        private InetSocketAddress batchTo;

        void startBatch(SleevePeer hop) {
            batchTo = hop.endpoint();
            sender.startBatch(batchTo);
            batched = 0;
        }

        void batch(MemorySegment datagram, int length) {
            if (!sender.add(datagram, length)) {
                flush();
                sender.startBatch(batchTo);
                sender.add(datagram, length);
            }
            batchLengths[batched++] = length;
        }

        /** Sends what was batched; counts the datagrams and bytes sent, and those lost. */
        void flush() {
            int sent = sender.flush();
            long bytes = 0;
            for (int i = 0; i < sent && i < batched; i++) bytes += batchLengths[i];
            counters.add(Counter.FRAMES_SENT, sent);
            counters.add(Counter.BYTES_SENT, bytes);
            if (sent < batched) counters.add(Counter.SEND_ERRORS, batched - sent);
            batched = 0;
        }
    }

    /**
     * @param maxFrameLength  the largest frame (Ethernet header included) that is sent unless the port marks it
     *                        for segmentation; larger ones are counted and dropped, since the overlay MTU says they
     *                        should not exist
     * @param datagramPayload the most payload one datagram carries (the path MTU less IP, UDP, header and tag);
     *                        larger payloads are sent as fragments
     */
    public SleeveForwarder(long self, FramePort port, SleeveSocket udp, SleevePeers neighbours, MacTable macs,
                           SleeveCounters counters, LongSupplier nanoClock, int maxFrameLength, int datagramPayload) {
        if (maxFrameLength < SleeveHeader.MIN_FRAME || maxFrameLength > SleeveHeader.MAX_REASSEMBLED - VNET) {
            throw new IllegalArgumentException("maxFrameLength " + maxFrameLength);
        }
        if (datagramPayload < 64 + SleeveHeader.FRAGMENT_LENGTH || datagramPayload > MAX_PATH_MTU - PathMtu.OVERHEAD) {
            throw new IllegalArgumentException("datagramPayload " + datagramPayload);
        }
        if (port.vnetHeaderLength() != 0 && port.vnetHeaderLength() != VNET) {
            throw new IllegalArgumentException("virtio_net_hdr of " + port.vnetHeaderLength() + " bytes");
        }
        this.self = self;
        this.port = port;
        this.portVnet = port.vnetHeaderLength();
        this.udp = udp;
        this.neighbours = neighbours;
        this.macs = macs;
        this.counters = counters;
        this.nanoClock = nanoClock;
        this.maxFrameLength = maxFrameLength;
        this.datagramPayload = datagramPayload;
        this.routes = new DirectRoutes(self, neighbours);
        int slotBytes = SleeveHeader.LENGTH + datagramPayload + SleeveHeader.TAG_LENGTH;
        // the narrowest path MTU believed sets how many fragments a payload may need
        int narrowestShare = maxShare(Math.min(datagramPayload, PathMtu.MIN_MTU - PathMtu.OVERHEAD));
        this.mostFragments = Math.min(SleeveHeader.MAX_FRAGMENTS, (SleeveHeader.MAX_STREAM + narrowestShare - 1) / narrowestShare);
        this.slotBytes = slotBytes;
        this.sendLanes = new Lane[]{new Lane(SleeveCipher.SEND_LANE, port, mostFragments, slotBytes)};
        this.receiveLane = new Lane(SleeveCipher.RELAY_LANE, null, mostFragments, slotBytes);
        this.probeDatagram = arena.allocate(slotBytes, 64);
        receiveSlots = new MemorySegment[RECEIVE_BATCH];
        receivedLengths = new int[RECEIVE_BATCH];
        receiveSlots[0] = receiveLane.plain;
        // as large as the datagrams sent, so that a jumbo path's datagrams neither wait for the lane nor get cut
        int asideBytes = Math.max(RECEIVE_SLOT_BYTES, slotBytes);
        MemorySegment aside = arena.allocate((long) (RECEIVE_BATCH - 1) * asideBytes, 64);
        for (int i = 1; i < RECEIVE_BATCH; i++) receiveSlots[i] = aside.asSlice((long) (i - 1) * asideBytes, asideBytes);
        receiveViews = new Views[RECEIVE_BATCH];
        for (int i = 0; i < RECEIVE_BATCH; i++) receiveViews[i] = Views.of(receiveSlots[i]);
        this.reassembly = new FrameReassembly(arena, REASSEMBLY_SLOTS, REASSEMBLY_PER_SENDER, REASSEMBLY_STALE_NANOS,
                () -> counters.increment(Counter.DROPPED_REASSEMBLY_GIVEN_UP));
        slotViews = new Views[REASSEMBLY_SLOTS];
        for (int i = 0; i < REASSEMBLY_SLOTS; i++) slotViews[i] = Views.of(reassembly.buffer(i));
    }

    /** The most a fragment carries of what follows the header, where a whole datagram carries {@code datagramPayload} and a tag. */
    private static int maxShare(int datagramPayload) {
        return datagramPayload + SleeveHeader.TAG_LENGTH - SleeveHeader.FRAGMENT_LENGTH;
    }

    /** Replaces the routes, for instance after the topology changed; safe from any thread. */
    public void routes(SleeveRoutes newRoutes) {
        routes = newRoutes;
    }

    /**
     * Names the peers the kernel fast path reaches now, and those it has reached for a while (safe from any thread).
     * A flood goes, peer by peer, only to the peers not fast: the bridge floods to the VXLAN port too, and the kernel
     * reaches the fast ones. A unicast frame for a settled peer that still comes through the port is dropped, since
     * the bridge sends such frames to the VXLAN port once it has learnt where they go; one for a peer that has just
     * become fast is still carried, because until the peer switches too its replies come by sleeve and teach the
     * bridge to send the next frames here.
     */
    public void fastPeers(long[] fast, long[] settled) {
        long[] sortedFast = fast.clone(), sortedSettled = settled.clone();
        java.util.Arrays.sort(sortedFast);
        java.util.Arrays.sort(sortedSettled);
        fastPeers = sortedFast;
        settledPeers = sortedSettled;
    }

    /**
     * Learns a path MTU per neighbour with probes sent through {@code sender} (closed with the forwarder), instead
     * of assuming the underlay carries {@code datagramPayload}. Before {@link #start} only.
     */
    public synchronized void discoverPathMtu(DontFragmentSender sender) {
        if (running) throw new IllegalStateException("already started");
        probes = sender;
        nextPathTick = nanoClock.getAsLong();
    }

    /** The path MTU believed towards each neighbour with discovery on, by peer name; safe from any thread. */
    public Map<Long, Integer> pathMtus() {
        Map<Long, Integer> mtus = new TreeMap<>();
        for (Path path : paths) mtus.put(path.peer().name(), path.mtu().mtu());
        return mtus;
    }

    /**
     * Adds a sending lane, with its own thread once started, for another queue of a multi-queue port: the kernel
     * spreads flows over the queues, and each lane reads, seals and sends its queue's frames on its own core.
     * Before {@link #start} only.
     */
    public synchronized void addQueue(FramePort queue) {
        if (running) throw new IllegalStateException("already started");
        if (queue.vnetHeaderLength() != portVnet) throw new IllegalArgumentException("a queue with another virtio_net_hdr");
        int number = sendLanes.length == 1 ? SleeveCipher.RELAY_LANE + 1 : sendLanes[sendLanes.length - 1].number + 1;
        if (number >= SleeveCipher.MAX_LANES) throw new IllegalArgumentException("at most " + (SleeveCipher.MAX_LANES - 1) + " queues");
        Lane[] more = java.util.Arrays.copyOf(sendLanes, sendLanes.length + 1);
        more[sendLanes.length] = new Lane(number, queue, mostFragments, slotBytes);
        sendLanes = more;
    }

    public synchronized void start() {
        if (running) throw new IllegalStateException("already started");
        running = true;
        senders = new Thread[sendLanes.length];
        for (int i = 0; i < sendLanes.length; i++) {
            Lane lane = sendLanes[i];
            senders[i] = Thread.ofPlatform().name("weft-sleeve-send-" + i).start(() -> runSender(lane));
        }
        receiver = Thread.ofPlatform().name("weft-sleeve-receive").start(this::runReceiver);
    }

    private void runSender(Lane lane) {
        while (running) {
            try {
                pump(lane, POLL_MILLIS);
            } catch (RuntimeException e) {
                if (running) LOG.log(System.Logger.Level.ERROR, "sleeve send path failed; continuing", e);
            }
        }
    }

    private void runReceiver() {
        while (running) {
            try {
                receiveDatagram();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (running) LOG.log(System.Logger.Level.ERROR, "sleeve receive path failed; continuing", e);
            }
        }
    }

    /**
     * Sending duty cycle of the first lane: waits for a frame from the port and moves it to the network, with the
     * frames that are ready right behind it; returns the frames moved.
     */
    public int pumpLocalFrame(int timeoutMillis) {
        return pump(sendLanes[0], timeoutMillis);
    }

    /**
     * Moves a frame, and while small ones for one destination keep coming (the port had them queued), takes them too
     * and lets them share a datagram ({@link FrameBatch}); at most {@link #BATCH_READS} frames, so that the path MTU
     * rounds keep their pace.
     */
    private int pump(Lane lane, int timeoutMillis) {
        int read = lane.source.read(lane.fromPort, timeoutMillis);
        long now = nanoClock.getAsLong();
        if (lane.number == SleeveCipher.SEND_LANE) tickPaths(now); // one lane runs the path MTU rounds
        int moved = 0;
        while (read > 0) {
            moved++;
            pumpFrame(lane, read, now);
            if (lane.pendingFrames == 0 || moved == BATCH_READS) break;
            read = lane.source.read(lane.fromPort, 0);
        }
        if (lane.pendingFrames != 0) flushPending(lane);
        return moved;
    }

    private void pumpFrame(Lane lane, int read, long now) {
        counters.increment(Counter.FRAMES_FROM_TAP);
        int length = read - portVnet;
        if (length < EthernetFrame.HEADER_LENGTH) return;
        int frameOffset = SleeveHeader.LENGTH + portVnet;
        // The payload keeps the virtio_net_hdr only when the frame still needs segmenting; otherwise the checksum
        // the kernel left undone is completed here and the datagram starts past the header, as without offloads.
        boolean keepVnet = portVnet != 0 && VnetHeader.needsSegmentation(lane.plain, SleeveHeader.LENGTH);
        if (!keepVnet && length > maxFrameLength) {
            counters.increment(Counter.FRAMES_TOO_LARGE);
            return;
        }
        if (portVnet != 0 && !keepVnet
                && !VnetHeader.completeChecksum(lane.plain, SleeveHeader.LENGTH, lane.plain, frameOffset, length)) {
            counters.increment(Counter.DROPPED_BAD_VNET_HEADER);
            return;
        }
        MemorySegment datagram = portVnet != 0 && !keepVnet ? lane.shifted : lane.plain;
        int payloadLength = keepVnet ? read : length;
        // A frame from a local port proves its source lives here, even if we last saw it behind a peer.
        long source = EthernetFrame.source(lane.plain, frameOffset);
        if (macs.lookup(source, now) != MacTable.UNKNOWN) macs.forget(source);

        SleeveRoutes current = routes;
        long destination = EthernetFrame.destination(lane.plain, frameOffset);
        long owner = EthernetFrame.isGroup(destination) ? MacTable.UNKNOWN : macs.lookup(destination, now);
        SleevePeer hop = owner == MacTable.UNKNOWN ? null : current.nextHop(owner);
        long[] fast = fastPeers, settled = settledPeers;
        if (hop != null && settled.length != 0 && java.util.Arrays.binarySearch(settled, owner) >= 0) {
            counters.increment(Counter.FRAMES_LEFT_TO_FAST_PATH);
            return;
        }
        if (hop != null) {
            int limit = datagramPayloadFor(hop);
            if (!keepVnet && payloadLength > limit && IcmpFragmentationNeeded.isIpv4WithDontFragment(lane.plain, frameOffset, length)) {
                answerFragmentationNeeded(lane, frameOffset, length, limit - EthernetFrame.HEADER_LENGTH);
                return;
            }
            if (!keepVnet && payloadLength <= BATCHED_FRAME_MAX && 2 * (FrameBatch.PREFIX + payloadLength) <= limit) {
                addToPending(lane, hop, owner, datagram, payloadLength, limit);
                return;
            }
            if (lane.pendingFrames != 0) flushPending(lane); // in the order they came
            sendLocal(lane, hop, false, owner, datagram, payloadLength, keepVnet, limit);
            return;
        }
        if (lane.pendingFrames != 0) flushPending(lane);
        if (fast.length != 0) {
            floodToSleevePeers(lane, current, fast, datagram, payloadLength, keepVnet);
            return;
        }
        SleevePeer[] hops = current.broadcastHops(self);
        if (hops.length == 0) {
            counters.increment(Counter.FRAMES_NOT_SENT_NO_PEERS);
            return;
        }
        counters.increment(Counter.FRAMES_FLOODED);
        for (SleevePeer each : hops) sendLocal(lane, each, true, 0, datagram, payloadLength, keepVnet, datagramPayloadFor(each));
    }

    /**
     * Adds a small frame (at {@link SleeveHeader#LENGTH} in {@code datagram}) to the lane's pending batch, after
     * sending what is pending when it is for another destination or full.
     */
    private void addToPending(Lane lane, SleevePeer hop, long owner, MemorySegment datagram, int frameLength, int limit) {
        if (lane.pendingFrames != 0 && (lane.pendingOwner != owner || lane.pendingHop.name() != hop.name()
                || lane.pendingLength + FrameBatch.PREFIX + frameLength > lane.pendingLimit)) {
            flushPending(lane);
        }
        if (lane.pendingFrames == 0) {
            lane.pendingHop = hop;
            lane.pendingOwner = owner;
            lane.pendingLimit = limit;
            lane.pendingLength = 0;
        }
        long at = SleeveHeader.LENGTH + lane.pendingLength;
        FrameBatch.putLength(lane.pending, at, frameLength);
        MemorySegment.copy(datagram, SleeveHeader.LENGTH, lane.pending, at + FrameBatch.PREFIX, frameLength);
        lane.pendingLength += FrameBatch.PREFIX + frameLength;
        lane.pendingFrames++;
    }

    /** Sends the pending frames: one alone as any frame, several as a batch. */
    private void flushPending(Lane lane) {
        SleevePeer hop = lane.pendingHop;
        if (lane.pendingFrames == 1) {
            // the frame sits behind its length prefix: the header goes right before it
            sendLocal(lane, hop, false, lane.pendingOwner, lane.pendingSingle, lane.pendingLength - FrameBatch.PREFIX, false, lane.pendingLimit);
        } else {
            SleeveHeader.write(lane.pending, false, self, self, lane.pendingOwner, lane.pendingLength);
            SleeveHeader.markBatch(lane.pending);
            send(lane, hop, lane.pending, lane.pendingLength, lane.pendingLimit);
            counters.add(Counter.FRAMES_BATCHED, lane.pendingFrames);
        }
        lane.pendingFrames = 0;
        lane.pendingHop = null;
    }

    /**
     * Floods a frame while the fast path reaches some peers: the kernel sends it to those, so the sleeve sends one
     * copy addressed to each other peer (relayed where it is not a neighbour). A broadcast tree would reach the
     * fast peers a second time through relays.
     */
    private void floodToSleevePeers(Lane lane, SleeveRoutes current, long[] fast, MemorySegment datagram, int payloadLength, boolean vnet) {
        counters.increment(Counter.FRAMES_FLOODED);
        for (long destination : current.destinations()) {
            if (java.util.Arrays.binarySearch(fast, destination) >= 0) continue;
            SleevePeer hop = current.nextHop(destination);
            if (hop == null) continue;
            sendLocal(lane, hop, false, destination, datagram, payloadLength, vnet, datagramPayloadFor(hop));
        }
    }

    /** Sends a local payload, at {@link SleeveHeader#LENGTH} in {@code datagram}, to one hop. */
    private void sendLocal(Lane lane, SleevePeer hop, boolean broadcast, long owner, MemorySegment datagram, int payloadLength,
                           boolean vnet, int datagramPayload) {
        SleeveHeader.write(datagram, broadcast, self, self, owner, payloadLength);
        SleeveHeader.markVnet(datagram, vnet);
        send(lane, hop, datagram, payloadLength, datagramPayload);
    }

    /**
     * Sends the datagram in {@code datagram} (its header written, its payload of {@code payloadLength} bytes at
     * {@link SleeveHeader#LENGTH}) to {@code hop}: sealed for the hop when the pair encrypts, in one datagram when the
     * payload fits {@code datagramPayload}, else sealed whole and cut into fragments that leave in one batch.
     * {@code datagram}'s header may change; its payload does not.
     */
    private void send(Lane lane, SleevePeer hop, MemorySegment datagram, int payloadLength, int datagramPayload) {
        boolean whole = payloadLength <= datagramPayload;
        int stream = payloadLength + (hop.sealed() ? SleeveHeader.TAG_LENGTH : 0);
        int count = 0, chunk = 0;
        if (!whole) {
            int maxShare = maxShare(datagramPayload);
            count = (stream + maxShare - 1) / maxShare;
            chunk = (stream + count - 1) / count;
            count = (stream + chunk - 1) / chunk; // rounding the chunk up may leave the last fragment nothing
            if (count > lane.fragments.length) {
                counters.increment(Counter.FRAMES_TOO_LARGE);
                return;
            }
        }
        // A fragmented payload is sealed with 0 as its length: that is what the receiver rebuilds.
        SleeveHeader.payloadLength(datagram, whole ? payloadLength : 0);
        MemorySegment sent = datagram;
        if (hop.sealed()) {
            hop.cipher().seal(datagram, lane.scratch, payloadLength, lane.number);
            sent = lane.scratch;
        } else {
            SleeveHeader.markClear(datagram);
        }
        lane.startBatch(hop);
        if (whole) {
            lane.batch(sent, SleeveHeader.LENGTH + stream);
            lane.flush();
            return;
        }
        int frameId = lane.nextFrameId;
        lane.nextFrameId += SleeveCipher.MAX_LANES;
        long token = hop.sealed() ? hop.cipher().fragmentToken() : 0;
        for (int index = 0, offset = 0; index < count; index++, offset += chunk) {
            int share = Math.min(chunk, stream - offset);
            MemorySegment fragment = lane.fragments[index];
            MemorySegment.copy(sent, 0, fragment, 0, SleeveHeader.LENGTH);
            SleeveHeader.toFragment(fragment, frameId, index, count, chunk, token, share);
            MemorySegment.copy(sent, SleeveHeader.LENGTH + offset, fragment, SleeveHeader.LENGTH + SleeveHeader.FRAGMENT_LENGTH, share);
            lane.batch(fragment, SleeveHeader.LENGTH + SleeveHeader.FRAGMENT_LENGTH + share);
        }
        lane.flush();
        counters.add(Counter.FRAGMENTS_SENT, count);
    }

    /** The most payload one datagram to {@code hop} carries: its path's, or the configured one without discovery. */
    private int datagramPayloadFor(SleevePeer hop) {
        for (Path path : paths) {
            if (path.peer().name() == hop.name()) return Math.min(datagramPayload, path.mtu().datagramPayload());
        }
        return datagramPayload;
    }

    /** Writes an ICMP "fragmentation needed" for the frame at {@code plain[frameOffset..]} back into the port. */
    private void answerFragmentationNeeded(Lane lane, int frameOffset, int length, int nextHopMtu) {
        int replyLength = IcmpFragmentationNeeded.write(lane.plain, frameOffset, length, nextHopMtu, lane.icmpReply, VNET);
        if (portVnet != 0) {
            VnetHeader.clear(lane.icmpReply, 0);
            lane.source.write(lane.icmpReply, replyLength + VNET);
        } else {
            lane.source.write(lane.icmpReplyAfterVnet, replyLength);
        }
        counters.increment(Counter.FRAG_NEEDED_SENT);
    }

    /** Sending thread: follows the neighbours, and runs the path MTU rounds that are due; at most every PATH_TICK_NANOS. */
    private void tickPaths(long now) {
        DontFragmentSender sender = probes;
        if (sender == null || now - nextPathTick < 0) return;
        nextPathTick = now + PATH_TICK_NANOS;
        SleevePeer[] current = neighbours.snapshot();
        if (current != pathsOf) {
            paths = pathsFor(current, paths, now);
            pathsOf = current;
        }
        for (Path path : paths) {
            prober.hop = path.peer();
            int before = path.mtu().mtu();
            switch (path.mtu().tick(now, prober)) {
                case LOWERED -> {
                    counters.increment(Counter.PATH_MTU_LOWERED);
                    LOG.log(System.Logger.Level.INFO, "path MTU to " + path.peer().label() + " lowered from " + before + " to " + path.mtu().mtu());
                }
                case RAISED -> {
                    counters.increment(Counter.PATH_MTU_RAISED);
                    LOG.log(System.Logger.Level.INFO, "path MTU to " + path.peer().label() + " raised from " + before + " to " + path.mtu().mtu());
                }
                case NONE -> { }
            }
        }
    }

    /** The paths for {@code peers}: kept for a neighbour still at the same endpoint, new (starting wide) otherwise. */
    private Path[] pathsFor(SleevePeer[] peers, Path[] old, long now) {
        Path[] next = new Path[peers.length];
        for (int i = 0; i < peers.length; i++) {
            SleevePeer peer = peers[i];
            PathMtu kept = null;
            for (Path path : old) {
                if (path.peer().name() == peer.name() && path.peer().endpoint().equals(peer.endpoint())) kept = path.mtu();
            }
            next[i] = new Path(peer, kept != null ? kept : new PathMtu(datagramPayload + PathMtu.OVERHEAD, now,
                    PROBE_ACK_WAIT_NANOS, PROBE_INTERVAL_NANOS, PROBE_RETRY_NANOS, PROBE_CHECK_NANOS));
        }
        return next;
    }

    /** Sends the probes of a round to {@link #hop}, padded to the probed size and sealed like any datagram to it. */
    private final class PathProber implements PathMtu.Prober {
        SleevePeer hop;

        @Override
        public int probe(int round, int mtu) {
            int payload = mtu - PathMtu.OVERHEAD;
            MemorySegment datagram = probeDatagram;
            SleeveHeader.writeProbe(datagram, false, self, hop.name(), round, mtu, payload);
            int length = SleeveHeader.LENGTH + payload;
            if (hop.sealed()) {
                hop.cipher().seal(datagram, datagram, payload, SleeveCipher.SEND_LANE);
                length += SleeveHeader.TAG_LENGTH;
            } else {
                SleeveHeader.markClear(datagram);
            }
            counters.increment(Counter.PMTU_PROBES_SENT);
            return probes.send(hop.endpoint(), datagram, length);
        }

        @Override
        public int kernelMtu() {
            return probes.pathMtu(hop.endpoint());
        }
    }

    /** Receiving thread: acknowledges a probe from a neighbour, or hands its acknowledgement to the path. */
    private void onProbe(Lane lane, SleeveHeader header, SleevePeer neighbour, int payloadLength) {
        if (header.destination() != self || payloadLength < SleeveHeader.PROBE_MTU_OFFSET + 2 - SleeveHeader.LENGTH) {
            counters.increment(Counter.DROPPED_NO_ROUTE);
            return;
        }
        int round = header.probeRound(), mtu = header.probedMtu();
        if (header.isProbeAcknowledgement()) {
            counters.increment(Counter.PMTU_PROBES_ACKNOWLEDGED);
            for (Path path : paths) {
                if (path.peer().name() == neighbour.name()) path.mtu().onAcknowledged(round, mtu);
            }
            return;
        }
        counters.increment(Counter.PMTU_PROBES_ANSWERED);
        SleeveHeader.writeProbe(lane.plain, true, self, neighbour.name(), round, mtu, PROBE_ACK_PAYLOAD);
        lane.plain.asSlice(SleeveHeader.PROBE_MTU_OFFSET + 2, SleeveHeader.LENGTH + PROBE_ACK_PAYLOAD - SleeveHeader.PROBE_MTU_OFFSET - 2).fill((byte) 0);
        send(lane, neighbour, lane.plain, PROBE_ACK_PAYLOAD, datagramPayloadFor(neighbour));
    }

    /**
     * Receiving duty cycle: waits for datagrams (one with a channel socket, a batch with the native one) and
     * handles them; returns the frames written to the port.
     */
    public int receiveDatagram() throws IOException {
        int received = udp.receive(receiveSlots, receivedLengths, POLL_MILLIS);
        int frames = 0;
        for (int i = 0; i < received; i++) {
            // the first datagram arrived in the lane itself; the others are moved there (each no larger than a datagram sent)
            frames += handleDatagram(receiveViews[i], receivedLengths[i]);
        }
        return frames;
    }

    private int handleDatagram(Views views, int length) {
        Lane lane = receiveLane;
        counters.increment(Counter.DATAGRAMS_RECEIVED);
        counters.add(Counter.BYTES_RECEIVED, length);
        SleeveHeader header = receiveHeader;
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
        if (header.isFragment()) return receiveFragment(lane, views.datagram(), header, neighbour);
        int payloadLength = header.frameLength();
        if (neighbour.sealed()) {
            SleeveCipher.Opened opened = neighbour.cipher().open(views.datagram(), payloadLength, header.sequence());
            if (opened != SleeveCipher.Opened.OK) {
                counters.increment(SleeveCounters.droppedFor(opened));
                return 0;
            }
        }
        return receiveWhole(lane, views, header, neighbour, payloadLength);
    }

    /** Handles an opened datagram from {@code neighbour}, in {@code views}: a probe, or a frame to deliver, relay, or both. */
    private int receiveWhole(Lane lane, Views views, SleeveHeader header, SleevePeer neighbour, int payloadLength) {
        long origin = header.origin();
        if (origin == self) {
            counters.increment(Counter.DROPPED_FROM_SELF);
            return 0;
        }
        if (header.isProbe()) {
            onProbe(lane, header, neighbour, payloadLength);
            return 0;
        }
        if (header.isBatch()) return receiveBatch(lane, views.datagram(), header, neighbour, payloadLength);
        boolean vnet = header.hasVnetHeader();
        long source = EthernetFrame.source(views.datagram(), SleeveHeader.LENGTH + (vnet ? VNET : 0));
        if (!EthernetFrame.isGroup(source)) macs.learn(source, origin, nanoClock.getAsLong());
        SleeveRoutes current = routes;
        long sender = neighbour.name();
        if (header.isBroadcast()) {
            // relay first: delivering may overwrite the end of the header with a virtio_net_hdr
            relayToBroadcastHops(lane, current, views.datagram(), origin, sender, payloadLength);
            return deliver(views, payloadLength, vnet);
        }
        long destination = header.destination();
        if (destination == self) return deliver(views, payloadLength, vnet);
        relayTowards(lane, current, views.datagram(), destination, sender, payloadLength);
        return 0;
    }

    /** Handles a batch of frames for one destination: each is learnt, and delivered here or the batch relayed whole. */
    private int receiveBatch(Lane lane, MemorySegment datagram, SleeveHeader header, SleevePeer neighbour, int payloadLength) {
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
            relayTowards(lane, routes, datagram, destination, neighbour.name(), payloadLength);
            return 0;
        }
        int delivered = 0;
        Views delivery = lane.deliveryViews;
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
    private int receiveFragment(Lane lane, MemorySegment fragment, SleeveHeader header, SleevePeer neighbour) {
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
        return receiveWhole(lane, views, header, neighbour, payloadLength);
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

    private void relayToBroadcastHops(Lane lane, SleeveRoutes current, MemorySegment datagram, long origin, long sender, int payloadLength) {
        SleevePeer[] hops = current.broadcastHops(origin);
        if (hops.length == 0) return;
        SleeveHeader.rewriteSender(datagram, self);
        for (SleevePeer hop : hops) {
            if (hop.name() != sender) relay(lane, hop, datagram, payloadLength);
        }
    }

    private void relayTowards(Lane lane, SleeveRoutes current, MemorySegment datagram, long destination, long sender, int payloadLength) {
        SleevePeer hop = current.nextHop(destination);
        if (hop == null || hop.name() == sender) {
            counters.increment(Counter.DROPPED_NO_ROUTE);
            return;
        }
        SleeveHeader.rewriteSender(datagram, self);
        relay(lane, hop, datagram, payloadLength);
    }

    private void relay(Lane lane, SleevePeer hop, MemorySegment datagram, int payloadLength) {
        send(lane, hop, datagram, payloadLength, datagramPayloadFor(hop));
        counters.increment(Counter.FRAMES_RELAYED);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        udp.shutdown(); // wakes the receiver waiting in receive()
        for (Thread sender : senders) sender.join();
        if (receiver != null) receiver.join();
        udp.close();
        DontFragmentSender sender = probes;
        if (sender != null) sender.close();
        arena.close();
    }
}

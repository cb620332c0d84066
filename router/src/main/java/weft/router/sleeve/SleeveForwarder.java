package weft.router.sleeve;

import weft.kernel.EnumCounters;
import weft.router.sleeve.SleeveCounters.Counter;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
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
 * <p>Threads: one platform thread per queue of the port, each serving its {@link SendLane}, and one serving the
 * {@link ReceiveLane}; each lane sends through a {@link HopSender} of its own, with its own buffers and socket batch,
 * so none allocates per frame or waits for another. This class wires them and is their public face: the
 * constructor, {@link #discoverPathMtu} and {@link #addQueue} before {@link #start}; {@link #routes},
 * {@link #fastPeers} and {@link #pathMtus} from any thread. Tests call the duty methods ({@link #pumpLocalFrame},
 * {@link #receiveDatagram}) directly instead of starting the threads.
 */
public final class SleeveForwarder implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SleeveForwarder.class.getName());
    /** Room for the largest payload (a 64 KiB segment and its virtio_net_hdr) behind a header, and for any UDP datagram. */
    static final int BUFFER_BYTES = 1 << 17;
    private static final int POLL_MILLIS = 200;
    /** What one datagram may carry on a 1500-byte underlay: 1500 - 20 IP - 8 UDP - header - tag. */
    public static final int DEFAULT_DATAGRAM_PAYLOAD = 1500 - 20 - 8 - SleeveHeader.LENGTH - SleeveHeader.TAG_LENGTH;
    /**
     * The widest path the sleeve fills, a jumbo frame's 9216 bytes: the send lane keeps a datagram-sized buffer per
     * fragment of a 64 KiB segment over the narrowest path, about a megabyte at this width (loopback's 65536 would
     * need gigabytes). Wider underlays still work, their frames cut to this.
     */
    public static final int MAX_PATH_MTU = 9216;

    private final SleeveSocket udp;
    private final int portVnet;
    private final SleeveCounters counters;
    private final LongSupplier nanoClock;
    private final int maxFrameLength;
    /** The largest datagram sent: a header, the configured datagram payload and a tag. */
    private final int slotBytes;
    private final SleeveRouting routing;
    private final PathDiscovery paths;
    private final Arena arena = Arena.ofShared();
    /** The first reads the port given at construction; {@link #addQueue} adds one per further queue. */
    private SendLane[] sendLanes;
    private final ReceiveLane receiveLane;

    /** Failures in a row after which a thread gives up: no frame gets through it any more. */
    private static final int FAILURES_IN_A_ROW = 100;
    private volatile boolean running;
    private Thread[] senders = new Thread[0];
    private Thread receiver;

    /**
     * @param maxFrameLength  the largest frame (Ethernet header included) that is sent unless the port marks it
     *                        for segmentation; larger ones are counted and dropped, since the overlay MTU says they
     *                        should not exist
     * @param datagramPayload the most payload one datagram carries (the path MTU less IP, UDP, header and tag);
     *                        larger payloads are sent as fragments
     */
    public SleeveForwarder(long self, FramePort port, SleeveSocket udp, SleevePeers neighbours, MacTable macs,
                           SleeveCounters counters, LongSupplier nanoClock, int maxFrameLength, int datagramPayload) {
        if (maxFrameLength < SleeveHeader.MIN_FRAME || maxFrameLength > SleeveHeader.MAX_REASSEMBLED - VnetHeader.LENGTH) {
            throw new IllegalArgumentException("maxFrameLength " + maxFrameLength);
        }
        if (datagramPayload < 64 + SleeveHeader.FRAGMENT_LENGTH || datagramPayload > MAX_PATH_MTU - PathMtu.OVERHEAD) {
            throw new IllegalArgumentException("datagramPayload " + datagramPayload);
        }
        if (port.vnetHeaderLength() != 0 && port.vnetHeaderLength() != VnetHeader.LENGTH) {
            throw new IllegalArgumentException("virtio_net_hdr of " + port.vnetHeaderLength() + " bytes");
        }
        this.udp = udp;
        this.portVnet = port.vnetHeaderLength();
        this.counters = counters;
        this.nanoClock = nanoClock;
        this.maxFrameLength = maxFrameLength;
        this.slotBytes = SleeveHeader.LENGTH + datagramPayload + SleeveHeader.TAG_LENGTH;
        this.routing = new SleeveRouting(self, neighbours, macs);
        this.paths = new PathDiscovery(self, neighbours, datagramPayload, nanoClock, arena, slotBytes, counters);
        this.sendLanes = new SendLane[]{newSendLane(SleeveCipher.SEND_LANE, port)};
        EnumCounters.Writer<Counter> received = counters.writer(); // the receiving thread's
        HopSender relays = new HopSender(SleeveCipher.RELAY_LANE, self, arena, udp.newSender(), slotBytes, received);
        this.receiveLane = new ReceiveLane(udp, port, arena, relays, slotBytes, routing, paths, nanoClock, received);
    }

    private SendLane newSendLane(int number, FramePort queue) {
        EnumCounters.Writer<Counter> counted = counters.writer(); // the lane's thread's
        HopSender out = new HopSender(number, routing.self(), arena, udp.newSender(), slotBytes, counted);
        return new SendLane(number, queue, maxFrameLength, arena, out, routing, paths, nanoClock, counted);
    }

    /** Replaces the routes, for instance after the topology changed; safe from any thread. */
    public void routes(SleeveRoutes newRoutes) {
        routing.routes(newRoutes);
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
        routing.fastPeers(fast, settled);
    }

    /**
     * Learns a path MTU per neighbour with probes sent through {@code sender} (closed with the forwarder), instead
     * of assuming the underlay carries {@code datagramPayload}. Before {@link #start} only.
     */
    public synchronized void discoverPathMtu(DontFragmentSender sender) {
        if (running) throw new IllegalStateException("already started");
        paths.discoverWith(sender);
    }

    /** The path MTU believed towards each neighbour with discovery on, by peer name; safe from any thread. */
    public Map<Long, Integer> pathMtus() {
        return paths.mtus();
    }

    /** What the sleeve heard from each neighbour, by peer name, told from now; safe from any thread. */
    public Map<Long, HeardFrom> heard() {
        long now = nanoClock.getAsLong();
        Map<Long, Long> acknowledged = paths.lastAcknowledgedNanos();
        Map<Long, HeardFrom> heard = new TreeMap<>();
        for (SleevePeer peer : routing.neighbours().snapshot()) {
            long datagrams = peer.traffic().receivedDatagrams();
            Long acknowledgedAt = acknowledged.get(peer.name());
            heard.put(peer.name(), new HeardFrom(datagrams, datagrams == 0 ? -1 : Math.max(0, now - peer.traffic().lastReceivedNanos()),
                    acknowledgedAt == null ? -1 : Math.max(0, now - acknowledgedAt)));
        }
        return heard;
    }

    /**
     * Adds a sending lane, with its own thread once started, for another queue of a multi-queue port: the kernel
     * spreads flows over the queues, and each lane reads, seals and sends its queue's frames on its own core.
     * Before {@link #start} only.
     */
    public synchronized void addQueue(FramePort queue) {
        if (running) throw new IllegalStateException("already started");
        if (queue.vnetHeaderLength() != portVnet) throw new IllegalArgumentException("a queue with another virtio_net_hdr");
        int number = sendLanes.length == 1 ? SleeveCipher.RELAY_LANE + 1 : sendLanes[sendLanes.length - 1].number() + 1;
        if (number >= SleeveCipher.MAX_LANES) throw new IllegalArgumentException("at most " + (SleeveCipher.MAX_LANES - 1) + " queues");
        SendLane[] more = Arrays.copyOf(sendLanes, sendLanes.length + 1);
        more[sendLanes.length] = newSendLane(number, queue);
        sendLanes = more;
    }

    public synchronized void start() {
        if (running) throw new IllegalStateException("already started");
        running = true;
        senders = new Thread[sendLanes.length];
        for (int i = 0; i < sendLanes.length; i++) {
            SendLane lane = sendLanes[i];
            senders[i] = Thread.ofPlatform().name("weft-sleeve-send-" + i).start(() -> runSender(lane));
        }
        receiver = Thread.ofPlatform().name("weft-sleeve-receive").start(this::runReceiver);
    }

    private void runSender(SendLane lane) {
        int failures = 0;
        while (running) {
            try {
                lane.pump(POLL_MILLIS);
                failures = 0;
            } catch (RuntimeException e) {
                failures = survive(e, failures, "send");
            }
        }
    }

    private void runReceiver() {
        int failures = 0;
        while (running) {
            try {
                receiveDatagram();
                failures = 0;
            } catch (ClosedChannelException e) {
                if (running) throw new IllegalStateException("the sleeve's UDP socket closed under it", e);
            } catch (IOException | RuntimeException e) {
                failures = survive(e, failures, "receive");
            }
        }
    }

    /**
     * A failure of one frame is logged and the path goes on; one that recurs with every frame (its device or socket
     * is gone) ends the thread, which fails the router (see the thread's uncaught-exception handler) instead of
     * spinning. Returns the failures in a row so far.
     */
    private int survive(Exception e, int failuresBefore, String path) {
        if (!running) return 0;
        int failures = failuresBefore + 1;
        if (failures == 1) LOG.log(System.Logger.Level.ERROR, "sleeve " + path + " path failed; continuing", e);
        if (failures >= FAILURES_IN_A_ROW) {
            throw new IllegalStateException("the sleeve's " + path + " path failed " + failures + " times in a row, last: " + e, e);
        }
        return failures;
    }

    /**
     * Sending duty cycle of the first lane: waits for a frame from the port and moves it to the network, with the
     * frames that are ready right behind it; returns the frames moved.
     */
    public int pumpLocalFrame(int timeoutMillis) {
        return sendLanes[0].pump(timeoutMillis);
    }

    /**
     * Receiving duty cycle: waits for datagrams (one with a channel socket, a batch with the native one) and
     * handles them; returns the frames written to the port.
     */
    public int receiveDatagram() throws IOException {
        return receiveLane.receive(POLL_MILLIS);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        udp.shutdown(); // wakes the receiver waiting in receive()
        for (Thread sender : senders) sender.join();
        if (receiver != null) receiver.join();
        udp.close();
        paths.close();
        arena.close();
    }
}

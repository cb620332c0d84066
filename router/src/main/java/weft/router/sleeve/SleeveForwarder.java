package weft.router.sleeve;

import weft.router.sleeve.SleeveCounters.Counter;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.function.LongSupplier;

/**
 * The userspace data path. Frames read from the local {@link FramePort} go to the peer their destination MAC lives
 * behind, by way of the next hop the {@link SleeveRoutes} give, or, when the destination is unknown, broadcast or
 * multicast, along the broadcast tree of this peer; one UDP datagram each, sealed for the hop when the pair
 * encrypts. Datagrams from neighbours are checked and opened; their frame's source MAC is learned behind the peer
 * the frame came from; the frame goes to the port if it is for us (or a broadcast), and on to the next hops if it
 * is for others.
 *
 * <p>Two platform threads: one owns the sending side ({@link #pumpLocalFrame}), one the receiving and relaying
 * side ({@link #receiveDatagram}); each has its own buffers, so neither allocates per frame for them. Tests call
 * the two duty methods directly.
 */
public final class SleeveForwarder implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SleeveForwarder.class.getName());
    /** Large enough for any frame a TAP without offloads hands over, and for any UDP datagram. */
    private static final int BUFFER_BYTES = 65_536;
    private static final int POLL_MILLIS = 200;

    private final long self;
    private final FramePort port;
    private final DatagramChannel udp;
    private final SleevePeers neighbours;
    private final MacTable macs;
    private final SleeveCounters counters;
    private final LongSupplier nanoClock;
    private final int maxFrameLength;
    private volatile SleeveRoutes routes;

    private final Arena arena = Arena.ofShared();
    private final Lane sendLane;
    private final Lane receiveLane;
    private final SleeveHeader receiveHeader = new SleeveHeader();

    private volatile boolean running;
    private Thread sender;
    private Thread receiver;

    /** One thread's buffers: the datagram it is working on in clear, and a scratch copy to seal for one hop. */
    private final class Lane {
        final int number;
        final MemorySegment plain = arena.allocate(BUFFER_BYTES, 64);
        final ByteBuffer plainBuffer = plain.asByteBuffer();
        final MemorySegment frame = plain.asSlice(SleeveHeader.LENGTH);
        final MemorySegment sealed = arena.allocate(BUFFER_BYTES, 64);
        final ByteBuffer sealedBuffer = sealed.asByteBuffer();

        Lane(int number) {
            this.number = number;
        }

        /** Sends the datagram in {@link #plain}, with a frame of {@code frameLength} bytes, to {@code hop}. */
        void transmit(SleevePeer hop, int frameLength) {
            int clearLength = SleeveHeader.LENGTH + frameLength;
            if (!hop.sealed()) {
                SleeveHeader.markClear(plain);
                send(hop, plainBuffer, clearLength);
                return;
            }
            MemorySegment.copy(plain, 0, sealed, 0, clearLength);
            hop.cipher().seal(sealed, frameLength, number);
            send(hop, sealedBuffer, clearLength + SleeveHeader.TAG_LENGTH);
        }
    }

    /**
     * @param maxFrameLength the largest frame (Ethernet header included) that is sent; larger ones are counted and
     *                       dropped, since the overlay MTU says they should not exist
     */
    public SleeveForwarder(long self, FramePort port, DatagramChannel udp, SleevePeers neighbours, MacTable macs,
                           SleeveCounters counters, LongSupplier nanoClock, int maxFrameLength) {
        if (maxFrameLength < SleeveHeader.MIN_FRAME || maxFrameLength > BUFFER_BYTES - SleeveHeader.LENGTH - SleeveHeader.TAG_LENGTH) {
            throw new IllegalArgumentException("maxFrameLength " + maxFrameLength);
        }
        this.self = self;
        this.port = port;
        this.udp = udp;
        this.neighbours = neighbours;
        this.macs = macs;
        this.counters = counters;
        this.nanoClock = nanoClock;
        this.maxFrameLength = maxFrameLength;
        this.routes = new DirectRoutes(self, neighbours);
        this.sendLane = new Lane(SleeveCipher.SEND_LANE);
        this.receiveLane = new Lane(SleeveCipher.RELAY_LANE);
    }

    /** Replaces the routes, for instance after the topology changed; safe from any thread. */
    public void routes(SleeveRoutes newRoutes) {
        routes = newRoutes;
    }

    public synchronized void start() {
        if (running) throw new IllegalStateException("already started");
        running = true;
        sender = Thread.ofPlatform().name("weft-sleeve-send").start(this::runSender);
        receiver = Thread.ofPlatform().name("weft-sleeve-receive").start(this::runReceiver);
    }

    private void runSender() {
        while (running) {
            try {
                pumpLocalFrame(POLL_MILLIS);
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

    /** Sending duty cycle: moves at most one frame from the port to the network; returns the frames moved. */
    public int pumpLocalFrame(int timeoutMillis) {
        Lane lane = sendLane;
        int length = port.read(lane.frame, timeoutMillis);
        if (length <= 0) return 0;
        counters.increment(Counter.FRAMES_FROM_TAP);
        if (length < EthernetFrame.HEADER_LENGTH) return 1;
        if (length > maxFrameLength) {
            counters.increment(Counter.FRAMES_TOO_LARGE);
            return 1;
        }
        long now = nanoClock.getAsLong();
        // A frame from a local port proves its source lives here, even if we last saw it behind a peer.
        long source = EthernetFrame.source(lane.frame, 0);
        if (macs.lookup(source, now) != MacTable.UNKNOWN) macs.forget(source);

        SleeveRoutes current = routes;
        long destination = EthernetFrame.destination(lane.frame, 0);
        long owner = EthernetFrame.isGroup(destination) ? MacTable.UNKNOWN : macs.lookup(destination, now);
        SleevePeer hop = owner == MacTable.UNKNOWN ? null : current.nextHop(owner);
        if (hop != null) {
            SleeveHeader.write(lane.plain, false, self, self, owner, length);
            lane.transmit(hop, length);
            return 1;
        }
        SleevePeer[] hops = current.broadcastHops(self);
        if (hops.length == 0) {
            counters.increment(Counter.FRAMES_NOT_SENT_NO_PEERS);
            return 1;
        }
        counters.increment(Counter.FRAMES_FLOODED);
        SleeveHeader.write(lane.plain, true, self, self, 0, length);
        for (SleevePeer each : hops) lane.transmit(each, length);
        return 1;
    }

    private void send(SleevePeer peer, ByteBuffer buffer, int datagramLength) {
        buffer.clear().limit(datagramLength);
        try {
            udp.send(buffer, peer.endpoint());
            counters.increment(Counter.FRAMES_SENT);
            counters.add(Counter.BYTES_SENT, datagramLength);
        } catch (IOException e) {
            // A peer whose host is unreachable for a moment must not stop the others; the count shows it.
            counters.increment(Counter.SEND_ERRORS);
        }
    }

    /** Receiving duty cycle: blocks for one datagram and handles it; returns the frames written to the port. */
    public int receiveDatagram() throws IOException {
        Lane lane = receiveLane;
        lane.plainBuffer.clear();
        InetSocketAddress from = (InetSocketAddress) udp.receive(lane.plainBuffer);
        if (from == null) return 0;
        int length = lane.plainBuffer.position();
        counters.increment(Counter.DATAGRAMS_RECEIVED);
        counters.add(Counter.BYTES_RECEIVED, length);
        SleeveHeader header = receiveHeader;
        SleeveHeader.Check check = header.wrap(lane.plain.asSlice(0, length));
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
        int frameLength = header.frameLength();
        if (neighbour.sealed() != header.isSealed()) {
            // Clear traffic from a peer we encrypt with could be anyone's; sealed traffic from one we do not cannot be opened.
            counters.increment(neighbour.sealed() ? Counter.DROPPED_NOT_SEALED : Counter.DROPPED_AUTHENTICATION_FAILED);
            return 0;
        }
        if (neighbour.sealed()) {
            SleeveCipher.Opened opened = neighbour.cipher().open(lane.plain, frameLength, header.sequence());
            if (opened != SleeveCipher.Opened.OK) {
                counters.increment(SleeveCounters.droppedFor(opened));
                return 0;
            }
        }
        long origin = header.origin();
        if (origin == self) {
            counters.increment(Counter.DROPPED_FROM_SELF);
            return 0;
        }
        long source = EthernetFrame.source(lane.frame, 0);
        if (!EthernetFrame.isGroup(source)) macs.learn(source, origin, nanoClock.getAsLong());
        SleeveRoutes current = routes;
        if (header.isBroadcast()) {
            port.write(lane.frame, frameLength);
            counters.increment(Counter.FRAMES_TO_TAP);
            SleevePeer[] hops = current.broadcastHops(origin);
            if (hops.length > 0) {
                SleeveHeader.rewriteSender(lane.plain, self);
                for (SleevePeer hop : hops) {
                    if (hop.name() != sender) relay(lane, hop, frameLength);
                }
            }
            return 1;
        }
        long destination = header.destination();
        if (destination == self) {
            port.write(lane.frame, frameLength);
            counters.increment(Counter.FRAMES_TO_TAP);
            return 1;
        }
        SleevePeer hop = current.nextHop(destination);
        if (hop == null || hop.name() == sender) {
            counters.increment(Counter.DROPPED_NO_ROUTE);
            return 0;
        }
        SleeveHeader.rewriteSender(lane.plain, self);
        relay(lane, hop, frameLength);
        return 0;
    }

    private void relay(Lane lane, SleevePeer hop, int frameLength) {
        lane.transmit(hop, frameLength);
        counters.increment(Counter.FRAMES_RELAYED);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        try {
            udp.close(); // wakes the receiver blocked in receive()
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the sleeve socket: " + e.getMessage());
        }
        if (sender != null) sender.join();
        if (receiver != null) receiver.join();
        arena.close();
    }
}

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
 * The userspace data path: frames read from the local {@link FramePort} go to the peer their destination MAC lives
 * behind (or to every peer when it is unknown, broadcast or multicast) as one UDP datagram each; datagrams from
 * peers are checked, their source MAC learned, and their frame written to the port.
 *
 * <p>Two platform threads: one owns the sending side ({@link #pumpLocalFrame}), one the receiving side
 * ({@link #receiveDatagram}); each has its own buffers, so neither allocates per packet. Tests call the two duty
 * methods directly.
 */
public final class SleeveForwarder implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SleeveForwarder.class.getName());
    /** Large enough for any frame a TAP without offloads hands over, and for any UDP datagram. */
    private static final int BUFFER_BYTES = 65_536;
    private static final int POLL_MILLIS = 200;

    private final long self;
    private final FramePort port;
    private final DatagramChannel udp;
    private final SleevePeers peers;
    private final MacTable macs;
    private final SleeveCounters counters;
    private final LongSupplier nanoClock;
    private final int maxFrameLength;

    private final Arena arena = Arena.ofShared();
    private final ByteBuffer sendBuffer;
    private final MemorySegment sendSegment;
    private final MemorySegment sendFrame;
    private final ByteBuffer receiveBuffer;
    private final MemorySegment receiveSegment;
    private final SleeveHeader receiveHeader = new SleeveHeader();

    private volatile boolean running;
    private Thread sender;
    private Thread receiver;

    /**
     * @param maxFrameLength the largest frame (Ethernet header included) that is sent; larger ones are counted and
     *                       dropped, since the overlay MTU says they should not exist
     */
    public SleeveForwarder(long self, FramePort port, DatagramChannel udp, SleevePeers peers, MacTable macs,
                           SleeveCounters counters, LongSupplier nanoClock, int maxFrameLength) {
        if (maxFrameLength < SleeveHeader.MIN_FRAME || maxFrameLength > BUFFER_BYTES - SleeveHeader.LENGTH) {
            throw new IllegalArgumentException("maxFrameLength " + maxFrameLength);
        }
        this.self = self;
        this.port = port;
        this.udp = udp;
        this.peers = peers;
        this.macs = macs;
        this.counters = counters;
        this.nanoClock = nanoClock;
        this.maxFrameLength = maxFrameLength;
        this.sendSegment = arena.allocate(BUFFER_BYTES, 64);
        this.sendBuffer = sendSegment.asByteBuffer();
        this.sendFrame = sendSegment.asSlice(SleeveHeader.LENGTH);
        this.receiveSegment = arena.allocate(BUFFER_BYTES, 64);
        this.receiveBuffer = receiveSegment.asByteBuffer();
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
        int length = port.read(sendFrame, timeoutMillis);
        if (length <= 0) return 0;
        counters.increment(Counter.FRAMES_FROM_TAP);
        if (length < EthernetFrame.HEADER_LENGTH) return 1;
        if (length > maxFrameLength) {
            counters.increment(Counter.FRAMES_TOO_LARGE);
            return 1;
        }
        long now = nanoClock.getAsLong();
        // A frame from a local port proves its source lives here, even if we last saw it behind a peer.
        long source = EthernetFrame.source(sendFrame, 0);
        if (macs.lookup(source, now) != MacTable.UNKNOWN) macs.forget(source);

        SleeveHeader.write(sendSegment, self, length);
        long destination = EthernetFrame.destination(sendFrame, 0);
        long owner = EthernetFrame.isGroup(destination) ? MacTable.UNKNOWN : macs.lookup(destination, now);
        SleevePeer target = owner == MacTable.UNKNOWN ? null : peers.find(owner);
        if (target != null) {
            send(target, SleeveHeader.LENGTH + length);
            return 1;
        }
        SleevePeer[] all = peers.snapshot();
        if (all.length == 0) {
            counters.increment(Counter.FRAMES_NOT_SENT_NO_PEERS);
            return 1;
        }
        counters.increment(Counter.FRAMES_FLOODED);
        for (SleevePeer peer : all) send(peer, SleeveHeader.LENGTH + length);
        return 1;
    }

    private void send(SleevePeer peer, int datagramLength) {
        sendBuffer.clear().limit(datagramLength);
        try {
            udp.send(sendBuffer, peer.endpoint());
            counters.increment(Counter.FRAMES_SENT);
            counters.add(Counter.BYTES_SENT, datagramLength);
        } catch (IOException e) {
            // A peer whose host is unreachable for a moment must not stop the others; the count shows it.
            counters.increment(Counter.SEND_ERRORS);
        }
    }

    /** Receiving duty cycle: blocks for one datagram and handles it; returns the frames written to the port. */
    public int receiveDatagram() throws IOException {
        receiveBuffer.clear();
        InetSocketAddress from = (InetSocketAddress) udp.receive(receiveBuffer);
        if (from == null) return 0;
        int length = receiveBuffer.position();
        counters.increment(Counter.DATAGRAMS_RECEIVED);
        counters.add(Counter.BYTES_RECEIVED, length);
        SleeveHeader.Check check = receiveHeader.wrap(receiveSegment.asSlice(0, length));
        if (check != SleeveHeader.Check.OK) {
            counters.increment(SleeveCounters.droppedFor(check));
            return 0;
        }
        long sender = receiveHeader.sender();
        if (sender == self) {
            counters.increment(Counter.DROPPED_FROM_SELF);
            return 0;
        }
        if (peers.find(sender) == null) {
            counters.increment(Counter.DROPPED_UNKNOWN_SENDER);
            return 0;
        }
        long source = EthernetFrame.source(receiveSegment, SleeveHeader.LENGTH);
        if (!EthernetFrame.isGroup(source)) macs.learn(source, sender, nanoClock.getAsLong());
        port.write(receiveSegment.asSlice(SleeveHeader.LENGTH), receiveHeader.frameLength());
        counters.increment(Counter.FRAMES_TO_TAP);
        return 1;
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

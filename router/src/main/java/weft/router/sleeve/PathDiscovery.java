package weft.router.sleeve;

import weft.kernel.EnumCounters;
import weft.router.sleeve.SleeveCounters.Counter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The path MTU towards each neighbour, once {@link #discoverWith} gave it a socket to probe with: a {@link PathMtu}
 * per neighbour, kept while the neighbour stays at the same endpoint, whose probes it sends (padded to the probed
 * size and sealed like any datagram to the neighbour) and to which it hands the neighbour's acknowledgements; and
 * so the most payload a datagram to a hop may carry. Without discovery every hop carries the configured payload.
 *
 * <p>Threads: the first send lane runs the rounds ({@link #tick}), and so owns the probe socket, the probe datagram,
 * {@code pathsOf} and the rounds' counter writer; the receive lane answers probes and hands acknowledgements over
 * ({@link #onProbe}), counting with a writer of its own; any lane or thread reads the paths, which the first send
 * lane publishes whole through a volatile array.
 */
final class PathDiscovery implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PathDiscovery.class.getName());
    /** How often the sending thread looks at the rounds, how long a round waits for acknowledgements, how often rounds repeat. */
    static final long PATH_TICK_NANOS = 100_000_000L, PROBE_ACK_WAIT_NANOS = 1_000_000_000L;
    static final long PROBE_INTERVAL_NANOS = 600_000_000_000L, PROBE_RETRY_NANOS = 5_000_000_000L;
    /** How often a single probe checks that the path still carries its believed MTU. */
    static final long PROBE_CHECK_NANOS = 10_000_000_000L;
    /** Padding of a probe acknowledgement: the shortest payload a datagram may have. */
    private static final int PROBE_ACK_PAYLOAD = SleeveHeader.MIN_FRAME;

    /** A neighbour and the path towards it. */
    private record Path(SleevePeer peer, PathMtu mtu) {}
    private static final Path[] NO_PATHS = new Path[0];

    private final long self;
    private final SleevePeers neighbours;
    private final int datagramPayload;
    private final LongSupplier nanoClock;
    /** The counts of the rounds, made by the first send lane, and of the answers, made by the receive lane. */
    private final EnumCounters.Writer<Counter> roundCounts, answerCounts;
    private final MemorySegment probeDatagram;
    private final PathProber prober = new PathProber();
    private volatile DontFragmentSender probes; // set before start
    /** Written by the first send lane, read by every lane. */
    private volatile Path[] paths = NO_PATHS;
    private SleevePeer[] pathsOf; // first send lane only: the neighbours paths was built for
    private long nextPathTick; // first send lane only

    /**
     * @param datagramPayload what a datagram carries without discovery, and the widest path discovery starts from
     * @param slotBytes       the largest datagram sent: a header, {@code datagramPayload} and a tag
     */
    PathDiscovery(long self, SleevePeers neighbours, int datagramPayload, LongSupplier nanoClock, Arena arena, int slotBytes,
                  SleeveCounters counters) {
        this.self = self;
        this.neighbours = neighbours;
        this.datagramPayload = datagramPayload;
        this.nanoClock = nanoClock;
        this.roundCounts = counters.writer();
        this.answerCounts = counters.writer();
        this.probeDatagram = arena.allocate(slotBytes, 64);
    }

    /** Starts discovery with probes sent through {@code sender}, which closes with this; before the lanes start. */
    void discoverWith(DontFragmentSender sender) {
        probes = sender;
        nextPathTick = nanoClock.getAsLong();
    }

    /** The path MTU believed towards each neighbour with discovery on, by peer name; safe from any thread. */
    Map<Long, Integer> mtus() {
        Map<Long, Integer> mtus = new TreeMap<>();
        for (Path path : paths) mtus.put(path.peer().name(), path.mtu().mtu());
        return mtus;
    }

    /**
     * When each neighbour last acknowledged one of our probes, by peer name, for those that ever did; safe from any
     * thread. An acknowledgement proves the round trip on UDP: our datagram reached the neighbour and its answer us.
     */
    Map<Long, Long> lastAcknowledgedNanos() {
        Map<Long, Long> acknowledged = new TreeMap<>();
        for (Path path : paths) {
            if (path.mtu().everAcknowledged()) acknowledged.put(path.peer().name(), path.mtu().lastAcknowledgedNanos());
        }
        return acknowledged;
    }

    /** The most payload one datagram to {@code hop} carries: its path's, or the configured one without discovery. */
    int datagramPayloadFor(SleevePeer hop) {
        for (Path path : paths) {
            if (path.peer().name() == hop.name()) return Math.min(datagramPayload, path.mtu().datagramPayload());
        }
        return datagramPayload;
    }

    /** First send lane: follows the neighbours, and runs the path MTU rounds that are due; at most every PATH_TICK_NANOS. */
    void tick(long now) {
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
                    roundCounts.increment(Counter.PATH_MTU_LOWERED);
                    LOG.log(System.Logger.Level.INFO, "path MTU to " + path.peer().label() + " lowered from " + before + " to " + path.mtu().mtu());
                }
                case RAISED -> {
                    roundCounts.increment(Counter.PATH_MTU_RAISED);
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
            roundCounts.increment(Counter.PMTU_PROBES_SENT);
            return probes.send(hop.endpoint(), datagram, length);
        }

        @Override
        public int kernelMtu() {
            return probes.pathMtu(hop.endpoint());
        }
    }

    /**
     * Receive lane: acknowledges a probe from a neighbour, built in {@code reply} (a buffer of the receive lane's
     * that holds no datagram it still needs) and sent through its {@code out}, or hands an acknowledgement, which
     * arrived at {@code nowNanos}, to the path.
     */
    void onProbe(SleeveHeader header, SleevePeer neighbour, int payloadLength, MemorySegment reply, HopSender out, long nowNanos) {
        if (header.destination() != self || payloadLength < SleeveHeader.PROBE_MTU_OFFSET + 2 - SleeveHeader.LENGTH) {
            answerCounts.increment(Counter.DROPPED_NO_ROUTE);
            return;
        }
        int round = header.probeRound(), mtu = header.probedMtu();
        if (header.isProbeAcknowledgement()) {
            answerCounts.increment(Counter.PMTU_PROBES_ACKNOWLEDGED);
            for (Path path : paths) {
                if (path.peer().name() == neighbour.name()) path.mtu().onAcknowledged(round, mtu, nowNanos);
            }
            return;
        }
        if (payloadLength != mtu - PathMtu.OVERHEAD) {
            // a probe is padded to the size it claims: one that is not cannot show that the path carries that size,
            // and acknowledging it would let a forger raise the neighbour's path MTU into a black hole
            answerCounts.increment(Counter.DROPPED_BAD_PROBE);
            return;
        }
        answerCounts.increment(Counter.PMTU_PROBES_ANSWERED);
        SleeveHeader.writeProbe(reply, true, self, neighbour.name(), round, mtu, PROBE_ACK_PAYLOAD);
        reply.asSlice(SleeveHeader.PROBE_MTU_OFFSET + 2, SleeveHeader.LENGTH + PROBE_ACK_PAYLOAD - SleeveHeader.PROBE_MTU_OFFSET - 2).fill((byte) 0);
        out.send(neighbour, reply, PROBE_ACK_PAYLOAD, datagramPayloadFor(neighbour));
    }

    /** Closes the probe socket, if discovery was on; once the lanes have stopped. */
    @Override
    public void close() {
        DontFragmentSender sender = probes;
        if (sender != null) sender.close();
    }
}

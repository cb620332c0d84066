package weft.router.fastpath;

import weft.kernel.EnumCounters;
import weft.kernel.NativeCallException;
import weft.kernel.Rtnetlink;
import weft.kernel.Xfrm;
import weft.router.sleeve.EthernetFrame;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The kernel fast path of one router: a VXLAN port on the bridge (UDP {@code port + 1}), isolated from the sleeve's
 * TAP port so the two never forward to each other, with forwarding entries the router keeps in line with which
 * pairs work; and the heartbeats, small and full-size, sent and received on that port itself (never through the
 * bridge, whose learning could send them by sleeve) to find out. One
 * platform thread owns the table, the heartbeat socket, the rtnetlink client and the counts ({@link #counters} reads
 * them from any thread); the mesh tells it about peers
 * through {@link #connected} and {@link #disconnected}, whose news waits for it in {@link PeerNews} (bounded by
 * the number of peers), and it publishes the fast peers to the sleeve and a description per peer to the status.
 *
 * <p>Nothing but Weft's peers reaches the VXLAN port: before it exists, a {@link VxlanGuard} makes the kernel drop
 * VXLAN from every address but those of the current candidates (peers of the authenticated mesh that may use the
 * fast path, in clear or in ESP), so no one else can put frames on the bridge or teach the VXLAN device where to
 * send. Between routers with a password, heartbeats are signed and checked ({@link HeartbeatAuthentication}), so
 * no one can hold a pair on the fast path with forged ones either.
 *
 * <p>When the fast path is turned off, or the kernel refuses the VXLAN port or its guard, nothing runs: every pair
 * is on sleeve and says why.
 *
 * <p>Encrypted pairs use it only where the kernel offers ESP: the agent installs the pair's {@link EspPair} when the
 * peer connects and only then lets it send heartbeats, which travel in ESP like the rest of its VXLAN packets; when
 * the kernel refuses, the pair stays on sleeve with the kernel's reason. Invariant: while a forwarding entry can send
 * VXLAN to an encrypted peer, its outbound policy stands (without an SA the kernel drops, never sends in clear): a
 * departed pair's state is removed only after the next reconciliation removed its entries, a reconnection swaps
 * the SAs under policies that stay, a pair's keys roll over every {@link EspRollover#INTERVAL_NANOS} under the
 * same policies, and on close the VXLAN port goes first. Weft's leftovers ({@link Xfrm#REQID})
 * are removed at start. The VXLAN port keeps the overlay MTU
 * for every pair: the automatic overlay MTU leaves room for the sleeve's 90 bytes, more than VXLAN's 50 plus ESP's
 * {@link EspPair#MAX_OVERHEAD}, so encrypted full-size frames fit the underlay too. Only an MTU set by hand above
 * the underlay's less 87 makes an encrypted pair's full-size heartbeats fail; the pair then stays on sleeve and its
 * status says so, rather than every pair losing MTU to a smaller port.
 */
public final class FastPath implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FastPath.class.getName());
    public static final String INTERFACE = "weft-vxlan";
    /** The nftables table ({@code inet}) of the VXLAN port's guard. */
    public static final String GUARD_TABLE = VxlanGuard.TABLE;
    /** One segment for the whole mesh: every router's bridge is part of it. */
    public static final int VNI = 0x5746;
    private static final long TICK_NANOS = 100_000_000L;

    /**
     * @param self  this router's peer name
     * @param mtu   the overlay MTU: the VXLAN port's, and what a full-size heartbeat carries
     * @param local the underlay address VXLAN packets leave from, or null to let routing choose
     * @param off   why the fast path is off by configuration, or empty
     * @param esp   whether the kernel offers ESP with rfc4106(gcm(aes)) (see {@code XfrmProbe}), so that encrypted
     *              pairs may use the fast path
     */
    public record Settings(long self, String bridge, String tapPort, int mtu, int udpPort, Inet4Address local,
                           Optional<String> off, boolean esp) {
    }

    /** Counters of the fast path, by name, for status and metrics. */
    public enum Counter {
        HEARTBEATS_SENT, HEARTBEATS_RECEIVED, HEARTBEATS_SEND_FAILED, HEARTBEATS_DROPPED_MALFORMED,
        HEARTBEATS_DROPPED_UNEXPECTED, HEARTBEATS_DROPPED_UNAUTHENTICATED, HEARTBEATS_DROPPED_REPLAYED,
        FORWARDING_CHANGES, FORWARDING_ERRORS, PATH_CHANGES, ESP_INSTALLED, ESP_FAILED, ESP_ROLLOVERS, ESP_ROLLOVER_FAILED,
        PORT_REPAIRS, KERNEL_ERRORS;

        public String label() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    private final Settings settings;
    private final Optional<String> unavailable;
    private final FastPathTable table; // agent thread only once started
    private final BiConsumer<long[], long[]> publishFast;
    private final LongSupplier nanoClock;
    private final Rtnetlink rtnl;
    // agent thread only, then close() once it has stopped
    private final VxlanPort port;
    private final VxlanGuard guard;
    private final EspPairs esp;
    private final HeartbeatAuthentication authentication = new HeartbeatAuthentication();
    private final PeerNews news = new PeerNews();
    private final EnumCounters<Counter> counters = new EnumCounters<>(Counter.class);
    /** The agent thread's: only it counts (without an agent, nothing that counts happens). */
    private final EnumCounters.Writer<Counter> counted = counters.writer();
    private volatile Map<Long, String> descriptions = Map.of();
    /** The peers the kernel carries now, as last published; the agent writes it, any thread reads it. */
    private volatile long[] fastNow = new long[0];
    /** VXLAN the guard dropped, as the agent last read it. */
    private volatile long guardDropped;
    private volatile boolean running;
    private Thread agent;

    private FastPath(Settings settings, Optional<String> unavailable, BiConsumer<long[], long[]> publishFast, LongSupplier nanoClock,
                     Rtnetlink rtnl, VxlanPort port, VxlanGuard guard, Xfrm xfrm, String espUnavailable) {
        this.settings = settings;
        this.unavailable = unavailable;
        this.table = new FastPathTable(unavailable, fullHeartbeatLength());
        this.publishFast = publishFast;
        this.nanoClock = nanoClock;
        this.rtnl = rtnl;
        this.port = port;
        this.guard = guard;
        this.esp = new EspPairs(xfrm, espUnavailable, rtnl, settings.local(), settings.udpPort());
    }

    /** A fast path that runs nothing and keeps every pair on sleeve, saying {@code reason}. */
    private static FastPath without(Settings settings, String reason, BiConsumer<long[], long[]> publishFast, LongSupplier nanoClock) {
        return new FastPath(settings, Optional.of(reason), publishFast, nanoClock, null, null, null, null, reason);
    }

    /**
     * Builds the VXLAN port and starts the heartbeats; when that is off or the kernel refuses, returns a fast path
     * that keeps every pair on sleeve with the reason. Runs in the router's network namespace.
     *
     * @param publishFast gets the names of the fast peers, and of those fast for {@link FastPathTable#SETTLE_NANOS},
     *                    whenever they change
     * @param nanoClock   the monotonic clock the heartbeats and the pairs' health are timed by
     */
    public static FastPath start(Settings settings, BiConsumer<long[], long[]> publishFast, LongSupplier nanoClock) {
        if (settings.off().isPresent()) return without(settings, settings.off().get(), publishFast, nanoClock);
        Rtnetlink rtnl = Rtnetlink.open();
        VxlanPort port = null;
        VxlanGuard guard = null;
        try {
            if (rtnl.link(INTERFACE).isPresent()) rtnl.deleteLink(INTERFACE); // left by a router that did not stop cleanly
            guard = VxlanGuard.install(settings.udpPort()); // before the port exists: it is never open to all
            rtnl.setBridgePortIsolated(settings.tapPort(), true);
            port = VxlanPort.create(rtnl, settings);
        } catch (NativeCallException e) {
            String reason = "this host has no fast path: " + e.getMessage();
            LOG.log(System.Logger.Level.WARNING, reason + "; every pair uses sleeve");
            try {
                if (port != null) port.remove();
                else if (rtnl.link(INTERFACE).isPresent()) rtnl.deleteLink(INTERFACE);
                if (guard != null) guard.close();
            } catch (NativeCallException cleanup) {
                LOG.log(System.Logger.Level.WARNING, "cannot remove " + INTERFACE + " or its guard: " + cleanup.getMessage());
            }
            rtnl.close();
            return without(settings, reason, publishFast, nanoClock);
        }
        Xfrm xfrm = null;
        String espUnavailable = "this kernel has no ESP for an encrypted fast path";
        if (settings.esp()) {
            try {
                xfrm = Xfrm.open();
                int leftovers = xfrm.removeWeftState();
                if (leftovers > 0) LOG.log(System.Logger.Level.INFO, "fast path: removed " + leftovers + " ESP SAs and policies left by an earlier router");
            } catch (NativeCallException e) {
                espUnavailable = "Weft's ESP state cannot be managed here: " + e.getMessage();
                LOG.log(System.Logger.Level.WARNING, "fast path: " + espUnavailable + "; encrypted pairs use sleeve");
                if (xfrm != null) xfrm.close();
                xfrm = null;
            }
        }
        FastPath fastPath = new FastPath(settings, Optional.empty(), publishFast, nanoClock, rtnl, port, guard, xfrm, espUnavailable);
        fastPath.running = true;
        fastPath.agent = Thread.ofPlatform().name("fast-path").daemon().start(fastPath::run);
        LOG.log(System.Logger.Level.INFO, "fast path: " + INTERFACE + " (VXLAN " + VNI + ", UDP " + settings.udpPort()
                + ", MTU " + settings.mtu() + ") on " + settings.bridge() + ", isolated from " + settings.tapPort());
        return fastPath;
    }

    /** A full-size heartbeat: the largest frame of the overlay. */
    private int fullHeartbeatLength() {
        return settings.mtu() + EthernetFrame.HEADER_LENGTH;
    }

    /** Why this host has no fast path, or empty when it has one. */
    public Optional<String> unavailable() {
        return unavailable;
    }

    /** A peer connected (or reconnected); safe from any thread. */
    public void connected(FastPathTable.Peer peer) {
        if (agent != null) {
            news.connected(peer);
        } else {
            apply(new PeerNews.Event.Connected(peer), nanoClock.getAsLong()); // no agent would take it: straight to the table
        }
    }

    /** A peer disconnected; safe from any thread. */
    public void disconnected(long name) {
        if (agent != null) {
            news.disconnected(name);
        } else {
            apply(new PeerNews.Event.Disconnected(name), nanoClock.getAsLong());
        }
    }

    /** How the pair with {@code name} travels, for the status (see {@link FastPathTable#describe}). */
    public String describe(long name) {
        return descriptions.getOrDefault(name, unavailable.map(reason -> "sleeve: " + reason).orElse("sleeve"));
    }

    /** Whether the kernel carries the pair with {@code name} now (else it goes by sleeve); safe from any thread. */
    public boolean isFast(long name) {
        for (long peer : fastNow) {
            if (peer == name) return true;
        }
        return false;
    }

    public Map<String, Long> counters() {
        Map<String, Long> all = new java.util.TreeMap<>();
        counters.snapshot().forEach((counter, value) -> all.put(counter.label(), value));
        if (guard != null) all.put("vxlan-dropped-not-allowed", guardDropped);
        return all;
    }

    private void count(Counter counter) {
        counted.increment(counter);
    }

    /**
     * The agent's loop. The kernel's refusals (the port taken down under it: ENETDOWN; the bridge gone) are counted
     * and logged once per streak, and the next rounds repair the port; anything else ends the thread, which fails the
     * router (see its uncaught-exception handler) rather than leave pairs "fast" that no longer are.
     */
    private void run() {
        try (Arena arena = Arena.ofConfined()) {
            int fullLength = fullHeartbeatLength();
            MemorySegment out = arena.allocate(fullLength), in = arena.allocate(Math.max(fullLength, 2048) + 64);
            FastHeartbeat heartbeat = FastHeartbeat.reader();
            long now = nanoClock.getAsLong();
            long nextTick = now, nextHeartbeat = now, nextReconcile = now;
            boolean failing = false;
            while (running) {
                try {
                    now = nanoClock.getAsLong();
                    int wait = (int) Math.max(0, Math.min(nextTick - now, TICK_NANOS) / 1_000_000);
                    int length = port.receive(in, wait);
                    now = nanoClock.getAsLong();
                    if (length > 0) receive(heartbeat, in, length, now);
                    for (PeerNews.Event event : news.take()) {
                        apply(event, now);
                        nextReconcile = now;
                    }
                    if (now - nextTick < 0) continue;
                    nextTick = now + TICK_NANOS;
                    List<FastPathTable.Transition> transitions = table.evaluate(now);
                    transitions.forEach(this::logTransition);
                    if (!transitions.isEmpty() || now - nextReconcile >= 0) {
                        // before heartbeats, so a new peer's first ones find their port, forwarding entries and guard;
                        // and only once no entry leads to a departed encrypted peer may its policies go
                        port.repair().ifPresent(this::logRepair);
                        guard();
                        if (reconcile(now)) esp.retire();
                        nextReconcile = now + FastPathTable.HEARTBEAT_INTERVAL_NANOS;
                    }
                    if (now - nextHeartbeat >= 0) {
                        esp.rollOver(now, counted); // before the heartbeats, which then travel under the new keys
                        sendHeartbeats(out, fullLength, now);
                        nextHeartbeat = now + FastPathTable.HEARTBEAT_INTERVAL_NANOS;
                    }
                    publishDescriptions(now);
                    if (failing) LOG.log(System.Logger.Level.INFO, "fast path: the kernel answers again");
                    failing = false;
                } catch (NativeCallException e) {
                    count(Counter.KERNEL_ERRORS);
                    if (!failing) LOG.log(System.Logger.Level.WARNING, "fast path: " + e.getMessage() + "; repairing and retrying");
                    failing = true;
                    nextReconcile = now; // repair at once
                    LockSupport.parkNanos(TICK_NANOS); // not a busy loop while the kernel refuses
                }
            }
        }
    }

    private void logRepair(String what) {
        count(Counter.PORT_REPAIRS);
        LOG.log(System.Logger.Level.WARNING, "fast path: " + what);
    }

    private void apply(PeerNews.Event event, long now) {
        switch (event) {
            case PeerNews.Event.Connected(FastPathTable.Peer peer) -> {
                table.connected(peer, now);
                authentication.connected(peer);
                esp.connected(peer, table, counted, now);
            }
            case PeerNews.Event.Disconnected(long name) -> {
                table.disconnected(name, now);
                authentication.disconnected(name);
                esp.disconnected(name);
            }
        }
        if (agent == null) publishDescriptions(now);
    }

    /**
     * Lets the candidates through the guard, and nobody else; a pair the kernel refuses to let through stays out
     * (its heartbeats do not arrive) and the next round retries.
     */
    private void guard() {
        List<Inet4Address> allowed = new ArrayList<>();
        for (FastPathTable.Peer peer : table.candidates()) {
            if (peer.underlay() instanceof Inet4Address v4) allowed.add(v4);
        }
        try {
            guard.allow(allowed);
            guardDropped = guard.dropped();
        } catch (NativeCallException e) {
            LOG.log(System.Logger.Level.WARNING, "fast path: " + e.getMessage() + "; retrying");
        }
    }

    private void receive(FastHeartbeat heartbeat, MemorySegment in, int length, long now) {
        if (heartbeat.wrap(in, length, settings.self()) != FastHeartbeat.Check.OK) {
            count(Counter.HEARTBEATS_DROPPED_MALFORMED);
            return;
        }
        count(Counter.HEARTBEATS_RECEIVED);
        switch (authentication.check(heartbeat)) {
            case UNAUTHENTICATED -> count(Counter.HEARTBEATS_DROPPED_UNAUTHENTICATED);
            case REPLAYED -> count(Counter.HEARTBEATS_DROPPED_REPLAYED);
            case ACCEPTED -> {
                if (!table.heard(heartbeat.sender(), heartbeat.full(), heartbeat.hearing(), now)) count(Counter.HEARTBEATS_DROPPED_UNEXPECTED);
            }
        }
    }

    private void sendHeartbeats(MemorySegment out, int fullLength, long now) {
        for (FastPathTable.Peer peer : table.candidates()) {
            boolean hearing = table.hearing(peer.name(), now);
            FastHeartbeat.write(out, FastHeartbeat.SMALL_LENGTH, settings.self(), peer.name(), table.nextSequence(), false, hearing);
            authentication.sign(out, peer.name());
            count(port.send(out, FastHeartbeat.SMALL_LENGTH) ? Counter.HEARTBEATS_SENT : Counter.HEARTBEATS_SEND_FAILED);
            FastHeartbeat.write(out, fullLength, settings.self(), peer.name(), table.nextSequence(), true, hearing);
            authentication.sign(out, peer.name());
            count(port.send(out, fullLength) ? Counter.HEARTBEATS_SENT : Counter.HEARTBEATS_SEND_FAILED);
        }
    }

    private long[] published = new long[0], publishedSettled = new long[0];

    /**
     * Brings the forwarding tables in line with the table's decision; when the fast or settled peers changed, tells
     * the sleeve, and makes the bridge forget where it had placed addresses, so frames flood once to the right port
     * again. Returns false when the kernel refused part of it (the next round retries).
     */
    private boolean reconcile(long now) {
        List<FastPathTable.Peer> fast = table.fast();
        long[] names = fast.stream().mapToLong(FastPathTable.Peer::name).sorted().toArray();
        long[] settled = table.settled(now).stream().mapToLong(FastPathTable.Peer::name).sorted().toArray();
        boolean changed = !java.util.Arrays.equals(names, published);
        boolean settledChanged = !java.util.Arrays.equals(settled, publishedSettled);
        try {
            int index = rtnl.index(INTERFACE);
            ForwardingPlan plan = ForwardingPlan.of(table.candidates(), fast, index, rtnl.fdb(INTERFACE));
            // entries towards newly fast peers go in before the sleeve lets go of them, and out after it takes them
            for (ForwardingPlan.Entry entry : plan.addToDevice()) rtnl.addFdb(INTERFACE, entry.mac(), entry.remote());
            boolean settledGrew = java.util.Arrays.stream(settled).anyMatch(name -> java.util.Arrays.binarySearch(publishedSettled, name) < 0);
            if (changed || settledChanged) publish(names, settled, changed);
            for (ForwardingPlan.Entry entry : plan.removeFromDevice()) rtnl.deleteFdb(INTERFACE, entry.mac(), entry.remote());
            // What the bridge learnt behind the VXLAN port may point into a path that no longer works: forget it when
            // a pair changes path. What it learnt behind the TAP port stays until a new fast pair has settled (both
            // ends switched): until then the sleeve still carries those frames, and forgetting earlier would flood
            // them to both ports at once.
            if (changed || plan.removedLearnt()) rtnl.flushBridgePort(INTERFACE);
            if (settledGrew) rtnl.flushBridgePort(settings.tapPort());
            counted.add(Counter.FORWARDING_CHANGES, plan.addToDevice().size() + plan.removeFromDevice().size());
            return true;
        } catch (NativeCallException e) {
            count(Counter.FORWARDING_ERRORS);
            LOG.log(System.Logger.Level.WARNING, "fast path: updating the forwarding entries failed: " + e.getMessage() + "; retrying");
            // the sleeve follows the decision; the next round fixes the kernel
            if (changed || settledChanged) publish(names, settled, changed);
            return false;
        }
    }

    private void publish(long[] fast, long[] settled, boolean pathsChanged) {
        publishFast.accept(fast, settled);
        fastNow = fast.clone(); // its own copy: the array handed to the sleeve is not ours to keep
        published = fast;
        publishedSettled = settled;
        if (pathsChanged) count(Counter.PATH_CHANGES);
    }

    private void logTransition(FastPathTable.Transition t) {
        LOG.log(System.Logger.Level.INFO, t.fast() ? "fast path to " + t.peer().label() + " (" + t.peer().underlay().getHostAddress() + "): working, " + t.reason()
                : "fast path to " + t.peer().label() + ": " + t.reason() + "; frames go by sleeve");
    }

    private void publishDescriptions(long now) {
        descriptions = Map.copyOf(table.describeAll(now));
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        if (agent != null) agent.join(2_000);
        boolean portGone = port == null || port.remove();
        if (guard != null) {
            if (portGone) {
                guard.close(); // only once the port is gone: it never accepts everyone
            } else {
                LOG.log(System.Logger.Level.WARNING, "fast path: kept the guard of the remaining " + INTERFACE + "; the next start replaces it");
            }
        }
        esp.close(portGone);
        if (rtnl != null) rtnl.close();
    }
}

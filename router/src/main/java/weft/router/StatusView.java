package weft.router;

import weft.api.StatusReport;
import weft.gossip.Mesh;
import weft.gossip.MeshStatus;
import weft.gossip.PeerIdentity;
import weft.gossip.PeerName;
import weft.ipam.AddressRange;
import weft.ipam.IpamStatus;
import weft.ipam.Ring;
import weft.kernel.EspSupport;
import weft.kernel.UdpSocket;
import weft.router.fastpath.FastPath;
import weft.router.sleeve.HeardFrom;
import weft.router.sleeve.MacTable;
import weft.router.sleeve.SleeveForwarder;
import weft.router.view.LinkReport;
import weft.router.view.TopologyGraph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds the {@link StatusReport} of {@code weft status} and {@code weft report} from the parts of a running
 * router: the mesh's connections, targets, peers and routes, each connection's path and path MTU, the data paths'
 * counters, what the kernel offered, and the allocator's phase and ring.
 *
 * <p>Thread-safe: it keeps nothing; each report asks the mesh loop and reads the parts' thread-safe views.
 */
final class StatusView {
    private final RouterConfig config;
    private final PeerIdentity identity;
    private final OverlayMtu mtu;
    private final Mesh mesh;
    private final SleeveForwarder forwarder;
    private final FastPath fastPath;
    private final EspSupport esp;
    private final UdpSocket udp;
    private final MacTable macs;
    private final AllocatorProxy allocator;
    private final RouterMetrics metrics;
    private final java.util.function.Supplier<Map<String, String>> unresolvedTargets;

    /** @param unresolvedTargets the launch peers whose names do not resolve yet, with the lookup's error ({@link TargetList#unresolved()}) */
    StatusView(RouterConfig config, PeerIdentity identity, OverlayMtu mtu, Mesh mesh, SleeveForwarder forwarder, FastPath fastPath,
               EspSupport esp, UdpSocket udp, MacTable macs, AllocatorProxy allocator, RouterMetrics metrics,
               java.util.function.Supplier<Map<String, String>> unresolvedTargets) {
        this.unresolvedTargets = unresolvedTargets;
        this.config = config;
        this.identity = identity;
        this.mtu = mtu;
        this.mesh = mesh;
        this.forwarder = forwarder;
        this.fastPath = fastPath;
        this.esp = esp;
        this.udp = udp;
        this.macs = macs;
        this.allocator = allocator;
        this.metrics = metrics;
    }

    /** The host part of a target as written, which for an address literal is what a connection's remote address shows. */
    private static String targetHost(String target) {
        int colon = target.indexOf(':');
        return colon < 0 ? target : target.substring(0, colon);
    }

    static String encryptionSummary(RouterConfig config) {
        return config.password().isPresent()
                ? "enabled (X25519 + Argon2id password, AES-256-GCM control and data)"
                : "disabled (no password: control and data travel in clear)";
    }

    StatusReport report() {
        MeshStatus status = mesh.status().join();
        Map<Long, Integer> pathMtus = forwarder.pathMtus();
        Map<Long, HeardFrom> heard = forwarder.heard();
        List<StatusReport.ConnectionView> connections = status.connections().stream().map(c -> new StatusReport.ConnectionView(
                c.peer().map(PeerName::toString).orElse(""), c.nickname().orElse(""),
                c.remoteAddress().getAddress().getHostAddress() + ":" + c.remoteAddress().getPort(),
                c.outbound() ? "outbound" : "inbound", c.state().name().toLowerCase(), c.since().toString(),
                c.state() == MeshStatus.State.ESTABLISHED ? c.peer().map(p -> fastPath.describe(p.value())).orElse("") : "",
                !c.encrypted() ? "plaintext" : c.dataEncrypted() ? "encrypted, data sealed" : "encrypted, data in clear (trusted)",
                c.peer().map(p -> pathMtus.getOrDefault(p.value(), 0)).orElse(0),
                c.state() == MeshStatus.State.ESTABLISHED ? c.peer().map(p -> sleeveHeard(heard.getOrDefault(p.value(), NOTHING_HEARD))).orElse(null) : null)).toList();
        Map<String, String> establishedFrom = new HashMap<>(); // remote address -> peer, for targets that dialled us first
        status.connections().stream().filter(c -> c.state() == MeshStatus.State.ESTABLISHED && c.peer().isPresent())
                .forEach(c -> establishedFrom.putIfAbsent(c.remoteAddress().getAddress().getHostAddress(), c.peer().get().toString()));
        List<StatusReport.TargetView> targets = status.targets().stream().map(t -> {
            String state = t.state().name().toLowerCase();
            String peer = t.peer().map(PeerName::toString).orElse("");
            String inbound = t.state() == weft.gossip.connect.ConnectionMaker.State.CONNECTED ? null : establishedFrom.get(targetHost(t.target()));
            if (inbound != null) {
                // the peer dialled us first: our own attempts wait, but the target is reached, and its old error is moot
                return new StatusReport.TargetView(t.target(), "connected (inbound)", inbound, "", "", t.attempts());
            }
            return new StatusReport.TargetView(t.target(), state, peer, t.lastError().orElse(""),
                    t.nextAttempt().map(Object::toString).orElse(""), t.attempts());
        }).collect(java.util.stream.Collectors.toCollection(ArrayList::new));
        unresolvedTargets.get().forEach((target, error) -> targets.add(new StatusReport.TargetView(target, "resolving", "",
                error + " (looking it up again every " + TargetList.RESOLVE_INTERVAL.toSeconds() + " s)", "", 0)));
        List<StatusReport.PeerView> peers = status.peers().stream().map(p -> new StatusReport.PeerView(p.name().toString(), p.nickname(),
                Long.toUnsignedString(p.incarnation(), 16), p.version(), p.shortId(),
                p.links().stream().map(l -> l.peer() + (l.established() ? "" : " (connecting)")).toList())).toList();
        Map<String, String> unicast = new TreeMap<>();
        status.routes().table().forEach((destination, hop) -> unicast.put(destination.toString(), hop.toString()));
        return new StatusReport(Router.VERSION, ProcessHandle.current().pid(), identity.name().toString(), identity.nickname(),
                encryptionSummary(config), config.bindAddress().getHostAddress() + ":" + config.port(), config.port(),
                config.httpAddress().getHostString() + ":" + config.httpAddress().getPort(), config.bridge(), Router.SLEEVE_INTERFACE,
                mtu.mtu(), mtu.reason(), config.overlayRange().toString(), config.dataDirectory().toString(), connections, targets,
                peers, unicast, macs.size(), metrics.sleeve(), ipam(status), fastPathSummary(), fastPath.counters(), kernelCapabilities());
    }

    /** The mesh as the topology page draws it, with the routers' {@code reports} of their links. */
    TopologyGraph topology(Map<PeerName, LinkReport> reports) {
        MeshStatus status = mesh.status().join();
        return TopologyGraph.build(identity.name(), status.peers(), status.routes(), ipam(status).shares(), reports);
    }

    /** For a peer the sleeve does not know yet (it learns of it just after the connection): nothing heard, which is true. */
    private static final HeardFrom NOTHING_HEARD = new HeardFrom(0, -1, -1);

    private static StatusReport.SleeveHeard sleeveHeard(HeardFrom heard) {
        return new StatusReport.SleeveHeard(heard.datagrams(), millis(heard.sinceDatagramNanos()), millis(heard.sinceAcknowledgedNanos()));
    }

    /** Nanoseconds as milliseconds, keeping -1 for never. */
    private static long millis(long nanos) {
        return nanos < 0 ? -1 : nanos / 1_000_000;
    }

    private String fastPathSummary() {
        return fastPath.unavailable().orElse(FastPath.INTERFACE + " (VXLAN, UDP " + (config.port() + 1) + ") on " + config.bridge()
                + ", isolated from " + Router.SLEEVE_INTERFACE);
    }

    /** What the kernel offered when the data paths were built; a refusal would have stopped the start or been said here. */
    private Map<String, String> kernelCapabilities() {
        Map<String, String> kernel = new TreeMap<>();
        kernel.put("vxlan and bridge port isolation", config.fastPath()
                ? fastPath.unavailable().orElse("available") : "not tried (fast path off)");
        kernel.put("esp (xfrm rfc4106(gcm(aes)))", esp.detail());
        kernel.put("tap vnet_hdr, offloads and multi-queue", "available (csum, tso4, tso6, tso_ecn; " + config.effectiveSleeveQueues() + " queues)");
        kernel.put("udp gso", udp.segmenting() ? "available" : "refused (errno " + udp.segmentingRefusedErrno() + "): datagrams leave by sendmmsg");
        kernel.put("udp gro", udp.coalescing() ? "available" : "refused: datagrams arrive one by one");
        return kernel;
    }

    private StatusReport.IpamView ipam(MeshStatus status) {
        IpamStatus ipam = allocator.status();
        Ring ring = allocator.ring();
        Map<PeerName, Long> sizes = new TreeMap<>();
        Map<PeerName, List<String>> ranges = new TreeMap<>();
        for (int i = 0; i < ring.entries().size(); i++) {
            PeerName owner = ring.entries().get(i).owner();
            AddressRange range = ring.rangeOf(i);
            sizes.merge(owner, range.size(), Long::sum);
            ranges.computeIfAbsent(owner, o -> new ArrayList<>()).add(range.toString());
        }
        Map<PeerName, Long> free = ring.isInitialised() ? ring.freeByOwner(ring.universe()) : Map.of();
        Map<PeerName, String> nicknames = new HashMap<>();
        status.peers().forEach(p -> nicknames.put(p.name(), p.nickname()));
        Set<PeerName> reachable = new HashSet<>(status.routes().table().keySet());
        reachable.add(identity.name());
        long universe = ring.universe().size();
        List<StatusReport.IpamView.Share> shares = sizes.entrySet().stream().map(e -> new StatusReport.IpamView.Share(
                e.getKey().toString(), nicknames.getOrDefault(e.getKey(), ""), e.getValue(), 100.0 * e.getValue() / universe,
                free.getOrDefault(e.getKey(), 0L), reachable.contains(e.getKey()), ranges.get(e.getKey()))).toList();
        return new StatusReport.IpamView(config.allocation().universe().toString(), config.allocation().defaultSubnet().toString(),
                ipam.phase().name().toLowerCase().replace('_', ' '), ipam.waitingFor(), ipam.ring().map(Object::toString).orElse(""),
                ipam.freeAddresses(), ipam.allocations(), shares,
                ipam.pending().stream().map(w -> w.owner() + ": " + w.request() + " waiting " + w.waited().toSeconds() + " s: " + w.reason()).toList(),
                ipam.conflicts().stream().map(c -> c.kind().name().toLowerCase() + ": " + c.detail()).toList(),
                ipam.persistenceFailure().orElse(""));
    }
}

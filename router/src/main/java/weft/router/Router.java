package weft.router;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import weft.gossip.connect.ConnectOutcome;
import weft.gossip.ConnectedPeer;
import weft.gossip.connect.ConnectionMaker;
import weft.gossip.Mesh;
import weft.gossip.MeshConfig;
import weft.gossip.MeshListener;
import weft.gossip.MeshStatus;
import weft.gossip.PeerIdentity;
import weft.gossip.PeerName;
import weft.gossip.connect.TargetAddress;
import weft.gossip.topology.Routes;
import weft.crypto.Argon2Cost;
import weft.crypto.PasswordKey;
import weft.router.http.ApiServer;
import weft.api.ConnectResult;
import weft.api.RouterApi;
import weft.api.StatusReport;
import weft.router.docker.DockerEngine;
import weft.router.fastpath.FastPath;
import weft.router.fastpath.EspKeys;
import weft.router.fastpath.FastPathTable;
import weft.kernel.EspSupport;
import weft.kernel.XfrmProbe;
import weft.kernel.Link;
import weft.kernel.NativeCallException;
import weft.kernel.NetlinkAbi;
import weft.kernel.Route;
import weft.kernel.Rtnetlink;
import weft.kernel.TapDevice;
import weft.kernel.UdpSocket;
import weft.ipam.AddressRange;
import weft.ipam.AllocationResult;
import weft.ipam.IpamStatus;
import weft.ipam.Ring;
import weft.ipam.TakeoverResult;
import weft.router.plumbing.AttachTarget;
import weft.api.Attachment;
import weft.router.plumbing.AttachmentStore;
import weft.gossip.Cidr;
import weft.router.plumbing.ContainerPlumbing;
import weft.router.sleeve.MacTable;
import weft.router.sleeve.SealedPair;
import weft.router.sleeve.SleeveCipher;
import weft.router.sleeve.SleeveCounters;
import weft.router.sleeve.SleeveForwarder;
import weft.router.sleeve.SleevePeer;
import weft.router.sleeve.SleevePeers;
import weft.gossip.DurableFile;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;

/**
 * One Weft router: the bridge and its TAP port, the sleeve data path, the mesh connections to other routers, the
 * container plumbing and the HTTP API, wired together. {@link #start} builds it in order and undoes what it built
 * if a step fails; {@link #close} takes it down in reverse. Thread-safe: the API calls it from many threads, and
 * each part it delegates to has its own thread rule.
 */
public final class Router implements RouterApi, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Router.class.getName());
    public static final String VERSION = "0.1.0";
    public static final String SLEEVE_INTERFACE = "weft-sleeve";
    private static final long MAC_MAX_AGE_NANOS = Duration.ofMinutes(10).toNanos();
    private static final Duration FIRST_ATTEMPT_WAIT = Duration.ofSeconds(30);
    /** How long a container's namespace may be gone before its addresses are released: long enough for a restart. */
    private static final Duration CONTAINER_GRACE = Duration.ofSeconds(30);
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };

    private final RouterConfig config;
    private final ObjectMapper json;
    private final Deque<AutoCloseable> built = new ArrayDeque<>();
    private final SleevePeers sleevePeers = new SleevePeers();
    private final MacTable macs = new MacTable(MAC_MAX_AGE_NANOS);
    private final SleeveCounters counters = new SleeveCounters();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Set<String> targets = new LinkedHashSet<>(); // guarded by this
    private PeerIdentity identity;
    private OverlayMtu mtu;
    private SleeveForwarder forwarder;
    private FastPath fastPath;
    private EspSupport esp;
    private UdpSocket udp;
    private Routes routes; // mesh loop only
    private Mesh mesh;
    private ContainerPlumbing plumbing;
    private AllocatorProxy allocator;
    private ApiServer api;

    private Router(RouterConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
    }

    /** Builds and starts a router; on failure, whatever was built is taken down again and the cause thrown. */
    public static Router start(RouterConfig config) throws IOException {
        Router router = new Router(config, new ObjectMapper());
        try {
            router.build();
            return router;
        } catch (IOException | RuntimeException | Error e) {
            router.close(); // started threads would otherwise keep a half-built router alive
            throw e;
        }
    }

    private void build() throws IOException {
        RandomGenerator random = RandomGenerator.of("L64X128MixRandom");
        DataDirectory dataDirectory = DataDirectory.claim(config.dataDirectory());
        built.push(dataDirectory);
        Optional<PeerName> name = config.name().map(PeerName::parse);
        PeerIdentity resolved = PeerIdentity.resolve(config.dataDirectory(), name, new java.security.SecureRandom());
        identity = config.nickname().map(nick -> new PeerIdentity(resolved.name(), resolved.incarnation(), nick)).orElse(resolved);
        LOG.log(System.Logger.Level.INFO, "starting Weft " + VERSION + " as " + identity.name().label(identity.nickname()) + ", data directory "
                + config.dataDirectory() + ", overlay range " + config.overlayRange() + ", encryption " + encryptionSummary()
                + (config.trustedSubnets().isEmpty() ? "" : ", trusted subnets " + config.trustedSubnets()) + (config.discovery() ? "" : ", discovery off"));

        Rtnetlink host = Rtnetlink.open();
        built.push(host);
        Set<String> initial = new LinkedHashSet<>(config.peers());
        initial.addAll(loadTargets());
        mtu = OverlayMtu.choose(config.fixedMtu(), underlays(host, initial));
        LOG.log(System.Logger.Level.INFO, "overlay MTU " + mtu.mtu() + ", " + mtu.reason());
        ensureBridge(host);
        // one queue per sending thread: the kernel spreads flows over them, so several streams seal on several cores
        Set<TapDevice.Flag> tapFlags = Set.of(TapDevice.Flag.VNET_HDR, TapDevice.Flag.MULTI_QUEUE);
        TapDevice tap = TapDevice.create(SLEEVE_INTERFACE, tapFlags);
        built.push(tap);
        List<TapDevice> queues = new ArrayList<>(List.of(tap));
        for (int i = 1; i < config.effectiveSleeveQueues(); i++) {
            TapDevice queue = TapDevice.attachQueue(tap.name(), tapFlags);
            built.push(queue);
            queues.add(queue);
        }
        for (TapDevice queue : queues) {
            // 64 KiB TCP segments with their checksums left undone: the sleeve carries them whole to the peer's TAP
            queue.offload(TapDevice.TUN_F_CSUM | TapDevice.TUN_F_TSO4 | TapDevice.TUN_F_TSO6 | TapDevice.TUN_F_TSO_ECN);
        }
        host.setMtu(tap.name(), mtu.mtu());
        host.setMaster(tap.name(), config.bridge());
        host.setUp(tap.name());

        InetSocketAddress sleeveAddress = new InetSocketAddress(config.bindAddress(), config.port());
        // A 64 KiB segment is ~47 datagrams at once: room for a few of them (the sysctl cap is 4 MiB here). A segment's
        // fragments leave as UDP GSO super-datagrams (sendmmsg where GSO is refused); GRO coalesces them on receive.
        try {
            udp = UdpSocket.bind(sleeveAddress, 4 << 20, 64);
        } catch (NativeCallException e) {
            throw new BindException("cannot listen for sleeve UDP on " + sleeveAddress + ": " + e.getMessage());
        }
        built.push(udp);
        forwarder = new SleeveForwarder(identity.name().value(), new TapPort(tap), new NativeSleeveSocket(udp), sleevePeers, macs,
                counters, System::nanoTime, mtu.maxFrame(), mtu.sleeveDatagramPayload());
        forwarder.discoverPathMtu(new ProbeSockets());
        for (TapDevice queue : queues.subList(1, queues.size())) forwarder.addQueue(new TapPort(queue));
        built.push(forwarder);
        forwarder.start();
        LOG.log(System.Logger.Level.INFO, "sleeve: " + SLEEVE_INTERFACE + " with " + queues.size() + " queue(s), one sending thread each");

        esp = XfrmProbe.probe();
        fastPath = FastPath.start(new FastPath.Settings(identity.name().value(), config.bridge(), tap.name(), mtu.mtu(),
                config.port() + 1, config.bindAddress() instanceof java.net.Inet4Address v4 && !v4.isAnyLocalAddress() ? v4 : null,
                config.fastPath() ? Optional.empty() : Optional.of("fast path off (--no-fastdp or WEFT_NO_FASTDP)"), esp.available()),
                forwarder::fastPeers);
        built.push(fastPath);
        if (config.password().isPresent()) {
            LOG.log(System.Logger.Level.INFO, "kernel ESP for an encrypted fast path: " + esp.detail() + (esp.available()
                    ? "; encrypted pairs use the fast path in ESP where their heartbeats flow" : "; encrypted pairs use the sleeve"));
        }

        plumbing = new ContainerPlumbing(host, config.bridge(), mtu.mtu(), config.overlayRange(),
                new AttachmentStore(config.dataDirectory().resolve("attachments.json"), json),
                new DockerEngine(Path.of("/var/run/docker.sock"), json), random);

        int limit = config.connectionLimit() == 0 ? Integer.MAX_VALUE : config.connectionLimit();
        Optional<PasswordKey> password = config.password().map(p -> PasswordKey.derive(p.characters(), Argon2Cost.DEFAULT));
        MeshConfig meshConfig = MeshConfig.DEFAULT
                .withBind(new InetSocketAddress(config.bindAddress(), config.port()))
                .withUdpPort(config.port())
                .withConnections(new ConnectionMaker.Settings(ConnectionMaker.Settings.DEFAULT.initialDelay(),
                        ConnectionMaker.Settings.DEFAULT.maxDelay(), limit))
                .withPassword(password)
                .withTrustedSubnets(config.trustedSubnets())
                .withDiscovery(config.discovery());
        mesh = Mesh.start(identity, meshConfig, new SleeveMembership(), InstantSource.system(), random);
        built.push(mesh);

        allocator = AllocatorProxy.start(mesh, identity.name(), config.allocation(),
                config.dataDirectory().resolve("ipam.snapshot"), random);
        built.push(allocator);
        mesh.onLoop(() -> {
            if (routes != null) allocator.reachable(routes.destinations());
            return null;
        }).join();
        Reclaimer reclaimer = new Reclaimer(plumbing, allocator, InstantSource.system(), CONTAINER_GRACE, Router::namespaceOfOwner);
        java.util.concurrent.ScheduledExecutorService sweeper = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("reclaim").daemon().factory());
        built.push(sweeper::shutdownNow);
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                reclaimer.sweep();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "reclaiming gone containers failed: " + e.getMessage());
            }
        }, 5, 10, java.util.concurrent.TimeUnit.SECONDS);

        for (String target : initial) {
            addTarget(target); // an unresolvable target fails the start: the operator named a host that does not exist
        }
        saveTargets();

        api = new ApiServer(config.httpAddress(), this, json);
        built.push(api);
        api.start();
        LOG.log(System.Logger.Level.INFO, "listening for peers on TCP and UDP " + sleeveAddress.getHostString() + ":" + sleeveAddress.getPort() + ", HTTP API on "
                + config.httpAddress().getHostString() + ":" + config.httpAddress().getPort());
    }

    private void ensureBridge(Rtnetlink host) {
        if (host.link(config.bridge()).isEmpty()) {
            host.createBridge(config.bridge());
            LOG.log(System.Logger.Level.INFO, "created bridge " + config.bridge());
        }
        host.setMtu(config.bridge(), mtu.mtu());
        host.setUp(config.bridge());
    }

    /**
     * The links traffic to {@code targets} leaves by, as the kernel routes it now; when none of them can be looked up
     * (no peers yet, or none resolvable or routable), the links of the main table's default routes.
     */
    private static List<OverlayMtu.Underlay> underlays(Rtnetlink host, Set<String> targets) {
        Map<Integer, Link> links = new java.util.HashMap<>();
        for (Link link : host.links()) links.put(link.index(), link);
        List<OverlayMtu.Underlay> underlays = new ArrayList<>();
        for (String target : targets) {
            InetAddress address;
            Optional<Route> route;
            try {
                address = TargetAddress.parse(target).resolve().getAddress();
                route = host.routeTo(address);
            } catch (IllegalArgumentException | UnknownHostException | NativeCallException e) {
                continue; // the other targets or the default route decide; connecting to this one reports what is wrong
            }
            route.flatMap(r -> underlay(r, links, "the route to " + address.getHostAddress())).ifPresent(underlays::add);
        }
        if (!underlays.isEmpty()) return underlays;
        for (Route route : host.routes()) {
            if (route.prefixLength() == 0 && route.table() == NetlinkAbi.RT_TABLE_MAIN) {
                underlay(route, links, "the default route").ifPresent(underlays::add);
            }
        }
        return underlays;
    }

    private static Optional<OverlayMtu.Underlay> underlay(Route route, Map<Integer, Link> links, String what) {
        Link link = links.get(route.outputIndex());
        return link == null ? Optional.empty() : Optional.of(new OverlayMtu.Underlay(link.name(), link.mtu(), route.mtu(), what));
    }

    /**
     * Hears about peers and routes from the mesh, on the mesh loop, and tells the sleeve where its neighbours are,
     * how to seal for them and which way to send.
     */
    private final class SleeveMembership implements MeshListener {
        @Override
        public void onPeerConnected(ConnectedPeer peer) {
            SleeveCipher cipher = peer.sleeveKeys().map(keys -> (SleeveCipher) new SealedPair(keys.send(), keys.receive())).orElse(null);
            sleevePeers.put(new SleevePeer(peer.name().value(), peer.name().label(peer.nickname()), peer.udpAddress(), cipher));
            LOG.log(System.Logger.Level.INFO, "connected to " + peer + ", " + (peer.encrypted() ? "encrypted" : "unencrypted")
                    + ", sleeve to " + peer.udpAddress().getAddress().getHostAddress() + ":" + peer.udpPort() + (cipher != null ? " sealed" : " in clear"));
            republishRoutes();
            // the ESP keys go along only where the kernel can use them; without, the pair is ineligible anyway
            Optional<EspKeys> espKeys = peer.sleeveKeys().filter(keys -> esp.available())
                    .map(keys -> new EspKeys(keys.espSend(), keys.espReceive()));
            fastPath.connected(new FastPathTable.Peer(peer.name().value(), peer.name().label(peer.nickname()),
                    peer.udpAddress().getAddress(), fastPathIneligible(peer, cipher != null), espKeys));
        }

        @Override
        public void onPeerDisconnected(PeerName peer, String reason) {
            sleevePeers.remove(peer.value());
            republishRoutes();
            fastPath.disconnected(peer.value());
        }

        @Override
        public void onRoutesChanged(Routes newRoutes) {
            routes = newRoutes;
            republishRoutes();
            if (allocator != null) allocator.reachable(newRoutes.destinations());
        }

        @Override
        public void onPeersForgotten(List<PeerName> peers) {
            for (PeerName peer : peers) macs.forgetPeer(peer.value());
        }
    }

    /**
     * Why a pair may not use the kernel fast path, or empty when it may; an encrypted pair that may still needs its
     * ESP state, which the fast path installs and reports on.
     */
    private Optional<String> fastPathIneligible(ConnectedPeer peer, boolean sealed) {
        if (!(peer.udpAddress().getAddress() instanceof java.net.Inet4Address)) {
            return Optional.of("the peer's underlay address is IPv6; the fast path is IPv4 only");
        }
        if (sealed && !esp.available()) {
            return Optional.of("data is encrypted, and this kernel has no ESP for an encrypted fast path");
        }
        return Optional.empty();
    }

    /** Mesh loop only: the sleeve's routes follow both the topology and the neighbours' current keys. */
    private void republishRoutes() {
        if (routes != null) forwarder.routes(MeshRoutes.of(routes, sleevePeers));
    }

    private String encryptionSummary() {
        return config.password().isPresent()
                ? "enabled (X25519 + Argon2id password, AES-256-GCM control and data)"
                : "disabled (no password: control and data travel in clear)";
    }

    private CompletableFuture<ConnectOutcome> addTarget(String target) {
        CompletableFuture<ConnectOutcome> outcome = mesh.connect(target);
        if (outcome.isCompletedExceptionally()) {
            try {
                outcome.join();
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(rootMessage(e));
            }
        }
        synchronized (this) {
            targets.add(target);
        }
        return outcome;
    }

    @Override
    public List<ConnectResult> connect(List<String> peers) {
        if (peers.isEmpty()) throw new IllegalArgumentException("at least one peer is required");
        List<CompletableFuture<ConnectOutcome>> outcomes = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (String peer : peers) {
            try {
                outcomes.add(addTarget(peer));
                errors.add(null);
            } catch (IllegalArgumentException e) {
                outcomes.add(null);
                errors.add(e.getMessage());
            }
        }
        saveTargetsQuietly();
        List<ConnectResult> results = new ArrayList<>();
        for (int i = 0; i < peers.size(); i++) {
            String peer = peers.get(i);
            if (outcomes.get(i) == null) {
                results.add(new ConnectResult(peer, false, errors.get(i)));
                continue;
            }
            try {
                ConnectOutcome outcome = outcomes.get(i).get(FIRST_ATTEMPT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                results.add(switch (outcome) {
                    case ConnectOutcome.Connected(PeerName name, String nickname) -> new ConnectResult(peer, true, "connected to " + name.label(nickname));
                    case ConnectOutcome.Failed(String reason) -> new ConnectResult(peer, false, reason + " (retrying; 'weft forget " + peer + "' stops it)");
                });
            } catch (TimeoutException e) {
                results.add(new ConnectResult(peer, false, "no answer within " + FIRST_ATTEMPT_WAIT.toSeconds() + " s (retrying)"));
            } catch (ExecutionException e) {
                results.add(new ConnectResult(peer, false, rootMessage(e)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while connecting", e);
            }
        }
        return results;
    }

    @Override
    public List<String> forget(List<String> peers) {
        List<String> forgotten = new ArrayList<>();
        for (String peer : peers) {
            boolean known = mesh.forget(peer).join();
            synchronized (this) {
                known |= targets.remove(peer);
            }
            if (known) forgotten.add(peer);
        }
        saveTargetsQuietly();
        return forgotten;
    }

    private List<String> loadTargets() throws IOException {
        Path file = config.dataDirectory().resolve("targets.json");
        if (!Files.exists(file)) return List.of();
        try {
            return json.readValue(file.toFile(), STRINGS);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "ignoring unreadable " + file + ": " + e.getMessage());
            return List.of();
        }
    }

    private synchronized void saveTargets() throws IOException {
        DurableFile.write(config.dataDirectory().resolve("targets.json"), json.writeValueAsBytes(new ArrayList<>(targets)));
    }

    private void saveTargetsQuietly() {
        try {
            saveTargets();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot save targets: " + e.getMessage() + "; they are lost on restart");
        }
    }

    @Override
    public StatusReport status() {
        MeshStatus mesh = this.mesh.status().join();
        Map<Long, Integer> pathMtus = forwarder.pathMtus();
        List<StatusReport.ConnectionView> connections = mesh.connections().stream().map(c -> new StatusReport.ConnectionView(
                c.peer().map(PeerName::toString).orElse(""), c.nickname().orElse(""),
                c.remoteAddress().getAddress().getHostAddress() + ":" + c.remoteAddress().getPort(),
                c.outbound() ? "outbound" : "inbound", c.state().name().toLowerCase(), c.since().toString(),
                c.state() == MeshStatus.State.ESTABLISHED ? c.peer().map(p -> fastPath.describe(p.value())).orElse("") : "",
                !c.encrypted() ? "plaintext" : c.dataEncrypted() ? "encrypted, data sealed" : "encrypted, data in clear (trusted)",
                c.peer().map(p -> pathMtus.getOrDefault(p.value(), 0)).orElse(0))).toList();
        List<StatusReport.TargetView> targetViews = mesh.targets().stream().map(t -> new StatusReport.TargetView(
                t.target(), t.state().name().toLowerCase(), t.peer().map(PeerName::toString).orElse(""),
                t.lastError().orElse(""), t.nextAttempt().map(Object::toString).orElse(""), t.attempts())).toList();
        List<StatusReport.PeerView> peers = mesh.peers().stream().map(p -> new StatusReport.PeerView(p.name().toString(), p.nickname(),
                Long.toUnsignedString(p.incarnation(), 16), p.version(), p.shortId(),
                p.links().stream().map(l -> l.peer() + (l.established() ? "" : " (connecting)")).toList())).toList();
        Map<String, String> unicast = new java.util.TreeMap<>();
        mesh.routes().table().forEach((destination, hop) -> unicast.put(destination.toString(), hop.toString()));
        Map<String, Long> sleeve = sleeveCounters();
        return new StatusReport(VERSION, ProcessHandle.current().pid(), identity.name().toString(), identity.nickname(), encryptionSummary(),
                config.bindAddress().getHostAddress() + ":" + config.port(), config.port(),
                config.httpAddress().getHostString() + ":" + config.httpAddress().getPort(), config.bridge(), SLEEVE_INTERFACE,
                mtu.mtu(), mtu.reason(), config.overlayRange().toString(), config.dataDirectory().toString(), connections, targetViews,
                peers, unicast, macs.size(), sleeve, ipamView(mesh), fastPathSummary(), fastPath.counters(), kernelCapabilities());
    }

    private String fastPathSummary() {
        return fastPath.unavailable().orElse(FastPath.INTERFACE + " (VXLAN, UDP " + (config.port() + 1) + ") on " + config.bridge()
                + ", isolated from " + SLEEVE_INTERFACE);
    }

    /** What the kernel offered when the data paths were built; a refusal would have stopped the start or been said here. */
    private Map<String, String> kernelCapabilities() {
        Map<String, String> kernel = new java.util.TreeMap<>();
        kernel.put("vxlan and bridge port isolation", config.fastPath()
                ? fastPath.unavailable().orElse("available") : "not tried (fast path off)");
        kernel.put("esp (xfrm rfc4106(gcm(aes)))", esp.detail());
        kernel.put("tap vnet_hdr, offloads and multi-queue", "available (csum, tso4, tso6, tso_ecn; " + config.effectiveSleeveQueues() + " queues)");
        kernel.put("udp gso", udp.segmenting() ? "available" : "refused (errno " + udp.segmentingRefusedErrno() + "): datagrams leave by sendmmsg");
        kernel.put("udp gro", udp.coalescing() ? "available" : "refused: datagrams arrive one by one");
        return kernel;
    }

    private StatusReport.IpamView ipamView(MeshStatus mesh) {
        IpamStatus status = allocator.status();
        Ring ring = allocator.ring();
        Map<PeerName, Long> sizes = new java.util.TreeMap<>();
        Map<PeerName, List<String>> ranges = new java.util.TreeMap<>();
        for (int i = 0; i < ring.entries().size(); i++) {
            PeerName owner = ring.entries().get(i).owner();
            AddressRange range = ring.rangeOf(i);
            sizes.merge(owner, range.size(), Long::sum);
            ranges.computeIfAbsent(owner, o -> new ArrayList<>()).add(range.toString());
        }
        Map<PeerName, Long> free = ring.isInitialised() ? ring.freeByOwner(ring.universe()) : Map.of();
        Map<PeerName, String> nicknames = new java.util.HashMap<>();
        mesh.peers().forEach(p -> nicknames.put(p.name(), p.nickname()));
        Set<PeerName> reachable = new java.util.HashSet<>(mesh.routes().table().keySet());
        reachable.add(identity.name());
        long universe = ring.universe().size();
        List<StatusReport.IpamView.Share> shares = sizes.entrySet().stream().map(e -> new StatusReport.IpamView.Share(
                e.getKey().toString(), nicknames.getOrDefault(e.getKey(), ""), e.getValue(), 100.0 * e.getValue() / universe,
                free.getOrDefault(e.getKey(), 0L), reachable.contains(e.getKey()), ranges.get(e.getKey()))).toList();
        return new StatusReport.IpamView(config.allocation().universe().toString(), config.allocation().defaultSubnet().toString(),
                status.phase().name().toLowerCase().replace('_', ' '), status.waitingFor(), status.ring().map(Object::toString).orElse(""),
                status.freeAddresses(), status.allocations(), shares,
                status.pending().stream().map(w -> w.owner() + ": " + w.request() + " waiting " + w.waited().toSeconds() + " s: " + w.reason()).toList(),
                status.conflicts().stream().map(c -> c.kind().name().toLowerCase() + ": " + c.detail()).toList(),
                status.persistenceFailure().orElse(""));
    }

    /**
     * Attaches {@code target} with the addresses given, or with one the allocator hands out when none are. Given
     * addresses inside the allocation range are claimed first, so the allocator never hands them out elsewhere;
     * whatever this call obtained from the allocator is released again if the plumbing fails.
     */
    @Override
    public Attachment attach(String targetText, List<String> cidrTexts) throws IOException {
        AttachTarget target = AttachTarget.parse(targetText);
        List<Cidr> given = cidrTexts.stream().map(Cidr::parse).toList();
        plumbing.checkTarget(target); // a missing namespace is reported before anything is allocated
        String owner = target.key();
        List<Cidr> addresses = given.isEmpty() ? List.of(allocate(owner, Optional.empty())) : claim(owner, given);
        Set<String> held = plumbing.attachments().stream().filter(a -> a.target().equals(owner))
                .flatMap(a -> a.cidrs().stream()).collect(java.util.stream.Collectors.toSet());
        try {
            return plumbing.attach(target, addresses);
        } catch (IOException | RuntimeException e) {
            for (Cidr cidr : addresses) {
                if (!held.contains(cidr.toString()) && inRange(cidr)) allocator.releaseAddress(cidr.addressValue());
            }
            throw e;
        }
    }

    @Override
    public Attachment detach(String targetText, List<String> cidrTexts) throws IOException {
        AttachTarget target = AttachTarget.parse(targetText);
        List<Cidr> cidrs = cidrTexts.stream().map(Cidr::parse).toList();
        Attachment detached = plumbing.detach(target, cidrs);
        releaseDetached(target.key(), cidrs);
        return detached;
    }

    @Override
    public List<Attachment> attachments() {
        return plumbing.attachments();
    }

    @Override
    public Attachment expose(List<String> cidrTexts) throws IOException {
        List<Cidr> given = cidrTexts.stream().map(Cidr::parse).toList();
        List<Cidr> addresses = given.isEmpty() ? List.of(allocate(Attachment.EXPOSE, Optional.empty())) : claim(Attachment.EXPOSE, given);
        return plumbing.expose(addresses);
    }

    @Override
    public Attachment hide(List<String> cidrTexts) throws IOException {
        List<Cidr> cidrs = cidrTexts.stream().map(Cidr::parse).toList();
        Attachment hidden = plumbing.hide(cidrs);
        releaseDetached(Attachment.EXPOSE, cidrs);
        return hidden;
    }

    private void releaseDetached(String owner, List<Cidr> cidrs) {
        if (cidrs.isEmpty()) {
            allocator.release(owner);
            return;
        }
        for (Cidr cidr : cidrs) {
            long address = cidr.addressValue();
            if (inRange(cidr) && allocator.addressesOf(owner).contains(address)) allocator.releaseAddress(address);
        }
    }

    private boolean inRange(Cidr cidr) {
        return config.overlayRange().contains(cidr.address());
    }

    private Cidr allocate(String owner, Optional<AddressRange> subnet) {
        return switch (allocator.allocate(owner, subnet)) {
            case AllocationResult.Allocated(long address, AddressRange in) -> Cidr.of(address, in.prefixLength());
            case AllocationResult.Failed(String reason) -> throw new IllegalStateException("no address for " + owner + ": " + reason);
        };
    }

    private List<Cidr> claim(String owner, List<Cidr> given) {
        for (Cidr cidr : given) {
            if (!inRange(cidr)) continue; // outside the allocation range: the operator manages it
            if (allocator.claim(owner, cidr.addressValue()) instanceof AllocationResult.Failed(String reason)) {
                throw new IllegalArgumentException("cannot use " + cidr + ": " + reason);
            }
        }
        return given;
    }

    @Override
    public String removePeer(String peerText, boolean force) {
        PeerName dead = resolvePeer(peerText);
        return switch (allocator.takeover(dead, force)) {
            case TakeoverResult.TookOver(PeerName from, List<AddressRange> ranges, long addresses) -> {
                LOG.log(System.Logger.Level.INFO, "took over " + addresses + " addresses of peer " + from + ": " + ranges);
                yield addresses + " addresses taken over from " + from + (ranges.isEmpty() ? " (it owned none)" : " " + ranges);
            }
            case TakeoverResult.Refused(String reason) -> throw new IllegalArgumentException("not taken over: " + reason);
        };
    }

    /** The namespace file an allocation owner stands for, for owners named after one. */
    private static Optional<Path> namespaceOfOwner(String owner) {
        try {
            return switch (AttachTarget.parse(owner)) {
                case AttachTarget.Netns(String name) -> Optional.of(Path.of("/run/netns", name));
                case AttachTarget.Pid(long pid) -> Optional.of(Path.of("/proc", Long.toString(pid), "ns", "net"));
                case AttachTarget.Docker d -> Optional.empty(); // asking the engine each sweep is not worth it yet
            };
        } catch (IllegalArgumentException notATarget) {
            return Optional.empty(); // an owner id from another client (CNI, later): not ours to judge
        }
    }

    /** A peer name, or the nickname of a peer the topology knows (which must be unambiguous). */
    private PeerName resolvePeer(String text) {
        try {
            return PeerName.parse(text);
        } catch (IllegalArgumentException notAName) {
            List<PeerName> named = mesh.status().join().peers().stream().filter(p -> p.nickname().equals(text)).map(p -> p.name()).toList();
            if (named.size() == 1) return named.getFirst();
            throw new IllegalArgumentException(named.isEmpty() ? "no peer named or nicknamed '" + text + "'"
                    : "nickname '" + text + "' is used by " + named + "; give the peer name");
        }
    }

    @Override
    public String adoptWinningRing() {
        return allocator.adoptWinningRing()
                .map(dropped -> {
                    String addresses = dropped.stream().map(AddressRange::format).toList().toString();
                    LOG.log(System.Logger.Level.WARNING, "adopted the winning allocation ring; dropped " + dropped.size() + " addresses " + addresses);
                    return "adopted the winning ring; " + dropped.size() + " addresses dropped " + addresses + ": re-attach their containers";
                })
                .orElseThrow(() -> new IllegalArgumentException("there is no conflicting ring to adopt (see 'weft status ipam')"));
    }

    @Override
    public String primeAllocation() {
        allocator.prime();
        return allocator.status().phase().name().toLowerCase();
    }

    /** The forwarder's counters and the socket's: how many datagrams left in GSO super-datagrams or plain, came in coalesced. */
    private Map<String, Long> sleeveCounters() {
        Map<String, Long> all = new java.util.TreeMap<>();
        counters.snapshot().forEach((counter, value) -> all.put(counter.label(), value));
        all.put("udp-gso-sends", udp.segmentedSends());
        all.put("udp-gso-datagrams", udp.segmentedDatagrams());
        all.put("udp-plain-sends", udp.plainSends());
        all.put("udp-plain-datagrams", udp.plainDatagrams());
        all.put("udp-gro-receives", udp.coalescedReceives());
        all.put("udp-gro-datagrams", udp.coalescedDatagrams());
        all.put("udp-truncated-receives", udp.truncatedReceives());
        return all;
    }

    @Override
    public String metrics() {
        StringBuilder text = new StringBuilder();
        text.append("# HELP weft_sleeve_events_total Frames, bytes and drops of the userspace data path, by kind.\n");
        text.append("# TYPE weft_sleeve_events_total counter\n");
        sleeveCounters().forEach((kind, value) ->
                text.append("weft_sleeve_events_total{kind=\"").append(kind).append("\"} ").append(value).append('\n'));
        text.append("# HELP weft_connections Connections to other routers, by state.\n# TYPE weft_connections gauge\n");
        MeshStatus status = mesh.status().join();
        long established = status.established().size();
        text.append("weft_connections{state=\"established\"} ").append(established).append('\n');
        text.append("weft_connections{state=\"handshaking\"} ").append(status.connections().size() - established).append('\n');
        text.append("# HELP weft_learned_macs MAC addresses known to live behind peers.\n# TYPE weft_learned_macs gauge\n");
        text.append("weft_learned_macs ").append(macs.size()).append('\n');
        return text.toString();
    }

    @Override
    public void stop() {
        LOG.log(System.Logger.Level.INFO, "stop requested through the API");
        stopped.countDown();
    }

    /** Blocks until {@link #stop} is called. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    @Override
    public synchronized void close() {
        stopped.countDown();
        while (!built.isEmpty()) {
            AutoCloseable part = built.pop();
            try {
                part.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "while stopping, closing " + part.getClass().getSimpleName() + " failed: " + e.getMessage());
            }
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && (cause instanceof ExecutionException || cause instanceof java.util.concurrent.CompletionException)) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }

    /** The FFM socket as the sleeve's socket: UDP GSO or sendmmsg out, GRO and recvmmsg in. */
    private record NativeSleeveSocket(UdpSocket socket) implements weft.router.sleeve.SleeveSocket {
        @Override
        public Sender newSender() {
            UdpSocket.Sender sender = socket.newSender();
            return new Sender() {
                @Override
                public void startBatch(InetSocketAddress to) {
                    sender.start(to);
                }

                @Override
                public boolean add(java.lang.foreign.MemorySegment datagram, int length) {
                    return sender.add(datagram, length);
                }

                @Override
                public int flush() {
                    return sender.send();
                }
            };
        }

        @Override
        public int receive(java.lang.foreign.MemorySegment[] slots, int[] lengths, int timeoutMillis) {
            int n = socket.receiveBatch(slots, timeoutMillis);
            for (int i = 0; i < n; i++) lengths[i] = socket.receivedLength(i);
            return n;
        }

        @Override
        public void shutdown() {
            socket.shutdown();
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** Path MTU probes leave through one don't-fragment socket per neighbour endpoint, opened on first use. */
    private static final class ProbeSockets implements weft.router.sleeve.DontFragmentSender {
        private final Map<InetSocketAddress, weft.kernel.DontFragmentSocket> sockets = new java.util.HashMap<>();

        @Override
        public int send(InetSocketAddress to, java.lang.foreign.MemorySegment datagram, int length) {
            try {
                return socketFor(to).send(datagram, length);
            } catch (NativeCallException | IllegalArgumentException e) {
                return -1;
            }
        }

        @Override
        public int pathMtu(InetSocketAddress to) {
            try {
                return socketFor(to).currentPathMtu();
            } catch (NativeCallException | IllegalArgumentException e) {
                return 0;
            }
        }

        private weft.kernel.DontFragmentSocket socketFor(InetSocketAddress to) {
            weft.kernel.DontFragmentSocket socket = sockets.get(to);
            if (socket == null) {
                socket = weft.kernel.DontFragmentSocket.connect(to);
                sockets.put(to, socket);
            }
            return socket;
        }

        @Override
        public void close() {
            sockets.values().forEach(weft.kernel.DontFragmentSocket::close);
            sockets.clear();
        }
    }

    /** The TAP device as the sleeve's frame port. */
    private record TapPort(TapDevice tap) implements weft.router.sleeve.FramePort {
        @Override
        public int read(java.lang.foreign.MemorySegment into, int timeoutMillis) {
            return tap.read(into, timeoutMillis);
        }

        @Override
        public void write(java.lang.foreign.MemorySegment frame, long length) {
            tap.write(frame, length);
        }

        @Override
        public int vnetHeaderLength() {
            return tap.vnetHeader() ? TapDevice.VNET_HDR_LENGTH : 0;
        }
    }
}

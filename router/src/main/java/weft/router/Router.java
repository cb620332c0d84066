package weft.router;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import weft.api.ApiReply;
import weft.api.ApiRequest;
import weft.api.ApiCodec;
import weft.api.ApiLocation;
import weft.api.ApiToken;
import weft.api.Attachment;
import weft.api.CniService;
import weft.api.ConnectResult;
import weft.api.DnsStatus;
import weft.api.PolicyService;
import weft.api.PolicyStatus;
import weft.api.RouterApi;
import weft.api.StatusReport;
import weft.crypto.Argon2Cost;
import weft.crypto.PasswordKey;
import weft.crypto.GcmEngine;
import weft.gossip.Mesh;
import weft.gossip.MeshConfig;
import weft.gossip.PeerIdentity;
import weft.gossip.PeerName;
import weft.gossip.connect.ConnectionMaker;
import weft.kernel.EspSupport;
import weft.kernel.NativeCallException;
import weft.kernel.Rtnetlink;
import weft.kernel.TapDevice;
import weft.kernel.UdpSocket;
import weft.kernel.XfrmProbe;
import weft.router.docker.DockerEngine;
import weft.router.fastpath.FastPath;
import weft.router.http.ApiLocationFile;
import weft.router.http.ApiServer;
import weft.router.http.ApiTokenFile;
import weft.dns.NameChannel;
import weft.router.http.MetricsServer;
import weft.router.plumbing.AttachmentStore;
import weft.router.plumbing.BridgeForwarding;
import weft.router.plumbing.ContainerPlumbing;
import weft.router.sleeve.KernelProbeSockets;
import weft.router.sleeve.KernelSleeveSocket;
import weft.router.sleeve.MacTable;
import weft.router.sleeve.SleeveCounters;
import weft.router.sleeve.SleeveForwarder;
import weft.router.sleeve.SleevePeers;
import weft.router.sleeve.TapFramePort;
import weft.router.view.LinkChannel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * One Weft router, wired: the bridge and its TAP port, the sleeve, the fast path, the mesh, the allocator, the
 * container plumbing, the reports of its links to the mesh ({@link LinkReporter}) and the HTTP API. {@link #start}
 * builds the parts in order and takes down what it built if a step fails; {@link #close} takes them down in reverse.
 * The API's work is done by the parts it delegates to: {@link TargetList}, {@link Attachments}, {@link IpamCommands},
 * {@link StatusView} and {@link RouterMetrics}.
 *
 * <p>Thread rule: every field is final and set before the API starts, so the API's threads read them safely; each
 * part has its own thread rule. Mesh events reach the data paths through {@link MeshMembership} on the mesh loop.
 */
public final class Router implements RouterApi, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Router.class.getName());
    public static final String VERSION = "0.1.0";
    public static final String SLEEVE_INTERFACE = "weft-sleeve";
    private static final long MAC_MAX_AGE_NANOS = Duration.ofMinutes(10).toNanos();
    /** How long a container's namespace may be gone before its addresses are released: long enough for a restart. */
    private static final Duration CONTAINER_GRACE = Duration.ofSeconds(30);

    private final Deque<AutoCloseable> built; // pushed by start() before the API runs, popped by close(); guarded by this after
    private final StopSignal stop;
    private final TargetList targets;
    private final Attachments attachments;
    private final IpamCommands ipam;
    private final AddressLeases leases;
    private final StatusView status;
    private final RouterMetrics metrics;
    private final NameService names;
    private final DockerEngine docker;
    private final LinkChannel links;
    private volatile PolicyService policies; // set once by the Kubernetes addon, read by the API's threads

    private Router(Deque<AutoCloseable> built, StopSignal stop, TargetList targets, Attachments attachments, IpamCommands ipam,
                   AddressLeases leases, StatusView status, RouterMetrics metrics, NameService names, DockerEngine docker,
                   LinkChannel links) {
        this.built = built;
        this.stop = stop;
        this.targets = targets;
        this.attachments = attachments;
        this.ipam = ipam;
        this.leases = leases;
        this.status = status;
        this.metrics = metrics;
        this.names = names;
        this.docker = docker;
        this.links = links;
    }

    /**
     * Builds and starts a router; on failure, whatever was built is taken down again and the cause thrown.
     *
     * @param stop what the router's stop and its unrecoverable failures are told to
     * @param cni  the CNI plugin to serve on the API, given the router
     */
    public static Router start(RouterConfig config, StopSignal stop, Function<RouterApi, CniService> cni) throws IOException {
        Deque<AutoCloseable> built = new ArrayDeque<>();
        try {
            return build(config, stop, cni, built);
        } catch (IOException | RuntimeException | Error e) {
            closeAll(built); // started threads would otherwise keep a half-built router alive
            throw e;
        }
    }

    private static Router build(RouterConfig config, StopSignal stop, Function<RouterApi, CniService> cni, Deque<AutoCloseable> built)
            throws IOException {
        ObjectMapper json = new ObjectMapper();
        RandomGenerator random = RandomGenerator.of("L64X128MixRandom");
        built.push(DataDirectory.claim(config.dataDirectory()));
        PeerIdentity identity = identity(config);
        LOG.log(System.Logger.Level.INFO, "starting Weft " + VERSION + " as " + identity.name().label(identity.nickname()) + ", data directory "
                + config.dataDirectory() + ", overlay range " + config.overlayRange() + ", encryption " + StatusView.encryptionSummary(config)
                + (config.trustedSubnets().isEmpty() ? "" : ", trusted subnets " + config.trustedSubnets()) + (config.discovery() ? "" : ", discovery off"));

        config.encryptionWarnings().forEach(warning -> LOG.log(System.Logger.Level.WARNING, warning));
        Rtnetlink host = Rtnetlink.open();
        built.push(host);
        Path targetsFile = config.dataDirectory().resolve("targets.json");
        Set<String> initialTargets = initialTargets(config.peers(), TargetList.saved(targetsFile, json));
        OverlayMtu mtu = OverlayMtu.choose(config.fixedMtu(), UnderlayLinks.towards(host, initialTargets));
        LOG.log(System.Logger.Level.INFO, "overlay MTU " + mtu.mtu() + ", " + mtu.reason());
        if (BridgeLink.ensure(host, config.bridge(), mtu.mtu())) LOG.log(System.Logger.Level.INFO, "created bridge " + config.bridge());
        LOG.log(System.Logger.Level.INFO, BridgeForwarding.ofHost().allow(config.bridge()));
        List<TapDevice> queues = sleeveQueues(host, config, mtu, built);

        UdpSocket udp = bindSleeve(config);
        built.push(udp);
        SleevePeers sleevePeers = new SleevePeers();
        MacTable macs = new MacTable(MAC_MAX_AGE_NANOS);
        SleeveCounters counters = new SleeveCounters();
        SleeveForwarder forwarder = new SleeveForwarder(identity.name().value(), new TapFramePort(queues.getFirst()),
                new KernelSleeveSocket(udp), sleevePeers, macs, counters, System::nanoTime, mtu.maxFrame(), mtu.sleeveDatagramPayload());
        forwarder.discoverPathMtu(new KernelProbeSockets());
        for (TapDevice queue : queues.subList(1, queues.size())) forwarder.addQueue(new TapFramePort(queue));
        built.push(forwarder);
        forwarder.start();
        LOG.log(System.Logger.Level.INFO, "sleeve: " + SLEEVE_INTERFACE + " with " + queues.size() + " queue(s), one sending thread each");

        EspSupport esp = XfrmProbe.probe();
        FastPath fastPath = FastPath.start(new FastPath.Settings(identity.name().value(), config.bridge(), SLEEVE_INTERFACE, mtu.mtu(),
                config.port() + 1, config.bindAddress() instanceof Inet4Address v4 && !v4.isAnyLocalAddress() ? v4 : null,
                fastPathOff(config, esp), esp.available()), forwarder::fastPeers, System::nanoTime);
        built.push(fastPath);
        GcmEngine gcm = GcmEngine.preferred();
        if (config.password().isPresent()) {
            String named = " (-D" + GcmEngine.PROPERTY + ")", withoutLibcrypto = GcmEngine.LIBCRYPTO.unavailable();
            LOG.log(System.Logger.Level.INFO, "sleeve datagrams sealed with AES-256-GCM by " + switch (gcm) {
                case JDK -> "the JDK" + (withoutLibcrypto != null ? ", since libcrypto 3 cannot be used: " + withoutLibcrypto : named);
                case LIBCRYPTO -> "libcrypto 3 (OpenSSL)" + named;
                case BY_SIZE -> "libcrypto 3 (OpenSSL) below " + GcmEngine.LARGE_PAYLOAD + " bytes, the JDK for larger segments";
            });
            LOG.log(System.Logger.Level.INFO, "kernel ESP for an encrypted fast path: " + esp.detail() + (esp.available()
                    ? "; encrypted pairs use the fast path in ESP where their heartbeats flow" : "; encrypted pairs use the sleeve"));
        }

        DockerEngine docker = new DockerEngine(config.dockerSocket(), json);
        ContainerPlumbing plumbing = new ContainerPlumbing(Rtnetlink::open, config.bridge(), mtu.mtu(), config.overlayRange(),
                new AttachmentStore(config.dataDirectory().resolve("attachments.json"), json), docker, random);
        MeshMembership membership = new MeshMembership(sleevePeers, macs, forwarder, fastPath, esp.available(), gcm);
        Mesh mesh = Mesh.start(identity, meshConfig(config), membership, InstantSource.system(), random);
        built.push(mesh);
        AllocatorProxy allocator = AllocatorProxy.start(mesh, identity.name(), config.allocation(),
                config.dataDirectory(), random);
        built.push(allocator);
        NameService names = NameService.start(mesh, identity.name(), config.dataDirectory(), config.dns());
        built.push(names);
        LinkChannel links = mesh.onLoop(() -> new LinkChannel(identity.name(), InstantSource.system(),
                gossiper -> mesh.registerChannel(LinkChannel.CHANNEL, gossiper))).join();
        mesh.onLoop(() -> {
            membership.allocatorReady(allocator);
            membership.namesReady(names.channel());
            membership.linksReady(links);
            return null;
        }).join();
        startReclaimer(plumbing, allocator, names, new AddressAudit(plumbing, allocator, config.overlayRange()), built);
        startLinkWarden(new LinkWarden(Rtnetlink::open, config.bridge(), SLEEVE_INTERFACE, mtu.mtu(), plumbing::attachments, stop), stop, built);

        TargetList targets = new TargetList(targetsFile, json, mesh);
        targets.start(initialTargets);
        ScheduledExecutorService resolver = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("resolve-peers").daemon().factory());
        built.push(resolver::shutdownNow);
        resolver.scheduleWithFixedDelay(targets::resolveAgain, TargetList.RESOLVE_INTERVAL.toSeconds(), TargetList.RESOLVE_INTERVAL.toSeconds(), TimeUnit.SECONDS);
        NameChannel namesChannel = names.channel();
        RouterMetrics metrics = new RouterMetrics(counters, udp, macs, mesh, sleevePeers, forwarder, fastPath, allocator,
                () -> mesh.onLoop(() -> Map.of("dns/malformed", namesChannel.refused(), "links/malformed", links.refused(),
                        "links/over-limit", links.dropped())).join());
        built.push(LinkReporter.start(metrics, mesh, links));
        Router router = new Router(built, stop, targets, new Attachments(plumbing, allocator, config.overlayRange()),
                new IpamCommands(allocator, mesh), new AddressLeases(allocator, config.overlayRange()),
                new StatusView(config, identity, mtu, mesh, forwarder, fastPath, esp, udp, macs, allocator, metrics, targets::unresolved), metrics,
                names, docker, links);
        router.followBridgeAddress(); // the host may be exposed from before a restart
        Optional<ApiToken> token = config.httpRemote()
                ? Optional.of(ApiTokenFile.readOrCreate(config.dataDirectory(), new SecureRandom())) : Optional.empty();
        ApiServer api = new ApiServer(config.httpAddress(), router, json, token, Optional.of(cni.apply(router)));
        built.push(api);
        api.start();
        // popped before the API closes, so the record never outlives it on a clean stop
        built.push(ApiLocationFile.publish(config.dataDirectory(), ApiLocation.of(api.address(), ProcessHandle.current().pid()), new ApiCodec(json)));
        if (config.metricsAddress().isPresent()) {
            MetricsServer scraped = MetricsServer.start(config.metricsAddress().get(), router::metrics, () -> router.topologyJson(json));
            built.push(scraped);
            String served = "http://" + scraped.address().getHostString() + ":" + scraped.address().getPort();
            LOG.log(System.Logger.Level.INFO, "serving metrics for Prometheus on " + served + MetricsServer.PATH + " and the topology page on "
                    + served + MetricsServer.TOPOLOGY_PATH + " (read-only, no token)");
        }
        LOG.log(System.Logger.Level.INFO, "listening for peers on TCP and UDP " + config.bindAddress().getHostAddress() + ":" + config.port()
                + ", HTTP API on " + config.httpAddress().getHostString() + ":" + config.httpAddress().getPort()
                + (token.isPresent() ? " for other hosts too, each request with the token in " + config.dataDirectory().resolve(ApiToken.FILE_NAME) : ""));
        return router;
    }

    /**
     * Why this router opens no VXLAN port, or empty when it does: turned off, or no pair could use it, which is the
     * case when every pair encrypts (a password, and no subnet trusted) and the kernel has no ESP. A port nobody may
     * use would only be something to attack.
     */
    private static Optional<String> fastPathOff(RouterConfig config, EspSupport esp) {
        if (!config.fastPath()) return Optional.of("fast path off (--no-fastdp or WEFT_NO_FASTDP)");
        if (config.password().isPresent() && config.trustedSubnets().isEmpty() && !esp.available()) {
            return Optional.of("data is encrypted, and this kernel has no ESP for an encrypted fast path (no VXLAN port is opened)");
        }
        return Optional.empty();
    }

    private static PeerIdentity identity(RouterConfig config) throws IOException {
        Optional<PeerName> name = config.name().map(PeerName::parse);
        PeerIdentity resolved = PeerIdentity.resolve(config.dataDirectory(), name, new SecureRandom());
        return config.nickname().map(nick -> new PeerIdentity(resolved.name(), resolved.incarnation(), nick)).orElse(resolved);
    }

    /**
     * The sleeve's TAP port on the bridge, one queue per sending thread: the kernel spreads flows over the queues, so
     * several streams seal on several cores. It hands over 64 KiB TCP segments with their checksums left undone, which
     * the sleeve carries whole to the peer's TAP.
     */
    private static List<TapDevice> sleeveQueues(Rtnetlink host, RouterConfig config, OverlayMtu mtu, Deque<AutoCloseable> built) {
        Set<TapDevice.Flag> flags = Set.of(TapDevice.Flag.VNET_HDR, TapDevice.Flag.MULTI_QUEUE);
        TapDevice tap = TapDevice.create(SLEEVE_INTERFACE, flags);
        built.push(tap);
        List<TapDevice> queues = new ArrayList<>(List.of(tap));
        for (int i = 1; i < config.effectiveSleeveQueues(); i++) {
            TapDevice queue = TapDevice.attachQueue(tap.name(), flags);
            built.push(queue);
            queues.add(queue);
        }
        for (TapDevice queue : queues) {
            queue.offload(TapDevice.TUN_F_CSUM | TapDevice.TUN_F_TSO4 | TapDevice.TUN_F_TSO6 | TapDevice.TUN_F_TSO_ECN);
        }
        host.setMtu(tap.name(), mtu.mtu());
        host.setMaster(tap.name(), config.bridge());
        host.setUp(tap.name());
        return queues;
    }

    /**
     * The sleeve's UDP socket. A 64 KiB segment is ~47 datagrams at once: room for a few of them (the sysctl cap is
     * 4 MiB here). A segment's fragments leave as UDP GSO super-datagrams (sendmmsg where GSO is refused); GRO
     * coalesces them on receive.
     */
    private static UdpSocket bindSleeve(RouterConfig config) throws BindException {
        InetSocketAddress address = new InetSocketAddress(config.bindAddress(), config.port());
        try {
            return UdpSocket.bind(address, 4 << 20, 64);
        } catch (NativeCallException e) {
            throw new BindException("cannot listen for sleeve UDP on " + address + ": " + e.getMessage());
        }
    }

    private static MeshConfig meshConfig(RouterConfig config) {
        int limit = config.connectionLimit() == 0 ? Integer.MAX_VALUE : config.connectionLimit();
        Optional<PasswordKey> password = config.password().map(p -> {
            PasswordKey key = PasswordKey.derive(p.characters(), Argon2Cost.DEFAULT);
            p.wipe(); // the key is all the router needs from here on
            return key;
        });
        return MeshConfig.DEFAULT
                .withBind(new InetSocketAddress(config.bindAddress(), config.port()))
                .withUdpPort(config.port())
                .withConnections(new ConnectionMaker.Settings(ConnectionMaker.Settings.DEFAULT.initialDelay(),
                        ConnectionMaker.Settings.DEFAULT.maxDelay(), limit))
                .withPassword(password)
                .withTrustedSubnets(config.trustedSubnets())
                .withDiscovery(config.discovery())
                .withMinProtocol(config.minProtocol());
    }

    /**
     * What a start dials: the peers given at launch when there are any, replacing those an earlier router saved (a
     * relaunch names its peers anew, as with Weave); else the saved ones, which 'weft connect' added to.
     */
    static Set<String> initialTargets(List<String> given, List<String> saved) {
        Set<String> targets = new LinkedHashSet<>();
        for (String peer : given.isEmpty() ? saved : given) {
            try {
                targets.add(TargetList.canonical(peer));
            } catch (IllegalArgumentException malformed) {
                targets.add(peer); // dialling it refuses it with the reason
            }
        }
        if (!given.isEmpty() && !saved.isEmpty() && !targets.containsAll(saved)) {
            LOG.log(System.Logger.Level.INFO, "dialling the peers given at launch " + targets + " instead of those saved before " + saved);
        }
        return targets;
    }

    /**
     * On a thread of its own: every 10 s gives back the addresses of containers gone for {@link #CONTAINER_GRACE}, and
     * every 2 s takes off the interfaces the addresses that are no longer this peer's ({@link AddressAudit}).
     */
    private static void startReclaimer(ContainerPlumbing plumbing, AllocatorProxy allocator, NameService names, AddressAudit audit,
                                       Deque<AutoCloseable> built) {
        Reclaimer reclaimer = new Reclaimer(plumbing, allocator, owner -> names.ownerGone(owner, List.of()), InstantSource.system(), CONTAINER_GRACE);
        ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("reclaim").daemon().factory());
        built.push(sweeper::shutdownNow);
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                audit.sweep();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "auditing the overlay addresses failed: " + e.getMessage());
            }
        }, 2, 2, TimeUnit.SECONDS);
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                reclaimer.sweep();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "reclaiming gone containers failed: " + e.getMessage());
            }
        }, 5, 10, TimeUnit.SECONDS);
    }

    /** Every second, on a thread of its own, puts back the links someone changed under the router. */
    private static void startLinkWarden(LinkWarden warden, StopSignal stop, Deque<AutoCloseable> built) {
        ScheduledExecutorService checker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("link-warden").daemon().factory());
        built.push(checker::shutdownNow);
        checker.scheduleWithFixedDelay(() -> {
            try {
                warden.check();
            } catch (RuntimeException e) {
                // the executor would end the schedule in silence: nothing would watch the links any more
                stop.fail("watching the router's links failed: " + e);
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public StatusReport status() {
        return status.report();
    }

    @Override
    public List<ConnectResult> connect(List<String> peers) {
        return targets.connect(peers);
    }

    @Override
    public List<String> forget(List<String> peers) {
        return targets.forget(peers);
    }

    @Override
    public Attachment attach(String target, List<String> cidrs) throws IOException {
        Attachment attached = attachments.attach(target, cidrs);
        followBridgeAddress(); // a pod's attach may expose the host, for its gateway
        names.attached(attached, docker); // a Docker container's host name in the DNS domain
        return attached;
    }

    @Override
    public Attachment detach(String target, List<String> cidrs) throws IOException {
        Attachment detached = attachments.detach(target, cidrs);
        names.ownerGone(detached.target(), cidrs); // all of its names when it is detached whole
        return detached;
    }

    @Override
    public List<Attachment> attachments() {
        return attachments.all();
    }

    @Override
    public Attachment expose(List<String> cidrs) throws IOException {
        Attachment exposed = attachments.expose(cidrs);
        followBridgeAddress();
        return exposed;
    }

    @Override
    public Attachment hide(List<String> cidrs) throws IOException {
        Attachment hidden = attachments.hide(cidrs);
        followBridgeAddress();
        return hidden;
    }

    /** Tells Weft DNS the bridge's overlay address, which expose, hide and a pod's attach may have changed. */
    private void followBridgeAddress() {
        names.bridgeAddress(attachments.exposedAddress());
    }

    @Override
    public DnsStatus dns() {
        return names.status();
    }

    /**
     * What every router's connections look like, as gossiped on the {@value LinkChannel#CHANNEL} channel: for the
     * topology page, which reads {@link LinkChannel#reports()} from any thread. Its other methods are the mesh loop's.
     */
    public LinkChannel links() {
        return links;
    }

    @Override
    public List<DnsStatus.Entry> dnsAdd(String name, List<String> addresses, Optional<String> owner) {
        return names.add(name, addresses, owner);
    }

    @Override
    public List<DnsStatus.Entry> dnsRemove(Optional<String> name, List<String> addresses, Optional<String> owner) {
        return names.remove(name, addresses, owner);
    }

    @Override
    public List<String> dnsLookup(String name) {
        return names.lookup(name);
    }

    /** Serves {@code service}'s NetworkPolicy status and answers from now on (the Kubernetes addon's controller). */
    public void servePolicy(PolicyService service) {
        policies = service;
    }

    @Override
    public PolicyStatus policy() {
        PolicyService service = policies;
        return service == null ? PolicyStatus.off("off (NetworkPolicy is enforced by routers run with --kube)") : service.status();
    }

    @Override
    public ApiReply.PolicyVerdict policyWhy(ApiRequest.PolicyQuestion question) {
        PolicyService service = policies;
        if (service == null) throw new IllegalArgumentException("this router enforces no NetworkPolicy: it runs without --kube");
        return service.why(question);
    }

    @Override
    public String allocateAddress(String owner, Optional<String> subnet) {
        return leases.allocate(owner, subnet);
    }

    @Override
    public String claimAddress(String owner, String cidr) {
        return leases.claim(owner, cidr);
    }

    @Override
    public List<String> releaseAddresses(String owner, Optional<String> cidr) {
        return leases.release(owner, cidr);
    }

    @Override
    public List<String> addressesOf(String owner) {
        return leases.addressesOf(owner);
    }

    @Override
    public String removePeer(String peer, boolean force) {
        return ipam.removePeer(peer, force);
    }

    @Override
    public String leave() {
        return ipam.leave();
    }

    @Override
    public String adoptWinningRing() {
        return ipam.adoptWinningRing();
    }

    @Override
    public String primeAllocation() {
        return ipam.prime();
    }

    /** The mesh as the topology page draws it, as one line of JSON. */
    String topologyJson(ObjectMapper json) {
        try {
            return json.writeValueAsString(status.topology(links.reports()));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("the topology graph could not be written as JSON", e);
        }
    }

    /** The Prometheus text of {@code GET /metrics}, on the API and on the metrics address alike. */
    @Override
    public String metrics() {
        PrometheusText text = new PrometheusText();
        metrics.write(text);
        PolicyService service = policies;
        if (service == null) return text.toString();
        PolicyStatus policy;
        try {
            policy = service.status();
        } catch (RuntimeException e) { // a busy or stopped controller leaves its series out, not the router's
            return text.toString();
        }
        text.family("weft_policy_dropped_packets_total", PrometheusText.Type.COUNTER, "New connections' packets dropped on this node at"
                + " pods a NetworkPolicy isolates, by policy (a drop at a pod that several isolate counts for each).");
        for (PolicyStatus.Entry entry : policy.policies()) text.sample(entry.drops(), "policy", entry.policy());
        return text.toString();
    }

    @Override
    public void stop() {
        LOG.log(System.Logger.Level.INFO, "stop requested through the API");
        stop.stop();
    }

    @Override
    public synchronized void close() {
        stop.stop();
        closeAll(built);
    }

    private static void closeAll(Deque<AutoCloseable> built) {
        while (!built.isEmpty()) {
            AutoCloseable part = built.pop();
            try {
                part.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "while stopping, closing " + part.getClass().getSimpleName() + " failed: " + e.getMessage());
            }
        }
    }
}

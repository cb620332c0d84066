package weft.router;

import weft.api.Attachment;
import weft.api.DnsStatus;
import weft.dns.NameChannel;
import weft.dns.NameRecord;
import weft.dns.NameRecordsCodec;
import weft.dns.NameRecordsData;
import weft.dns.OriginRecords;
import weft.dns.server.DnsCounters;
import weft.dns.server.DnsServer;
import weft.dns.server.DnsSettings;
import weft.gossip.LatestStateFile;
import weft.gossip.Mesh;
import weft.gossip.PeerName;
import weft.gossip.wire.Decoding;
import weft.router.docker.DockerEngine;
import weft.router.plumbing.AttachTarget;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The router's Weft DNS: the mesh's names ({@link NameChannel}, on the mesh loop), this peer's own saved in the data
 * directory after each change, and the server that answers the containers from them. The server answers on the
 * address given with {@code --dns-listen-address}, or else on the bridge's overlay address, following it as the
 * host is exposed and hidden; with {@code --no-dns} there is no server, and the names are still gossiped.
 *
 * <p>Thread-safe: the API's threads call it. The channel is the mesh loop's (every call hops there); the server is
 * guarded by this object's lock; the file is written on a thread of its own, always with the latest names.
 */
final class NameService implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NameService.class.getName());
    static final String FILE = "dns.names";

    private final Mesh mesh;
    private final NameChannel channel;
    private final Optional<RouterConfig.Dns> config;
    private final String domain;
    private final NamesFile file;
    private DnsServer server; // guarded by this
    private String state; // guarded by this: what status says when there is no server
    private Optional<Inet4Address> bridgeAddress = Optional.empty(); // guarded by this

    private NameService(Mesh mesh, NameChannel channel, Optional<RouterConfig.Dns> config, NamesFile file) {
        this.mesh = mesh;
        this.channel = channel;
        this.config = config;
        this.domain = config.map(RouterConfig.Dns::domain).orElse(RouterConfig.Dns.DEFAULT_DOMAIN);
        this.file = file;
        this.state = config.isEmpty() ? "off (--no-dns)" : "waiting for the host to be exposed (weft expose), to answer on the bridge's address";
    }

    /**
     * Restores our names from the data directory, registers the channel on the mesh and, with a listen address
     * given, starts the server there: one that cannot be bound stops the start, since the operator asked for it.
     */
    static NameService start(Mesh mesh, PeerName self, Path dataDirectory, Optional<RouterConfig.Dns> config) throws IOException {
        Optional<OriginRecords> restored = restore(dataDirectory.resolve(FILE), self);
        NamesFile file = new NamesFile(new LatestStateFile(dataDirectory.resolve(FILE)));
        NameChannel channel;
        try {
            channel = mesh.onLoop(() -> new NameChannel(self, restored, file::save,
                    gossiper -> mesh.registerChannel(NameChannel.CHANNEL, gossiper))).join();
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
        NameService names = new NameService(mesh, channel, config, file);
        if (config.isPresent() && config.get().listen().isPresent()) {
            try {
                names.listen(config.get().listen().get());
            } catch (IOException | RuntimeException e) {
                names.close();
                throw new IOException("Weft DNS cannot answer on " + hostPort(config.get().listen().get()) + ": " + e.getMessage()
                        + " (give another --dns-listen-address, or --no-dns)", e);
            }
        }
        return names;
    }

    /** Our names as last saved, or none; a file that cannot be read is moved aside, with a warning, not trusted. */
    static Optional<OriginRecords> restore(Path path, PeerName self) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        String problem;
        switch (NameRecordsCodec.decode(bytes)) {
            case Decoding.Decoded<NameRecordsData>(NameRecordsData data) when data.origins().size() == 1 -> {
                OriginRecords own = data.origins().values().iterator().next();
                LOG.log(System.Logger.Level.INFO, "DNS: " + own.records().size() + " name(s) of this peer restored from " + path);
                return Optional.of(own);
            }
            case Decoding.Decoded<NameRecordsData>(NameRecordsData data) -> problem = data.origins().size() + " origins in it, not one";
            case Decoding.Refused<NameRecordsData>(String reason) -> problem = reason;
        }
        Path aside = path.resolveSibling(FILE + ".unreadable");
        Files.move(path, aside, StandardCopyOption.REPLACE_EXISTING);
        LOG.log(System.Logger.Level.WARNING, "DNS: " + path + " is unusable (" + problem + "); moved to " + aside
                + ", and this peer starts with no names of its own");
        return Optional.empty();
    }

    NameChannel channel() {
        return channel;
    }

    List<DnsStatus.Entry> add(String name, List<String> addresses, Optional<String> owner) {
        String qualified = NameRecord.qualify(name, domain);
        if (addresses.isEmpty()) throw new IllegalArgumentException("no address given for " + qualified);
        String who = owner.orElse(NameRecord.EXTERNAL);
        List<NameRecord> records = addresses.stream().map(a -> new NameRecord(qualified, address(a), who)).toList();
        List<NameRecord> added = onLoop(() -> channel.add(records));
        if (!added.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "DNS: added " + added);
            file.awaitSaved();
        }
        return entries(added);
    }

    List<DnsStatus.Entry> remove(Optional<String> name, List<String> addresses, Optional<String> owner) {
        Optional<String> qualified = name.map(n -> NameRecord.qualify(n, domain));
        List<Inet4Address> parsed = addresses.stream().map(NameService::address).toList();
        Predicate<NameRecord> matching = r -> qualified.map(r.name()::equals).orElse(true)
                && (parsed.isEmpty() || parsed.contains(r.address())) && owner.map(r.owner()::equals).orElse(true);
        List<NameRecord> removed = onLoop(() -> channel.remove(matching));
        if (!removed.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "DNS: removed " + removed);
            file.awaitSaved();
        }
        return entries(removed);
    }

    /**
     * A container attached without {@code --name}: a Docker container whose host name is in the domain (Weave's rule:
     * {@code docker run -h db.weft.local}, or one the proxy made) goes on Weft DNS with its addresses, for as long as
     * it is attached. Nothing is asked of other targets, whose host name is the host's.
     */
    void attached(Attachment attachment, DockerEngine docker) {
        if (!(AttachTarget.parse(attachment.target()) instanceof AttachTarget.Docker(String container))) return;
        try {
            Optional<String> name = docker.dnsNameOf(container, domain);
            if (name.isPresent()) add(name.get(), attachment.cidrs(), Optional.of(attachment.target()));
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "DNS: " + attachment.target() + " is attached, but its host name could not go on Weft DNS: " + e.getMessage());
        }
    }

    /** The names of a container that is detached or gone. */
    void ownerGone(String owner, List<String> cidrs) {
        remove(Optional.empty(), cidrs, Optional.of(owner));
    }

    List<String> lookup(String name) {
        return channel.lookup().addresses(NameRecord.qualify(name, domain)).stream().map(InetAddress::getHostAddress).toList();
    }

    /**
     * The bridge's overlay address now: without --dns-listen-address, the server moves to it (and stops when the
     * host is hidden). A port already taken there leaves DNS unanswered, which status says, rather than failing the
     * expose that caused it.
     */
    synchronized void bridgeAddress(Optional<Inet4Address> address) {
        if (config.isEmpty() || config.get().listen().isPresent() || address.equals(bridgeAddress)) return;
        bridgeAddress = address;
        closeServer();
        if (address.isEmpty()) {
            state = "waiting for the host to be exposed (weft expose), to answer on the bridge's address";
            LOG.log(System.Logger.Level.INFO, "DNS: the host is hidden; no longer answering");
            return;
        }
        InetSocketAddress at = new InetSocketAddress(address.get(), RouterConfig.Dns.PORT);
        try {
            listen(at);
        } catch (IOException | RuntimeException e) {
            state = "cannot answer on " + hostPort(at) + ": " + e.getMessage();
            LOG.log(System.Logger.Level.WARNING, "DNS: " + state);
        }
    }

    private synchronized void listen(InetSocketAddress at) throws IOException {
        RouterConfig.Dns dns = config.orElseThrow();
        DnsSettings defaults = DnsSettings.defaults();
        server = DnsServer.start(new DnsSettings(at, dns.domain(), dns.ttl(), dns.resolvConf(), defaults.upstreamTimeout(),
                defaults.maxForwardedPerClient(), defaults.maxForwardedTotal()), channel::lookup);
        state = "serving";
    }

    synchronized DnsStatus status() {
        List<DnsStatus.Entry> entries = new ArrayList<>();
        onLoop(channel::origins).values().stream().filter(o -> !o.removed())
                .forEach(o -> o.records().forEach(r -> entries.add(entry(r, o.origin()))));
        entries.sort(java.util.Comparator.comparing(DnsStatus.Entry::name).thenComparing(DnsStatus.Entry::address));
        Map<String, Long> counters = new LinkedHashMap<>();
        if (server != null) {
            DnsCounters c = server.counters();
            counters.put("answered-locally", c.localAnswers());
            counters.put("nxdomain", c.nxdomain());
            counters.put("forwarded", c.forwarded());
            counters.put("upstream-failures", c.upstreamFailures());
            counters.put("truncated", c.truncated());
            counters.put("dropped-malformed", c.droppedMalformed());
            counters.put("not-implemented", c.notImplemented());
            counters.put("format-errors", c.formatErrors());
            counters.put("refused-for-load", c.refusedForLoad());
        }
        counters.put("gossip-refused", onLoop(channel::refused));
        return new DnsStatus(server != null ? "serving" : state, server != null ? hostPort(server.address()) : "", domain,
                config.map(c -> c.ttl().toSeconds()).orElse(0L), entries, counters);
    }

    private List<DnsStatus.Entry> entries(List<NameRecord> records) {
        PeerName self = mesh.self().name();
        return records.stream().map(r -> entry(r, self)).toList();
    }

    private static DnsStatus.Entry entry(NameRecord r, PeerName origin) {
        return new DnsStatus.Entry(r.name(), r.address().getHostAddress(), r.owner(), origin.toString());
    }

    /** A dotted quad, or an address in CIDR form as attachments list them. */
    private static Inet4Address address(String text) {
        String bare = text.contains("/") ? text.substring(0, text.indexOf('/')) : text;
        if (!bare.matches("\\d{1,3}(\\.\\d{1,3}){3}")) throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
        try {
            return (Inet4Address) InetAddress.ofLiteral(bare);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
        }
    }

    private <T> T onLoop(java.util.function.Supplier<T> work) {
        return mesh.onLoop(work).join();
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    private synchronized void closeServer() {
        if (server == null) return;
        server.close();
        server = null;
    }

    @Override
    public void close() {
        closeServer();
        file.close();
    }
}

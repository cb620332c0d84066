package weft.cli;

import weft.api.ApiToken;
import weft.gossip.PeerName;
import weft.gossip.wire.VersionRange;
import weft.ipam.AddressRange;
import weft.ipam.AllocatorConfig;
import weft.ipam.InitMode;
import weft.router.OverlayMtu;
import weft.proxy.docker.DockerProxy;
import weft.proxy.docker.ProxyAddress;
import weft.proxy.plugin.PluginServer;
import weft.router.RouterConfig;
import weft.gossip.Cidr;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The options of {@code weft launch} and {@code weft router}, and how they become a {@link RouterConfig}. */
final class RouterOptions {
    private static final CommandLine.Option HTTP_ADDR = new CommandLine.Option("http-addr", "HOST:PORT",
            "the router's HTTP API (default $WEFT_HTTP_ADDR or " + RouterConfig.DEFAULT_HTTP_ADDRESS + ")");
    static final List<CommandLine.Option> ALL = List.of(
            new CommandLine.Option("data-dir", "DIR", "state and log of this router (default $WEFT_DATA_DIR or " + RouterConfig.DEFAULT_DATA_DIRECTORY + ")"),
            new CommandLine.Option("name", "PEERNAME", "peer name, like 7a:31:c4:02:9e:0e (default: kept in the data directory)"),
            new CommandLine.Option("nickname", "NAME", "name shown to other peers (default: the host name)"),
            new CommandLine.Option("host", "ADDRESS", "address to listen on for peers (default 0.0.0.0)"),
            new CommandLine.Option("port", "PORT", "TCP control and UDP sleeve port (default " + RouterConfig.DEFAULT_PORT + ")"),
            HTTP_ADDR,
            new CommandLine.Option("http-remote", null, "let the HTTP API listen on an address other hosts reach (not loopback);"
                    + " every request must then carry the token the router keeps in DIR/" + ApiToken.FILE_NAME),
            new CommandLine.Option("metrics-addr", "HOST:PORT", "where Prometheus scrapes GET /metrics, read-only and without the API token;"
                    + " " + RouterConfig.NO_METRICS_ADDRESS + " for nowhere (default $WEFT_METRICS_ADDR or " + RouterConfig.DEFAULT_METRICS_ADDRESS + ")"),
            new CommandLine.Option("mtu", "BYTES", "overlay MTU (default $WEFT_MTU, else the smallest MTU of the underlay links to the peers"
                    + " given, or of the default route, less " + OverlayMtu.SLEEVE_OVERHEAD + ": " + RouterConfig.DEFAULT_MTU + " on a 1500-byte underlay)"),
            new CommandLine.Option("ipalloc-range", "CIDR", "the overlay's address range, which the allocator hands out; containers get a route to it (default $IPALLOC_RANGE or " + RouterConfig.DEFAULT_RANGE + ")"),
            new CommandLine.Option("ipalloc-default-subnet", "CIDR", "where addresses come from when none is asked for (default: the whole range)"),
            new CommandLine.Option("ipalloc-init", "MODE", "how the allocation ring starts: consensus[=N] (default, N = peers given + 1; with --kube, the number of Nodes), seed=PEERNAME,..., or observer"),
            new CommandLine.Option("conn-limit", "N", "most connections to other peers, our dials in flight included; 0 for no limit (default $CONN_LIMIT or 100)"),
            new CommandLine.Option("password", "PASSWORD", "encrypt and authenticate with this shared password (visible to ps; prefer $WEFT_PASSWORD or --password-file)"),
            new CommandLine.Option("password-file", "FILE", "read the shared password from the first line of FILE"),
            new CommandLine.Option("trusted-subnets", "CIDR,...", "peers in these subnets that trust ours too exchange data unencrypted (control stays encrypted)"),
            new CommandLine.Option("min-protocol", "N", "refuse peers that speak no mesh protocol from N on: 3 (default) talks to the"
                    + " earlier releases; 4 refuses those with the older password handshake, 5 also those whose ESP keys never roll over"),
            new CommandLine.Option("no-discovery", null, "dial only the peers given, not those learned from other peers"),
            new CommandLine.Option("no-fastdp", null, "carry every pair by sleeve, never by the kernel VXLAN fast path (also $WEFT_NO_FASTDP)"),
            new CommandLine.Option("sleeve-queues", "N", "queues of the sleeve's TAP device, one sending thread each (default: one per CPU, at most " + RouterConfig.MAX_SLEEVE_QUEUES + ")"),
            new CommandLine.Option("docker-api", "SOCKET", "the Docker engine's API socket, asked when a container is attached by name or id (default unix://" + RouterConfig.DEFAULT_DOCKER_SOCKET + ")"),
            new CommandLine.Option("plugin-socket", "PATH", "where Docker finds the network and IPAM drivers, named after the file: weft for weft.sock (default $WEFT_PLUGIN_SOCKET or "
                    + PluginServer.DEFAULT_SOCKET + ")"),
            new CommandLine.Option("no-plugin", null, "serve no Docker network and IPAM drivers (and so no Docker API proxy)"),
            new CommandLine.Option("proxy-addr", "ADDRESS", "where the Docker API proxy listens, unix://PATH or tcp://HOST:PORT (TCP: with TLS, or on loopback;"
                    + " default $WEFT_PROXY_ADDR or unix://" + DockerProxy.DEFAULT_SOCKET + ")"),
            new CommandLine.Option("proxy-tls-cert", "FILE", "the proxy's TLS certificate chain (PEM), for a tcp:// --proxy-addr"),
            new CommandLine.Option("proxy-tls-key", "FILE", "the proxy's TLS key (PEM, unencrypted PKCS#8)"),
            new CommandLine.Option("proxy-tls-ca", "FILE", "the CA (PEM) whose client certificates the proxy takes, as dockerd's --tlsverify --tlscacert"),
            new CommandLine.Option("no-proxy", null, "run no Docker API proxy"),
            new CommandLine.Option("no-default-ipalloc", null, "containers created through the proxy without WEFT_CIDR stay off the overlay"),
            new CommandLine.Option("no-dns", null, "serve no Weft DNS (the names are still gossiped, for the other peers)"),
            new CommandLine.Option("dns-listen-address", "ADDRESS[:PORT]", "where Weft DNS answers (default: the bridge's overlay address, port "
                    + RouterConfig.Dns.PORT + ", once the host is exposed)"),
            new CommandLine.Option("dns-domain", "DOMAIN", "the domain of the names on the mesh (default " + RouterConfig.Dns.DEFAULT_DOMAIN + ")"),
            new CommandLine.Option("dns-ttl", "SECONDS", "the TTL of Weft DNS's answers (default " + RouterConfig.Dns.DEFAULT_TTL.toSeconds() + ")"),
            new CommandLine.Option("resolv-conf", "FILE", "whose name servers answer the queries for other domains (default "
                    + RouterConfig.Dns.DEFAULT_RESOLV_CONF + ", re-read when it changes)"));

    private RouterOptions() {
    }

    static RouterConfig parse(CommandLine line, Map<String, String> environment) {
        return parse(line, environment, List.of(), Optional.empty());
    }

    /**
     * @param foundPeers  peers found elsewhere (the cluster's Nodes), dialled with those given
     * @param defaultInit the {@code --ipalloc-init} to use when none is given, instead of consensus over the peers given
     */
    static RouterConfig parse(CommandLine line, Map<String, String> environment, List<String> foundPeers, Optional<String> defaultInit) {
        Path dataDir = Path.of(line.value("data-dir").orElse(environment.getOrDefault("WEFT_DATA_DIR", RouterConfig.DEFAULT_DATA_DIRECTORY.toString())))
                .toAbsolutePath().normalize();
        InetAddress host = RouterConfig.parseLiteral(line.value("host").orElse("0.0.0.0"), "--host");
        int port = RouterConfig.parsePort(line.value("port").orElse(Integer.toString(RouterConfig.DEFAULT_PORT)), "--port");
        var http = httpAddress(line, environment, dataDir);
        Optional<InetSocketAddress> metrics = metricsAddress(line, environment);
        Optional<RouterConfig.FixedMtu> mtu = fixedMtu(line, environment);
        Cidr range = Cidr.parse(line.value("ipalloc-range").orElse(nonBlank(environment.get("IPALLOC_RANGE")).orElse(RouterConfig.DEFAULT_RANGE)));
        if (!range.equals(range.network())) throw new IllegalArgumentException("--ipalloc-range " + range + " has host bits set; did you mean " + range.network() + "?");
        int connLimit = RouterConfig.parseInt(line.value("conn-limit").orElse(nonBlank(environment.get("CONN_LIMIT")).orElse("100")),
                line.value("conn-limit").isPresent() ? "--conn-limit" : "CONN_LIMIT");
        for (String peer : line.operands()) {
            if (peer.isBlank() || peer.startsWith("-")) throw new IllegalArgumentException("invalid peer '" + peer + "'");
        }
        List<Cidr> trusted = line.value("trusted-subnets").map(RouterOptions::subnets).orElse(List.of());
        AddressRange universe = AddressRange.of(range);
        AddressRange defaultSubnet = line.value("ipalloc-default-subnet").map(text -> {
            Cidr subnet = Cidr.parse(text);
            if (!subnet.equals(subnet.network())) throw new IllegalArgumentException("--ipalloc-default-subnet " + subnet + " has host bits set; did you mean " + subnet.network() + "?");
            if (!range.covers(subnet)) throw new IllegalArgumentException("--ipalloc-default-subnet " + subnet + " is not inside --ipalloc-range " + range);
            return AddressRange.of(subnet);
        }).orElse(universe);
        List<String> peers = java.util.stream.Stream.concat(line.operands().stream(), foundPeers.stream()).distinct().toList();
        InitMode init = initMode(line.value("ipalloc-init").or(() -> defaultInit).orElse("consensus"), line.operands().size() + 1);
        AllocatorConfig allocation = new AllocatorConfig(universe, defaultSubnet, init, Duration.ofSeconds(30));
        return new RouterConfig(dataDir, line.value("name"), line.value("nickname"), host, port, http, line.flag("http-remote"), metrics, mtu, range, connLimit,
                RouterConfig.BRIDGE, peers, password(line, environment), trusted, !line.flag("no-discovery"), allocation,
                !line.flag("no-fastdp") && !truthy(environment.get("WEFT_NO_FASTDP")),
                RouterConfig.parseInt(line.value("sleeve-queues").orElse("0"), "--sleeve-queues"),
                line.value("docker-api").map(RouterOptions::dockerSocket).orElse(RouterConfig.DEFAULT_DOCKER_SOCKET),
                minProtocol(line), dns(line));
    }

    /** Weft DNS's settings, or empty with --no-dns; giving --no-dns with another DNS option is a contradiction. */
    static Optional<RouterConfig.Dns> dns(CommandLine line) {
        List<String> settings = List.of("dns-listen-address", "dns-domain", "dns-ttl", "resolv-conf");
        if (line.flag("no-dns")) {
            for (String option : settings) {
                if (line.value(option).isPresent()) throw new IllegalArgumentException("--" + option + " contradicts --no-dns");
            }
            return Optional.empty();
        }
        Optional<InetSocketAddress> listen = line.value("dns-listen-address").map(RouterOptions::dnsListenAddress);
        String domain = line.value("dns-domain").orElse(RouterConfig.Dns.DEFAULT_DOMAIN);
        int ttl = RouterConfig.parseInt(line.value("dns-ttl").orElse(Long.toString(RouterConfig.Dns.DEFAULT_TTL.toSeconds())), "--dns-ttl");
        if (ttl < 0) throw new IllegalArgumentException("--dns-ttl " + ttl + " is negative");
        Path resolvConf = line.value("resolv-conf").map(Path::of).orElse(RouterConfig.Dns.DEFAULT_RESOLV_CONF);
        return Optional.of(new RouterConfig.Dns(listen, domain, Duration.ofSeconds(ttl), resolvConf));
    }

    /** {@code ADDRESS} or {@code ADDRESS:PORT}, an IPv4 literal: the port is 53 when not given. */
    private static InetSocketAddress dnsListenAddress(String text) {
        if (text.indexOf(':') != text.lastIndexOf(':')) {
            throw new IllegalArgumentException("invalid --dns-listen-address '" + text + "': an IPv4 address, with :PORT if not 53");
        }
        int colon = text.indexOf(':');
        String host = colon < 0 ? text : text.substring(0, colon);
        int port = colon < 0 ? RouterConfig.Dns.PORT : RouterConfig.parsePort(text.substring(colon + 1), "--dns-listen-address '" + text + "'");
        if (!(RouterConfig.parseLiteral(host, "--dns-listen-address") instanceof java.net.Inet4Address address)) {
            throw new IllegalArgumentException("invalid --dns-listen-address '" + text + "': an IPv4 address, with :PORT if not 53");
        }
        return new InetSocketAddress(address, port);
    }

    /**
     * From --http-addr, else $WEFT_HTTP_ADDR, else the default; an address other hosts reach only with --http-remote,
     * so that neither a typo nor an inherited variable opens the router to them.
     */
    private static InetSocketAddress httpAddress(CommandLine line, Map<String, String> environment, Path dataDir) {
        Optional<String> option = line.value("http-addr");
        String fromEnvironment = environment.get("WEFT_HTTP_ADDR");
        String origin = option.isPresent() ? "--http-addr" : fromEnvironment != null ? "WEFT_HTTP_ADDR" : "the default";
        String text = option.orElse(fromEnvironment != null ? fromEnvironment : RouterConfig.DEFAULT_HTTP_ADDRESS);
        InetSocketAddress address = RouterConfig.parseHttpAddress(text);
        if (!address.getAddress().isLoopbackAddress() && !line.flag("http-remote")) {
            throw new IllegalArgumentException(origin + " " + text + " is not a loopback address, so other hosts could control the router"
                    + " through its API: add --http-remote to allow that; every request then needs the token the router keeps in "
                    + dataDir.resolve(ApiToken.FILE_NAME) + " (weft reads it as root)");
        }
        return address;
    }

    /** From --metrics-addr, else $WEFT_METRICS_ADDR when set and not empty, else the default; {@code none} serves none. */
    static Optional<InetSocketAddress> metricsAddress(CommandLine line, Map<String, String> environment) {
        Optional<String> option = line.value("metrics-addr");
        if (option.isPresent()) return RouterConfig.parseMetricsAddress(option.get(), "--metrics-addr");
        Optional<String> fromEnvironment = nonBlank(environment.get("WEFT_METRICS_ADDR"));
        if (fromEnvironment.isPresent()) return RouterConfig.parseMetricsAddress(fromEnvironment.get(), "WEFT_METRICS_ADDR");
        return RouterConfig.parseMetricsAddress(RouterConfig.DEFAULT_METRICS_ADDRESS, "the default");
    }

    private static int minProtocol(CommandLine line) {
        VersionRange spoken = VersionRange.SUPPORTED;
        int min = RouterConfig.parseInt(line.value("min-protocol").orElse(Integer.toString(spoken.min())), "--min-protocol");
        if (min < spoken.min() || min > spoken.max()) {
            throw new IllegalArgumentException("--min-protocol " + min + ": this release speaks mesh protocols " + spoken);
        }
        return min;
    }

    /** Where to serve the Docker plugin: --plugin-socket, else $WEFT_PLUGIN_SOCKET, else the default; empty with --no-plugin. */
    static Optional<Path> pluginSocket(CommandLine line, Map<String, String> environment) {
        if (line.flag("no-plugin")) {
            if (line.value("plugin-socket").isPresent()) throw new IllegalArgumentException("--plugin-socket and --no-plugin contradict each other");
            return Optional.empty();
        }
        Path socket = line.value("plugin-socket").or(() -> nonBlank(environment.get("WEFT_PLUGIN_SOCKET"))).map(Path::of).orElse(Path.of(PluginServer.DEFAULT_SOCKET));
        if (!socket.isAbsolute() || !socket.getFileName().toString().endsWith(".sock") || socket.getFileName().toString().equals(".sock")) {
            throw new IllegalArgumentException("invalid --plugin-socket '" + socket + "': expected an absolute path to NAME.sock (Docker names the drivers NAME)");
        }
        return Optional.of(socket.normalize());
    }

    /**
     * Where the Docker API proxy listens: --proxy-addr, else $WEFT_PROXY_ADDR, else the default, with TLS when
     * --proxy-tls-cert, --proxy-tls-key and --proxy-tls-ca are given (all three); empty with --no-proxy or --no-plugin.
     */
    static Optional<ProxyAddress> proxyAddress(CommandLine line, Map<String, String> environment) {
        List<String> tlsOptions = List.of("proxy-tls-cert", "proxy-tls-key", "proxy-tls-ca");
        long tlsGiven = tlsOptions.stream().filter(option -> line.value(option).isPresent()).count();
        if (line.flag("no-proxy") || line.flag("no-plugin")) {
            if (line.value("proxy-addr").isPresent() || tlsGiven > 0) throw new IllegalArgumentException("--proxy-addr and --proxy-tls-* contradict --no-proxy");
            return Optional.empty();
        }
        if (tlsGiven != 0 && tlsGiven != tlsOptions.size()) {
            throw new IllegalArgumentException("TLS for the Docker API proxy needs all of --proxy-tls-cert, --proxy-tls-key and --proxy-tls-ca");
        }
        Optional<ProxyAddress.Tls> tls = Optional.empty();
        if (tlsGiven > 0) {
            Path certificate = readable(line, "proxy-tls-cert"), key = readable(line, "proxy-tls-key"), ca = readable(line, "proxy-tls-ca");
            tls = Optional.of(new ProxyAddress.Tls(certificate, key, ca));
        }
        String text = line.value("proxy-addr").or(() -> nonBlank(environment.get("WEFT_PROXY_ADDR"))).orElse("unix://" + DockerProxy.DEFAULT_SOCKET);
        String origin = line.value("proxy-addr").isPresent() ? "--proxy-addr" : "WEFT_PROXY_ADDR";
        return Optional.of(ProxyAddress.parse(text, origin, tls));
    }

    private static Path readable(CommandLine line, String option) {
        Path file = Path.of(line.value(option).orElseThrow()).toAbsolutePath().normalize();
        if (!java.nio.file.Files.isReadable(file)) throw new IllegalArgumentException("--" + option + " " + file + ": no such readable file");
        return file;
    }

    static Path dockerSocket(String text) {
        String path = text.startsWith("unix://") ? text.substring("unix://".length()) : text;
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("invalid --docker-api '" + text + "': expected the engine's Unix socket, like unix:///var/run/docker.sock");
        }
        return Path.of(path).normalize();
    }

    private static Optional<String> nonBlank(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }

    /** Set and not a spelling of false: how Weave's WEAVE_NO_FASTDP was read. */
    private static boolean truthy(String value) {
        return value != null && !value.isBlank() && !value.equals("0") && !value.equalsIgnoreCase("false") && !value.equalsIgnoreCase("no");
    }

    /** From --mtu, else $WEFT_MTU when set and not empty; empty leaves it to the underlay. */
    private static Optional<RouterConfig.FixedMtu> fixedMtu(CommandLine line, Map<String, String> environment) {
        Optional<String> option = line.value("mtu");
        if (option.isPresent()) return Optional.of(new RouterConfig.FixedMtu(RouterConfig.parseInt(option.get(), "--mtu"), "--mtu"));
        String fromEnvironment = environment.get("WEFT_MTU");
        if (fromEnvironment == null || fromEnvironment.isBlank()) return Optional.empty();
        return Optional.of(new RouterConfig.FixedMtu(RouterConfig.parseInt(fromEnvironment, "WEFT_MTU"), "WEFT_MTU"));
    }

    /** {@code consensus[=N]}, {@code seed=PEERNAME,...} or {@code observer}, as Weave spelled them. */
    static InitMode initMode(String text, int defaultInitialPeers) {
        if (text.equals("observer")) return new InitMode.Observer();
        if (text.equals("consensus")) return new InitMode.Consensus(defaultInitialPeers);
        if (text.startsWith("consensus=")) {
            int peers = RouterConfig.parseInt(text.substring("consensus=".length()), "--ipalloc-init consensus count");
            if (peers < 1) throw new IllegalArgumentException("--ipalloc-init consensus=" + peers + ": at least 1 peer");
            return new InitMode.Consensus(peers);
        }
        if (text.startsWith("seed=")) {
            List<PeerName> seeds = java.util.Arrays.stream(text.substring("seed=".length()).split(","))
                    .filter(item -> !item.isBlank()).map(item -> PeerName.parse(item.strip())).toList();
            if (seeds.isEmpty()) throw new IllegalArgumentException("--ipalloc-init seed= needs at least one peer name");
            return new InitMode.Seed(seeds);
        }
        throw new IllegalArgumentException("invalid --ipalloc-init '" + text + "': consensus[=N], seed=PEERNAME,... or observer");
    }

    private static List<Cidr> subnets(String list) {
        List<Cidr> subnets = new java.util.ArrayList<>();
        for (String item : list.split(",")) {
            if (item.isBlank()) continue;
            Cidr cidr = Cidr.parse(item.strip());
            if (!cidr.equals(cidr.network())) throw new IllegalArgumentException("--trusted-subnets " + cidr + " has host bits set; did you mean " + cidr.network() + "?");
            subnets.add(cidr);
        }
        return subnets;
    }

    /** From --password, else --password-file, else $WEFT_PASSWORD; giving two sources is an error, not a guess. */
    private static Optional<RouterConfig.Password> password(CommandLine line, Map<String, String> environment) {
        Optional<String> inline = line.value("password");
        Optional<String> file = line.value("password-file");
        if (inline.isPresent() && file.isPresent()) throw new IllegalArgumentException("give --password or --password-file, not both");
        if (inline.isPresent()) return Optional.of(new RouterConfig.Password(inline.get().toCharArray(), Optional.empty()));
        if (file.isPresent()) {
            try {
                Path path = Path.of(file.get());
                String first = Files.readAllLines(path).stream().findFirst().orElse("").strip();
                if (first.isEmpty()) throw new IllegalArgumentException("password file " + file.get() + " is empty");
                return Optional.of(new RouterConfig.Password(first.toCharArray(), looseFile(path)));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read password file " + file.get() + ": " + FileProblem.reason(e));
            }
        }
        String fromEnvironment = environment.get("WEFT_PASSWORD");
        if (fromEnvironment == null || fromEnvironment.isEmpty()) return Optional.empty();
        return Optional.of(new RouterConfig.Password(fromEnvironment.toCharArray(), Optional.empty()));
    }

    /** A warning when users other than the file's owner may read the password file. */
    static Optional<String> looseFile(Path file) throws IOException {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        boolean others = permissions.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ)
                || permissions.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
        return others ? Optional.of("password file " + file + " can be read by other users ("
                + java.nio.file.attribute.PosixFilePermissions.toString(permissions) + "); chmod 600 " + file) : Optional.empty();
    }
}

package weft.router;

import weft.api.ApiToken;
import weft.ipam.AddressRange;
import weft.ipam.AllocatorConfig;
import weft.gossip.Cidr;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How a router is configured: from {@code weft launch} / {@code weft router} options and the environment.
 *
 * @param name        the peer name to use instead of the one kept in the data directory
 * @param httpRemote  whether the HTTP API may listen on an address other hosts reach; every request then needs the
 *                    token the router keeps in its data directory ({@link ApiToken})
 * @param metricsAddress where {@code GET /metrics} is served for Prometheus, read-only and without the token; empty
 *                    to serve it only on the API
 * @param peers       targets to connect to at start, {@code host} or {@code host:port}
 * @param fixedMtu    the overlay MTU of the bridge, the TAP port and every container interface when the operator set
 *                    it; empty to derive it from the underlay ({@link OverlayMtu})
 * @param password    when present, control connections are authenticated and encrypted, and so is the data
 *                    between peers that do not both trust each other's subnet
 * @param discovery   whether peers learned from the topology are dialled too
 * @param allocation  the IP allocator's range, default subnet and initialisation; its range is the overlay range
 * @param fastPath    whether pairs may use the kernel VXLAN fast path (UDP {@code port + 1}) where it works
 * @param sleeveQueues queues of the sleeve's TAP device, each with its own sending thread; 0 for one per CPU
 * @param dockerSocket the Docker engine's API socket, asked for the process of a container given by name or id
 * @param minProtocol the oldest mesh protocol version spoken to peers: 3 talks to the previous release, 4 refuses it
 *                    (and with it protocol 3's password handshake)
 * @param dns         Weft DNS, or empty with {@code --no-dns}
 */
public record RouterConfig(Path dataDirectory, Optional<String> name, Optional<String> nickname, InetAddress bindAddress,
                           int port, InetSocketAddress httpAddress, boolean httpRemote, Optional<InetSocketAddress> metricsAddress,
                           Optional<FixedMtu> fixedMtu, Cidr overlayRange, int connectionLimit,
                           String bridge, List<String> peers, Optional<Password> password, List<Cidr> trustedSubnets,
                           boolean discovery, AllocatorConfig allocation, boolean fastPath,
                           int sleeveQueues, Path dockerSocket, int minProtocol, Optional<Dns> dns) {
    /**
     * The mesh password, kept out of {@code toString}.
     *
     * @param warning what the operator should know about where it came from (a password file others can read), or empty
     */
    public record Password(char[] characters, Optional<String> warning) {
        public Password {
            if (characters.length == 0) throw new IllegalArgumentException("the password is empty");
        }

        /** Overwrites the characters once the key is derived from them, so that they do not linger on the heap. */
        public void wipe() {
            java.util.Arrays.fill(characters, '\0');
        }

        @Override
        public String toString() {
            return "Password[hidden]";
        }
    }

    /**
     * What to warn of at start about encryption: a password given in a way others may read, or none at all while no
     * subnet is trusted (then anyone who reaches the control port joins, and every frame travels in clear).
     */
    public List<String> encryptionWarnings() {
        if (password.isPresent()) return password.get().warning().stream().toList();
        if (!trustedSubnets.isEmpty()) return List.of(); // the operator said the underlay is private
        return List.of("no password: anyone who reaches port " + port + " can join this mesh and every frame travels in clear;"
                + " give the peers a password (WEFT_PASSWORD or --password-file), or say the underlay is private with --trusted-subnets");
    }

    /**
     * An overlay MTU the operator set.
     *
     * @param origin where it came from, as the operator wrote it: {@code --mtu} or {@code WEFT_MTU}
     */
    public record FixedMtu(int bytes, String origin) {
        public FixedMtu {
            if (bytes < MIN_MTU || bytes > MAX_MTU) {
                throw new IllegalArgumentException("MTU " + bytes + " is not in " + MIN_MTU + ".." + MAX_MTU + " (from " + origin + ")");
            }
        }
    }

    /**
     * Weft DNS: the names on the mesh, served to the containers.
     *
     * @param listen     where to answer, or empty for the bridge's address on the overlay (once the host is exposed)
     * @param domain     the domain of the names, lower case with its trailing dot
     * @param ttl        the TTL of the answers
     * @param resolvConf the file whose name servers get every query not for the domain
     */
    public record Dns(Optional<InetSocketAddress> listen, String domain, Duration ttl, Path resolvConf) {
        public static final String DEFAULT_DOMAIN = weft.dns.server.DnsSettings.DEFAULT_DOMAIN;
        public static final Duration DEFAULT_TTL = Duration.ofSeconds(1);
        public static final Path DEFAULT_RESOLV_CONF = Path.of("/etc/resolv.conf");
        public static final int PORT = weft.dns.server.DnsSettings.DEFAULT_PORT;

        public Dns {
            if (ttl.isNegative() || ttl.toSeconds() > Integer.MAX_VALUE) throw new IllegalArgumentException("--dns-ttl " + ttl.toSeconds() + " is not in 0.." + Integer.MAX_VALUE);
            try {
                domain = weft.dns.server.DnsSettings.domain(domain);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--dns-domain: " + e.getMessage(), e);
            }
            if (listen.isPresent() && listen.get().getAddress().isAnyLocalAddress()) {
                throw new IllegalArgumentException("--dns-listen-address " + listen.get().getAddress().getHostAddress() + " would answer, and forward"
                        + " queries for, anyone who reaches this host: give an address the containers reach (the default is the bridge's)");
            }
        }
    }

    public static final Path DEFAULT_DATA_DIRECTORY = Path.of("/var/lib/weft");
    public static final Path DEFAULT_DOCKER_SOCKET = Path.of("/var/run/docker.sock");
    public static final int DEFAULT_PORT = 6783;
    public static final String DEFAULT_HTTP_ADDRESS = "127.0.0.1:6784";
    /** Where Weave served its metrics too, so an existing scrape configuration finds Weft's. */
    public static final String DEFAULT_METRICS_ADDRESS = "0.0.0.0:6782";
    /** The value of {@code --metrics-addr} that serves no metrics address. */
    public static final String NO_METRICS_ADDRESS = "none";
    /**
     * The overlay MTU of a 1500-byte underlay: what is left after IPv4 and UDP (28), the sleeve header (32), the
     * sealing tag (16) and the inner Ethernet header (14), whether or not the pair encrypts, so that turning
     * encryption on does not change the MTU containers see.
     */
    public static final int DEFAULT_MTU = 1410;
    public static final int MIN_MTU = 576, MAX_MTU = 65_000;
    public static final String DEFAULT_RANGE = "10.32.0.0/12";
    public static final String BRIDGE = "weft";
    /** The sleeve's sending lanes besides the relaying one (see SleeveCipher.MAX_LANES). */
    public static final int MAX_SLEEVE_QUEUES = 8;

    /** The TAP queues to open: as configured, or one per CPU up to the most the sleeve has lanes for. */
    public int effectiveSleeveQueues() {
        return sleeveQueues != 0 ? sleeveQueues : Math.min(Runtime.getRuntime().availableProcessors(), MAX_SLEEVE_QUEUES);
    }

    public RouterConfig {
        peers = List.copyOf(peers);
        trustedSubnets = List.copyOf(trustedSubnets);
        if (port < 1 || port > 65_534) throw new IllegalArgumentException("--port " + port + " is not in 1..65534");
        if (sleeveQueues < 0 || sleeveQueues > MAX_SLEEVE_QUEUES) {
            throw new IllegalArgumentException("--sleeve-queues " + sleeveQueues + " is not in 0.." + MAX_SLEEVE_QUEUES + " (0: one per CPU)");
        }
        if (!httpAddress.getAddress().isLoopbackAddress() && !httpRemote) {
            throw new IllegalArgumentException("the HTTP API on " + httpAddress.getHostString() + ":" + httpAddress.getPort()
                    + " would let other hosts control the router: it needs --http-remote (and then every request the token in "
                    + dataDirectory.resolve(ApiToken.FILE_NAME) + ")");
        }
        if (metricsAddress.isPresent()) {
            InetSocketAddress metrics = metricsAddress.get();
            if (metrics.getPort() == port && overlap(metrics.getAddress(), bindAddress)) {
                throw new IllegalArgumentException("--metrics-addr " + hostPort(metrics) + " takes the peers' TCP port " + port + ": choose another port");
            }
            if (metrics.getPort() == httpAddress.getPort() && overlap(metrics.getAddress(), httpAddress.getAddress())) {
                throw new IllegalArgumentException("--metrics-addr " + hostPort(metrics) + " takes the HTTP API's port (" + hostPort(httpAddress)
                        + "): choose another port");
            }
        }
        if (connectionLimit < 0) throw new IllegalArgumentException("--conn-limit must not be negative");
        if (!allocation.universe().equals(AddressRange.of(overlayRange))) {
            throw new IllegalArgumentException("the allocation range " + allocation.universe() + " must be the overlay range " + overlayRange);
        }
    }

    /** Parses {@code host:port} for the HTTP API; only literal addresses, so nothing is looked up at start. */
    public static InetSocketAddress parseHttpAddress(String text) {
        return parseListenAddress(text, "HTTP address", "127.0.0.1:6784");
    }

    /**
     * Parses {@code host:port} for the metrics, or {@link #NO_METRICS_ADDRESS} for none.
     *
     * @param origin where the text came from, as the operator wrote it: {@code --metrics-addr} or {@code WEFT_METRICS_ADDR}
     */
    public static Optional<InetSocketAddress> parseMetricsAddress(String text, String origin) {
        if (text.equals(NO_METRICS_ADDRESS)) return Optional.empty();
        if (text.isBlank()) {
            throw new IllegalArgumentException("invalid " + origin + " '" + text + "': expected host:port, for example "
                    + DEFAULT_METRICS_ADDRESS + ", or " + NO_METRICS_ADDRESS + " to serve no metrics");
        }
        return Optional.of(parseListenAddress(text, origin, DEFAULT_METRICS_ADDRESS + ", or " + NO_METRICS_ADDRESS + " to serve no metrics"));
    }

    private static InetSocketAddress parseListenAddress(String text, String what, String example) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("invalid " + what + " '" + text + "': expected host:port, for example " + example);
        int port = parsePort(text.substring(colon + 1), what + " '" + text + "'");
        return new InetSocketAddress(parseLiteral(text.substring(0, colon), what + " '" + text + "'"), port);
    }

    /** Whether sockets bound to {@code a} and {@code b} on one port would collide: the same address, or either the wildcard. */
    private static boolean overlap(InetAddress a, InetAddress b) {
        return a.isAnyLocalAddress() || b.isAnyLocalAddress() || a.equals(b);
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    public static InetAddress parseLiteral(String host, String what) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!bare.matches("[0-9.]+|[0-9A-Fa-f:]+") || bare.isEmpty()) throw new IllegalArgumentException("invalid " + what + ": '" + host + "' is not an IP address");
        try {
            return InetAddress.ofLiteral(bare); // getByName would look up what is no literal, such as "cafe" or "1.2.3.256"
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid " + what + ": '" + host + "' is not an IP address");
        }
    }

    public static int parsePort(String digits, String what) {
        try {
            int port = Integer.parseInt(digits);
            if (port >= 1 && port <= 65_535) return port;
        } catch (NumberFormatException e) {
            // reported below with the same message as an out-of-range number
        }
        throw new IllegalArgumentException("invalid port '" + digits + "' in " + what);
    }

    public static int parseInt(String text, String what) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid " + what + " '" + text + "': expected a whole number");
        }
    }

    public Path lockFile() {
        return dataDirectory.resolve("router.lock");
    }

    public Path logFile() {
        return dataDirectory.resolve("weft.log");
    }
}

package weft.router.cli;

import weft.router.RouterConfig;
import weft.router.plumbing.Cidr;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The options of {@code weft launch} and {@code weft router}, and how they become a {@link RouterConfig}. */
final class RouterOptions {
    static final List<CommandLine.Option> ALL = List.of(
            new CommandLine.Option("data-dir", "DIR", "state and log of this router (default $WEFT_DATA_DIR or " + RouterConfig.DEFAULT_DATA_DIRECTORY + ")"),
            new CommandLine.Option("name", "PEERNAME", "peer name, like 7a:31:c4:02:9e:0e (default: kept in the data directory)"),
            new CommandLine.Option("nickname", "NAME", "name shown to other peers (default: the host name)"),
            new CommandLine.Option("host", "ADDRESS", "address to listen on for peers (default 0.0.0.0)"),
            new CommandLine.Option("port", "PORT", "TCP control and UDP sleeve port (default " + RouterConfig.DEFAULT_PORT + ")"),
            Weft.HTTP_ADDR,
            new CommandLine.Option("mtu", "BYTES", "overlay MTU (default $WEFT_MTU or " + RouterConfig.DEFAULT_MTU + ")"),
            new CommandLine.Option("ipalloc-range", "CIDR", "the overlay's address range; containers get a route to it (default " + RouterConfig.DEFAULT_RANGE + ")"),
            new CommandLine.Option("conn-limit", "N", "most connections to other peers, handshakes included; 0 for no limit (default 100)"));

    private RouterOptions() {
    }

    static RouterConfig parse(CommandLine line, Map<String, String> environment) {
        Path dataDir = Path.of(line.value("data-dir").orElse(environment.getOrDefault("WEFT_DATA_DIR", RouterConfig.DEFAULT_DATA_DIRECTORY.toString())))
                .toAbsolutePath().normalize();
        InetAddress host = RouterConfig.parseLiteral(line.value("host").orElse("0.0.0.0"), "--host");
        int port = RouterConfig.parsePort(line.value("port").orElse(Integer.toString(RouterConfig.DEFAULT_PORT)), "--port");
        var http = RouterConfig.parseHttpAddress(line.value("http-addr").orElse(environment.getOrDefault("WEFT_HTTP_ADDR", RouterConfig.DEFAULT_HTTP_ADDRESS)));
        String mtuText = line.value("mtu").orElse(environment.getOrDefault("WEFT_MTU", Integer.toString(RouterConfig.DEFAULT_MTU)));
        int mtu = RouterConfig.parseInt(mtuText, "MTU");
        Cidr range = Cidr.parse(line.value("ipalloc-range").orElse(RouterConfig.DEFAULT_RANGE));
        if (!range.equals(range.network())) throw new IllegalArgumentException("--ipalloc-range " + range + " has host bits set; did you mean " + range.network() + "?");
        int connLimit = RouterConfig.parseInt(line.value("conn-limit").orElse("100"), "--conn-limit");
        for (String peer : line.operands()) {
            if (peer.isBlank() || peer.startsWith("-")) throw new IllegalArgumentException("invalid peer '" + peer + "'");
        }
        return new RouterConfig(dataDir, line.value("name"), line.value("nickname"), host, port, http, mtu, range, connLimit,
                RouterConfig.BRIDGE, line.operands());
    }
}

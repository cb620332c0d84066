package weft.api;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a router's API listens, as the router records it in {@value #FILE_NAME} in its data directory while the API
 * is up, so that a client given only the data directory finds it ({@code {"host":"127.0.0.1","port":6784,"pid":4242}}).
 * The router writes it durably once its API listens and removes it when it stops cleanly; one left by a router that
 * died names an address where nothing answers. Immutable.
 *
 * @param host the address the API is bound to, as an IP literal; {@code 0.0.0.0} or {@code ::} when it listens on
 *             every address, which {@link ApiClient} calls on loopback
 * @param pid  the router's process id
 */
public record ApiLocation(String host, int port, long pid) {
    /** The record's file in the router's data directory. */
    public static final String FILE_NAME = "api.json";

    public ApiLocation {
        InetAddress.ofLiteral(host); // throws IllegalArgumentException for anything but an IP literal
        if (port < 1 || port > 65_535) throw new IllegalArgumentException("port " + port + " is not in 1..65535");
        if (pid < 1) throw new IllegalArgumentException("pid " + pid + " is not a process id");
    }

    /** Where the API at {@code bound} (its port resolved) of process {@code pid} listens. */
    public static ApiLocation of(InetSocketAddress bound, long pid) {
        return new ApiLocation(bound.getAddress().getHostAddress(), bound.getPort(), pid);
    }

    /**
     * The record in {@code dataDirectory}; empty when there is none or it cannot be read or understood, so that a
     * client falls back to the default address.
     */
    public static Optional<ApiLocation> readFrom(Path dataDirectory) {
        Path file = dataDirectory.resolve(FILE_NAME);
        try {
            // a record is some 60 bytes: a large file is not one, and is not read whole
            if (!Files.isRegularFile(file) || Files.size(file) > 4096) return Optional.empty();
            return Optional.of(RecordJson.read(Files.readAllBytes(file), ApiLocation.class));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // unreadable or malformed: as good as none, see above
        }
    }

    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(InetAddress.ofLiteral(host), port);
    }

    /** {@code host:port}, an IPv6 host in brackets, as users write it for {@code --http-addr}. */
    public String address() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}

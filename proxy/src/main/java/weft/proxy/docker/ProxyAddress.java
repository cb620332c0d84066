package weft.proxy.docker;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the Docker API proxy listens, as Docker writes it: {@code unix:///PATH}, or {@code tcp://HOST:PORT}. A Docker
 * API on TCP is root on this host for whoever reaches it, so TCP without TLS is taken on a loopback address only; with
 * {@link Tls}, the proxy asks each client for a certificate its CA signed, as dockerd's {@code --tlsverify} does.
 */
public sealed interface ProxyAddress {
    /** A Unix socket, as the engine's own. */
    record Unix(Path socket) implements ProxyAddress {
        @Override
        public String dockerHost() {
            return "unix://" + socket;
        }
    }

    /** A TCP address, with TLS or (on loopback only) without. */
    record Tcp(InetSocketAddress address, Optional<Tls> tls) implements ProxyAddress {
        @Override
        public String dockerHost() {
            String host = address.getHostString();
            return "tcp://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
        }
    }

    /**
     * The proxy's certificate chain and key (PEM; the key unencrypted PKCS#8, which OpenSSL 3 writes by default) and the
     * CA whose clients it lets in.
     */
    record Tls(Path certificate, Path key, Path clientCa) {
    }

    /** What a Docker client's {@code DOCKER_HOST} names for this address. */
    String dockerHost();

    /**
     * Parses {@code text} ({@code origin} names where it came from, for the message), with {@code tls} for a TCP
     * address; refuses what it cannot serve safely, saying why.
     */
    static ProxyAddress parse(String text, String origin, Optional<Tls> tls) {
        if (text.startsWith("unix://")) {
            if (tls.isPresent()) throw invalid(text, origin, "TLS is for a TCP address; a Unix socket is guarded by its file's permissions");
            String path = text.substring("unix://".length());
            if (!path.startsWith("/")) throw invalid(text, origin, "expected unix:///ABSOLUTE/PATH");
            return new Unix(Path.of(path).normalize());
        }
        if (!text.startsWith("tcp://")) throw invalid(text, origin, "expected unix:///PATH or tcp://HOST:PORT");
        String rest = text.substring("tcp://".length());
        int colon = rest.lastIndexOf(':');
        if (colon <= 0 || colon == rest.length() - 1) throw invalid(text, origin, "expected tcp://HOST:PORT");
        String host = rest.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(rest.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw invalid(text, origin, "the port is not a number");
        }
        if (port < 1 || port > 65535) throw invalid(text, origin, "the port is not 1 to 65535");
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw invalid(text, origin, "cannot resolve " + host);
        }
        if (tls.isEmpty() && !address.isLoopbackAddress()) {
            throw invalid(text, origin, "a Docker API on TCP without TLS is root on this host for whoever reaches it:"
                    + " give --proxy-tls-cert, --proxy-tls-key and --proxy-tls-ca, or listen on a loopback address");
        }
        return new Tcp(new InetSocketAddress(address, port), tls);
    }

    private static IllegalArgumentException invalid(String text, String origin, String why) {
        return new IllegalArgumentException("invalid " + origin + " '" + text + "': " + why);
    }
}

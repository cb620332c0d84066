package weft.dns.server;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * The name servers forwarded queries go to, in the order to try them. {@link ResolvConfWatcher} reads them from
 * resolv.conf (port 53); tests and embedders give a fixed list with any port. Called on the event loop, and once on
 * the starting thread for the log line.
 */
@FunctionalInterface
public interface UpstreamSource {
    List<InetSocketAddress> current();
}

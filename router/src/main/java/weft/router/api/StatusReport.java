package weft.router.api;

import java.util.List;
import java.util.Map;

/**
 * The router's state as {@code weft status} and {@code weft report} show it.
 *
 * @param pid    the router's process id, so that {@code weft stop} can wait for it to exit
 * @param sleeve counters of the userspace data path by name, for example {@code dropped-bad-magic}
 */
public record StatusReport(String version, long pid, String peerName, String nickname, String encryption, String controlAddress,
                           int sleevePort, String httpAddress, String bridge, String sleeveInterface, int mtu,
                           String overlayRange, String dataDirectory, List<ConnectionView> connections,
                           List<TargetView> targets, int learnedMacs, Map<String, Long> sleeve) {
    public StatusReport {
        connections = List.copyOf(connections);
        targets = List.copyOf(targets);
        sleeve = Map.copyOf(sleeve);
    }

    /** A connection to another router. */
    public record ConnectionView(String peer, String nickname, String address, String direction, String state,
                                 String since, String path) {
    }

    /** An address this router dials, and how that is going. */
    public record TargetView(String target, String state, String peer, String lastError, String nextAttempt,
                             int attempts) {
    }
}

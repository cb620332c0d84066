package weft.api;

import java.util.List;
import java.util.Map;

/**
 * The router's state as {@code weft status} and {@code weft report} show it.
 *
 * @param pid    the router's process id, so that {@code weft stop} can wait for it to exit
 * @param mtuReason how the overlay MTU was chosen: automatically from the underlay, or by {@code --mtu} or {@code WEFT_MTU}
 * @param routes next hop by destination peer, for unicast frames and messages
 * @param sleeve   counters of the userspace data path by name, for example {@code dropped-bad-magic}
 * @param fastPath the kernel fast path: its port, or why this host has none
 * @param fastPathCounters heartbeats and forwarding changes of the fast path, by name
 * @param kernel   what the kernel offers the data paths, probed at start: feature and what was found
 */
public record StatusReport(String version, long pid, String peerName, String nickname, String encryption, String controlAddress,
                           int sleevePort, String httpAddress, String bridge, String sleeveInterface, int mtu,
                           String mtuReason, String overlayRange, String dataDirectory, List<ConnectionView> connections,
                           List<TargetView> targets, List<PeerView> peers, Map<String, String> routes, int learnedMacs,
                           Map<String, Long> sleeve, IpamView ipam, String fastPath, Map<String, Long> fastPathCounters,
                           Map<String, String> kernel) {
    public StatusReport {
        fastPathCounters = Map.copyOf(fastPathCounters);
        kernel = Map.copyOf(kernel);
        connections = List.copyOf(connections);
        targets = List.copyOf(targets);
        peers = List.copyOf(peers);
        routes = Map.copyOf(routes);
        sleeve = Map.copyOf(sleeve);
    }

    /**
     * The IP allocator: its phase, what it waits for, the ring's ranges per peer, this peer's requests and the
     * conflicts it has seen.
     *
     * @param shares addresses of the range owned per peer, with whether the peer is reachable
     */
    public record IpamView(String range, String defaultSubnet, String phase, String waitingFor, String ring, long free,
                           int allocations, List<Share> shares, List<String> pending, List<String> conflicts,
                           String persistenceFailure) {
        public IpamView {
            shares = List.copyOf(shares);
            pending = List.copyOf(pending);
            conflicts = List.copyOf(conflicts);
        }

        /** One peer's part of the ring. */
        public record Share(String peer, String nickname, long addresses, double percent, long free, boolean reachable,
                            List<String> ranges) {
        }
    }

    /** A peer of the mesh as the topology gossip describes it, with the peers it reports links to. */
    public record PeerView(String name, String nickname, String incarnation, long version, int shortId,
                           List<String> links) {
    }

    /**
     * A connection to another router; {@code pathMtu} is the underlay path MTU the sleeve learned, 0 before it knows.
     *
     * @param path        how frames travel: {@code fast}, {@code fast (ESP)}, {@code fast: WHY NOT, on sleeve} (the
     *                    pair may go fast but its heartbeats do not flow), {@code sleeve: WHY} or {@code sleeve}
     * @param sleeveHeard what the sleeve heard from the peer lately; null for a connection not established, and from
     *                    a router older than this field
     */
    public record ConnectionView(String peer, String nickname, String address, String direction, String state,
                                 String since, String path, String encryption, int pathMtu, SleeveHeard sleeveHeard) {
    }

    /**
     * What this router's sleeve heard from a connected peer on UDP: path MTU probes keep datagrams flowing both ways
     * every 10 s or so without any traffic, so a peer quiet for much longer is cut off on UDP even if its control
     * connection (TCP) is up.
     *
     * @param datagrams               datagrams received from the peer since it connected (or moved, or rekeyed)
     * @param sinceDatagramMillis     how long ago the latest arrived; -1 when none has
     * @param sinceAcknowledgedMillis how long ago the peer last acknowledged one of our probes (the round trip works); -1 when it never has
     */
    public record SleeveHeard(long datagrams, long sinceDatagramMillis, long sinceAcknowledgedMillis) {
    }

    /** An address this router dials, and how that is going. */
    public record TargetView(String target, String state, String peer, String lastError, String nextAttempt,
                             int attempts) {
    }
}

package weft.router.view;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import weft.api.StatusReport;
import weft.gossip.PeerName;
import weft.gossip.topology.PeerLink;
import weft.gossip.topology.PeerRecord;
import weft.gossip.topology.Routes;

/**
 * The mesh as the topology page draws it, seen from one router: the peers it can reach (itself included), the
 * connections between them with the data path, encryption, path MTU and throughput each one's routers reported
 * ({@link LinkReport}s), and the peers this router reaches only through a relay. Built from values, so the same
 * inputs give the same graph: the page is sent a new one only when it differs.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param self        this router
 * @param nodes       the reachable peers and this one, sorted by name
 * @param edges       the connections between them (each once, {@code from} the lower name), then this router's relayed
 *                    pairs, sorted
 * @param unreachable peers the topology still holds but this router cannot reach: not drawn, named
 */
public record TopologyGraph(String self, List<Node> nodes, List<Edge> edges, List<String> unreachable) {
    public TopologyGraph {
        nodes = List.copyOf(nodes);
        edges = List.copyOf(edges);
        unreachable = List.copyOf(unreachable);
    }

    /**
     * A peer.
     *
     * @param percent   of the allocation range it owns (0 before the allocator has a ring)
     * @param addresses addresses of the range it owns
     */
    public record Node(String peer, String nickname, boolean self, long addresses, double percent) {}

    /**
     * A connection, or (path {@code relayed}) a peer this router reaches through {@code via}.
     *
     * @param path           {@code fast}, {@code sleeve}, {@code relayed}, {@code connecting} (not both ends have it
     *                       established yet), or {@code unknown} (neither end reported its path yet: a router of a
     *                       release without the {@code links} channel)
     * @param encrypted      {@code sealed} or {@code clear}; empty when unknown
     * @param pathMtu        the underlay path MTU the sleeve found, 0 when unknown
     * @param bytesPerSecond both directions together as last reported, -1 when not counted (the fast path's frames
     *                       are the kernel's) or unknown
     * @param via            for a relayed pair, the first hop; else empty
     */
    public record Edge(String from, String to, String path, String encrypted, int pathMtu, long bytesPerSecond, String via) {}

    /**
     * @param self    this router
     * @param peers   the topology's records (placeholders are skipped)
     * @param routes  this router's routes over them
     * @param shares  the allocator's ring by owner (empty before it has one)
     * @param reports the routers' own accounts of their links, ours included
     */
    public static TopologyGraph build(PeerName self, List<PeerRecord> peers, Routes routes, List<StatusReport.IpamView.Share> shares,
                                      Map<PeerName, LinkReport> reports) {
        Set<PeerName> destinations = routes.destinations();
        Map<PeerName, PeerRecord> shown = new TreeMap<>();
        List<String> unreachable = new ArrayList<>();
        for (PeerRecord peer : peers) {
            if (peer.isPlaceholder()) continue;
            if (peer.name().equals(self) || destinations.contains(peer.name())) {
                shown.put(peer.name(), peer);
            } else {
                unreachable.add(peer.name().label(peer.nickname()));
            }
        }
        Map<String, StatusReport.IpamView.Share> shareOf = new HashMap<>();
        shares.forEach(share -> shareOf.put(share.peer(), share));
        List<Node> nodes = new ArrayList<>();
        shown.values().forEach(peer -> {
            StatusReport.IpamView.Share share = shareOf.get(peer.name().toString());
            nodes.add(new Node(peer.name().toString(), peer.nickname(), peer.name().equals(self),
                    share == null ? 0 : share.addresses(), share == null ? 0 : share.percent()));
        });

        Map<List<PeerName>, Edge> edges = new TreeMap<>(TopologyGraph::comparePairs);
        for (PeerRecord peer : shown.values()) {
            for (PeerLink link : peer.links()) {
                if (!shown.containsKey(link.peer())) continue;
                List<PeerName> pair = pair(peer.name(), link.peer());
                if (edges.containsKey(pair)) continue;
                boolean established = link.established() && reportsEstablished(shown.get(link.peer()), peer.name());
                edges.put(pair, edge(pair, established, reports));
            }
        }
        for (PeerName destination : destinations) {
            Optional<PeerName> hop = routes.nextHop(destination);
            if (!shown.containsKey(destination) || hop.isEmpty() || hop.get().equals(destination)) continue;
            List<PeerName> pair = pair(self, destination);
            if (!edges.containsKey(pair)) {
                edges.put(pair, new Edge(pair.get(0).toString(), pair.get(1).toString(), "relayed", "", 0, -1, hop.get().toString()));
            }
        }
        return new TopologyGraph(self.toString(), nodes, List.copyOf(edges.values()), unreachable);
    }

    private static boolean reportsEstablished(PeerRecord other, PeerName toward) {
        return other.links().stream().anyMatch(l -> l.peer().equals(toward) && l.established());
    }

    /**
     * What the two ends reported of their connection: the path and encryption of either (the lower-named end's when
     * both reported), and the traffic as the end that counts it saw it.
     */
    private static Edge edge(List<PeerName> pair, boolean established, Map<PeerName, LinkReport> reports) {
        String from = pair.get(0).toString(), to = pair.get(1).toString();
        if (!established) return new Edge(from, to, "connecting", "", 0, -1, "");
        Optional<LinkState> state = stateOf(reports, pair.get(0), pair.get(1)).or(() -> stateOf(reports, pair.get(1), pair.get(0)));
        if (state.isEmpty()) return new Edge(from, to, "unknown", "", 0, -1, "");
        LinkState link = state.get();
        long rate = link.sentBytesPerSecond() < 0 || link.receivedBytesPerSecond() < 0 ? -1
                : link.sentBytesPerSecond() + link.receivedBytesPerSecond();
        return new Edge(from, to, link.fast() ? "fast" : "sleeve", link.encrypted() ? "sealed" : "clear", link.pathMtu(), rate, "");
    }

    private static Optional<LinkState> stateOf(Map<PeerName, LinkReport> reports, PeerName origin, PeerName peer) {
        LinkReport report = reports.get(origin);
        if (report == null) return Optional.empty();
        return report.links().stream().filter(l -> l.peer().equals(peer)).findFirst();
    }

    private static List<PeerName> pair(PeerName a, PeerName b) {
        return a.compareTo(b) < 0 ? List.of(a, b) : List.of(b, a);
    }

    private static int comparePairs(List<PeerName> a, List<PeerName> b) {
        int first = a.get(0).compareTo(b.get(0));
        return first != 0 ? first : a.get(1).compareTo(b.get(1));
    }
}

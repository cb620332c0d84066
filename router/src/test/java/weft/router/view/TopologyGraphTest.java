package weft.router.view;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import weft.api.StatusReport;
import weft.gossip.PeerName;
import weft.gossip.topology.PeerLink;
import weft.gossip.topology.PeerRecord;
import weft.gossip.topology.Routes;

class TopologyGraphTest {
    private static final PeerName A = new PeerName(0x0a), B = new PeerName(0x0b), C = new PeerName(0x0c), D = new PeerName(0x0d);

    private static PeerRecord peer(PeerName name, String nickname, PeerLink... links) {
        return new PeerRecord(name, nickname, 7, 1, (int) name.value(), List.of(links));
    }

    private static PeerLink to(PeerName peer, boolean established) {
        return new PeerLink(peer, "192.0.2.1:6783", true, established);
    }

    private static TopologyGraph graph(PeerName self, List<PeerRecord> peers, Map<PeerName, LinkReport> reports) {
        Map<PeerName, PeerRecord> records = new TreeMap<>();
        peers.forEach(p -> records.put(p.name(), p));
        return TopologyGraph.build(self, peers, Routes.compute(records, self),
                List.of(new StatusReport.IpamView.Share(A.toString(), "a", 192, 75.0, 100, true, List.of()),
                        new StatusReport.IpamView.Share(B.toString(), "b", 64, 25.0, 64, true, List.of())), reports);
    }

    private static TopologyGraph.Edge edge(TopologyGraph graph, PeerName from, PeerName to) {
        return graph.edges().stream().filter(e -> e.from().equals(from.toString()) && e.to().equals(to.toString())).findFirst().orElseThrow();
    }

    @Test
    void eachConnectionIsOneEdgeWithWhatEitherEndReported() {
        // a - b both ways (b reports it fast), b - c both ways (c reports a sealed sleeve), a reaches c through b
        List<PeerRecord> peers = List.of(peer(A, "a", to(B, true)), peer(B, "b", to(A, true), to(C, true)), peer(C, "c", to(B, true)));
        Map<PeerName, LinkReport> reports = Map.of(
                B, new LinkReport(B, 5, List.of(new LinkState(A, true, false, 0, -1, -1))),
                C, new LinkReport(C, 9, List.of(new LinkState(B, false, true, 1500, 1000, 250))));
        TopologyGraph graph = graph(A, peers, reports);

        assertEquals(A.toString(), graph.self());
        assertEquals(List.of(new TopologyGraph.Node(A.toString(), "a", true, 192, 75.0), new TopologyGraph.Node(B.toString(), "b", false, 64, 25.0),
                new TopologyGraph.Node(C.toString(), "c", false, 0, 0)), graph.nodes());
        assertEquals(new TopologyGraph.Edge(A.toString(), B.toString(), "fast", "clear", 0, -1, ""), edge(graph, A, B));
        assertEquals(new TopologyGraph.Edge(B.toString(), C.toString(), "sleeve", "sealed", 1500, 1250, ""), edge(graph, B, C));
        assertEquals(new TopologyGraph.Edge(A.toString(), C.toString(), "relayed", "", 0, -1, B.toString()), edge(graph, A, C));
        assertEquals(3, graph.edges().size());
        assertEquals(List.of(), graph.unreachable());
    }

    @Test
    void aLinkOnlyOneEndHasIsConnectingAndOneNobodyReportedIsUnknown() {
        // c is reached through b while its own connection to a is still in its handshake
        List<PeerRecord> peers = List.of(peer(A, "a", to(B, true), to(C, true)), peer(B, "b", to(A, true), to(C, true)),
                peer(C, "c", to(A, false), to(B, true)));
        TopologyGraph graph = graph(A, peers, Map.of());
        assertEquals("unknown", edge(graph, A, B).path());
        assertEquals(new TopologyGraph.Edge(A.toString(), C.toString(), "connecting", "", 0, -1, ""), edge(graph, A, C));
    }

    @Test
    void unreachablePeersAndPlaceholdersAreNotDrawn() {
        // d still has a record (it linked to c before it stopped) but nobody reports a link to it any more
        List<PeerRecord> peers = new ArrayList<>(List.of(peer(A, "a", to(B, true)), peer(B, "b", to(A, true)), peer(D, "gone", to(C, true)),
                PeerRecord.placeholder(C)));
        TopologyGraph graph = graph(A, peers, Map.of());
        assertEquals(List.of(A.toString(), B.toString()), graph.nodes().stream().map(TopologyGraph.Node::peer).toList());
        assertEquals(1, graph.edges().size());
        assertEquals(List.of(D.label("gone")), graph.unreachable());
    }

    @Test
    void theSameMeshGivesTheSameGraphWhateverTheOrderOfItsRecords() {
        List<PeerRecord> peers = List.of(peer(A, "a", to(B, true), to(C, true)), peer(B, "b", to(A, true), to(C, true)), peer(C, "c", to(A, true), to(B, true)));
        assertEquals(graph(B, peers, Map.of()), graph(B, peers.reversed(), Map.of()));
    }
}

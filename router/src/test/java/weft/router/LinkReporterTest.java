package weft.router;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import weft.gossip.PeerName;
import weft.router.view.LinkSampler;

class LinkReporterTest {
    private static final PeerName B = PeerName.parse("0a:00:00:00:00:02");

    @Test
    void connectionsStillHandshakingAreNoLinksAndNamesAreReadBack() {
        List<RouterMetrics.ConnectionReading> connections = List.of(new RouterMetrics.ConnectionReading("", "", false, false, true),
                new RouterMetrics.ConnectionReading(B.toString(), "host-b", true, true, false));
        assertEquals(List.of(new LinkSampler.Connection(B, true, true, false)), LinkReporter.connections(connections));
        assertEquals(List.of(new LinkSampler.Neighbour(B, 20, 10, 1500)),
                LinkReporter.neighbours(List.of(new RouterMetrics.NeighbourReading(B.toString(), "host-b", 2, 20, 1, 10, 1500))));
    }
}

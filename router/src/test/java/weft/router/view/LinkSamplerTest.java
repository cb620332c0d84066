package weft.router.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import weft.gossip.PeerName;
import weft.router.view.LinkSampler.Connection;
import weft.router.view.LinkSampler.Neighbour;

class LinkSamplerTest {
    private static final PeerName B = LinkReportCodecTest.B, C = LinkReportCodecTest.C;
    private static final long SECOND = 1_000_000_000L;
    private static final long T0 = 5 * SECOND; // System.nanoTime may be anything: here, a few seconds in

    private final LinkSampler sampler = new LinkSampler();

    private static Connection sleeveTo(PeerName peer) {
        return new Connection(peer, true, false, true);
    }

    @Test
    void ratesAreTheBytesSinceTheLastSampleOverTheTimeBetween() {
        assertEquals(List.of(new LinkState(B, false, true, 1420, 0, 0)),
                sampler.sample(T0, List.of(sleeveTo(B)), List.of(new Neighbour(B, 1_000, 500, 1420))), "no rate before a second sample");
        assertEquals(List.of(new LinkState(B, false, true, 1420, 2_000, 250)),
                sampler.sample(T0 + 2 * SECOND, List.of(sleeveTo(B)), List.of(new Neighbour(B, 5_000, 1_000, 1420))));
        assertEquals(List.of(new LinkState(B, false, true, 1400, 6_667, 0)),
                sampler.sample(T0 + 5 * SECOND, List.of(sleeveTo(B)), List.of(new Neighbour(B, 25_000, 1_000, 1400))), "rounded");
    }

    @Test
    void aCounterThatWentDownBelongsToANewConnectionAndStartsAgainAtZero() {
        sampler.sample(T0, List.of(sleeveTo(B)), List.of(new Neighbour(B, 1_000_000, 1_000_000, 0)));
        assertEquals(List.of(new LinkState(B, false, true, 0, 0, 0)),
                sampler.sample(T0 + SECOND, List.of(sleeveTo(B)), List.of(new Neighbour(B, 10, 2_000_000, 0))));
        assertEquals(List.of(new LinkState(B, false, true, 0, 90, 100)),
                sampler.sample(T0 + 2 * SECOND, List.of(sleeveTo(B)), List.of(new Neighbour(B, 100, 2_000_100, 0))));
    }

    @Test
    void fastLinksAreNotCountedAndASleeveLinkWithoutCountersNeither() {
        List<Connection> connections = List.of(new Connection(B, true, true, false), sleeveTo(C));
        List<Neighbour> neighbours = List.of(new Neighbour(B, 0, 0, 1500));
        sampler.sample(T0, connections, neighbours);
        assertEquals(List.of(new LinkState(B, true, false, 1500, -1, -1), new LinkState(C, false, true, 0, -1, -1)),
                sampler.sample(T0 + SECOND, connections, List.of(new Neighbour(B, 9_999, 9_999, 1500))));
        assertEquals(List.of(new LinkState(B, false, true, 1500, 1, 1)),
                sampler.sample(T0 + 2 * SECOND, List.of(sleeveTo(B)), List.of(new Neighbour(B, 10_000, 10_000, 1500))),
                "back on the sleeve: counted from the last sample, fast or not");
    }

    @Test
    void onlyEstablishedConnectionsAreLinksOnePerPeer() {
        List<Connection> connections = List.of(new Connection(B, false, false, false), sleeveTo(C), new Connection(C, true, true, false));
        assertEquals(List.of(new LinkState(C, false, true, 0, -1, -1)), sampler.sample(T0, connections, List.of()));
    }

    @Test
    void aPeerThatDisappearsIsForgottenAndStartsAgainAtZero() {
        sampler.sample(T0, List.of(sleeveTo(B)), List.of(new Neighbour(B, 1_000, 1_000, 0)));
        assertEquals(List.of(), sampler.sample(T0 + SECOND, List.of(), List.of()));
        assertEquals(List.of(new LinkState(B, false, true, 0, 0, 0)),
                sampler.sample(T0 + 2 * SECOND, List.of(sleeveTo(B)), List.of(new Neighbour(B, 50_000, 50_000, 0))),
                "not 49 KB/s: the connection before it is forgotten");
    }

    @Test
    void sampleTimesMustIncrease() {
        sampler.sample(T0, List.of(), List.of());
        assertThrows(IllegalArgumentException.class, () -> sampler.sample(T0, List.of(), List.of()));
        assertEquals(List.of(), new LinkSampler().sample(Long.MIN_VALUE, List.of(), List.of()), "any first time");
        LinkSampler wrapping = new LinkSampler();
        wrapping.sample(Long.MAX_VALUE, List.of(sleeveTo(B)), List.of(new Neighbour(B, 0, 0, 0)));
        assertEquals(List.of(new LinkState(B, false, true, 0, 1_000, 1_000)),
                wrapping.sample(Long.MAX_VALUE + SECOND, List.of(sleeveTo(B)), List.of(new Neighbour(B, 1_000, 1_000, 0))),
                "a nanosecond clock that wraps is still a second on");
    }
}

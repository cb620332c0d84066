package weft.router;

import org.junit.jupiter.api.Test;
import weft.router.OverlayMtu.Underlay;
import weft.router.sleeve.PathMtu;
import weft.router.sleeve.SleeveForwarder;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OverlayMtuTest {
    private static final Optional<RouterConfig.FixedMtu> AUTOMATIC = Optional.empty();

    private static Underlay eth0(int mtu) {
        return new Underlay("eth0", mtu, 0, "the route to 10.0.0.2");
    }

    @Test
    void shouldKeepTheDefaultOverlayMtuOnA1500ByteUnderlay() {
        OverlayMtu chosen = OverlayMtu.choose(AUTOMATIC, List.of(eth0(1500)));
        assertEquals(new OverlayMtu(RouterConfig.DEFAULT_MTU, 1500, true,
                "automatic, from the underlay MTU 1500 of eth0 on the route to 10.0.0.2"), chosen);
        assertEquals(SleeveForwarder.DEFAULT_DATAGRAM_PAYLOAD, chosen.sleeveDatagramPayload());
        assertEquals(1410 + 18, chosen.maxFrame());
    }

    @Test
    void shouldGiveAJumboOverlayOnAJumboUnderlay() {
        OverlayMtu chosen = OverlayMtu.choose(AUTOMATIC, List.of(eth0(9000)));
        assertEquals(8910, chosen.mtu());
        assertEquals("automatic, from the underlay MTU 9000 of eth0 on the route to 10.0.0.2", chosen.reason());
        assertEquals(9000 - PathMtu.OVERHEAD, chosen.sleeveDatagramPayload(), "a whole jumbo frame in one datagram");
    }

    @Test
    void shouldFollowTheNarrowestLinkOrRoute() {
        Underlay wide = eth0(9000);
        Underlay narrow = new Underlay("eth1", 1500, 0, "the route to 10.1.0.2");
        Underlay tunnelled = new Underlay("eth0", 9000, 1400, "the route to 10.2.0.2");
        assertEquals(new OverlayMtu(1410, 1500, true, "automatic, from the underlay MTU 1500 of eth1 on the route to 10.1.0.2"),
                OverlayMtu.choose(AUTOMATIC, List.of(wide, narrow)));
        assertEquals(new OverlayMtu(1310, 1400, true,
                        "automatic, from the underlay MTU 1400 of the route to 10.2.0.2, by eth0 of MTU 9000"),
                OverlayMtu.choose(AUTOMATIC, List.of(wide, narrow, tunnelled)));
        assertEquals(8910, OverlayMtu.choose(AUTOMATIC, List.of(new Underlay("eth0", 9000, 9200, "the default route"))).mtu(),
                "a route MTU above the link's does not widen it");
    }

    @Test
    void shouldAssumeA1500ByteUnderlayWhenNoLinkIsKnown() {
        OverlayMtu chosen = OverlayMtu.choose(AUTOMATIC, List.of(new Underlay("dummy0", 0, 0, "the default route")));
        assertEquals(new OverlayMtu(1410, 1500, true, "automatic, assuming a 1500-byte underlay: no route to a peer and no"
                + " default route to learn it from"), chosen);
        assertEquals(chosen, OverlayMtu.choose(AUTOMATIC, List.of()));
    }

    @Test
    void shouldStayWithinTheOverlayBoundsAndTheSleevesWidestPath() {
        OverlayMtu small = OverlayMtu.choose(AUTOMATIC, List.of(eth0(600)));
        assertEquals(RouterConfig.MIN_MTU, small.mtu());
        assertEquals("automatic, from the underlay MTU 600 of eth0 on the route to 10.0.0.2, raised to the least overlay MTU 576", small.reason());
        assertEquals(600 - PathMtu.OVERHEAD, small.sleeveDatagramPayload());
        OverlayMtu loopback = OverlayMtu.choose(AUTOMATIC, List.of(new Underlay("lo", 65536, 0, "the route to 127.0.0.1")));
        assertEquals(RouterConfig.MAX_MTU, loopback.mtu());
        assertEquals(65_535, loopback.underlayMtu());
        assertEquals("automatic, from the underlay MTU 65535 of lo on the route to 127.0.0.1, capped at the largest overlay MTU 65000",
                loopback.reason());
        assertEquals(SleeveForwarder.MAX_PATH_MTU - PathMtu.OVERHEAD, loopback.sleeveDatagramPayload());
    }

    @Test
    void shouldTakeTheOperatorsMtuButSizeTheSleeveByTheUnderlay() {
        OverlayMtu chosen = OverlayMtu.choose(Optional.of(new RouterConfig.FixedMtu(1376, "WEFT_MTU")), List.of(eth0(9000)));
        assertEquals(new OverlayMtu(1376, 9000, false, "from WEFT_MTU"), chosen);
        assertEquals(9000 - PathMtu.OVERHEAD, chosen.sleeveDatagramPayload());
    }
}

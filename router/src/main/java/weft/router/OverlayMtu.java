package weft.router;

import weft.router.sleeve.EthernetFrame;
import weft.router.sleeve.PathMtu;
import weft.router.sleeve.SleeveForwarder;

import java.util.List;
import java.util.Optional;

/**
 * The MTU of the overlay (the bridge, its TAP port, every container interface) and the underlay MTU it was derived
 * from, with the reason an operator reads in the log and in {@code weft status}. Unless {@code --mtu} or
 * {@code WEFT_MTU} fixes it, the overlay MTU is the smallest MTU of the underlay links the router's traffic leaves
 * by, less what the sleeve adds to a frame, so that a container's full-size frame still fits one datagram: a
 * 1500-byte underlay gives {@link RouterConfig#DEFAULT_MTU}, a 9000-byte one a jumbo overlay. Pure: the links are
 * looked up by the caller. Immutable value.
 *
 * @param mtu         the overlay MTU
 * @param underlayMtu the smallest underlay MTU found, {@link #ASSUMED_UNDERLAY_MTU} when none was
 * @param automatic   false when {@code --mtu} or {@code WEFT_MTU} set the overlay MTU
 * @param reason      why, e.g. "automatic, from the underlay MTU 9000 of eth0 on the route to 10.0.0.2"
 */
public record OverlayMtu(int mtu, int underlayMtu, boolean automatic, String reason) {
    /** What the sleeve adds to an overlay packet on the wire: IPv4 20, UDP 8, sleeve header 32, GCM tag 16, Ethernet 14. */
    public static final int SLEEVE_OVERHEAD = PathMtu.OVERHEAD + EthernetFrame.HEADER_LENGTH;
    /** What an underlay is taken to carry when no route says otherwise. */
    public static final int ASSUMED_UNDERLAY_MTU = 1500;
    /** The largest MTU an IPv4 or IPv6 packet can claim; loopback reports 65536. */
    private static final int MAX_IP_MTU = 65_535;

    /**
     * A link the router's traffic leaves by.
     *
     * @param link     its name, e.g. eth0
     * @param linkMtu  its MTU
     * @param routeMtu the MTU of the route itself ({@code ip route ... mtu N}, or a path MTU the kernel learned), 0 for none
     * @param route    which route leads there, e.g. "the route to 10.0.0.2", "the default route"
     */
    public record Underlay(String link, int linkMtu, int routeMtu, String route) {
        int mtu() {
            int mtu = routeMtu > 0 ? Math.min(linkMtu, routeMtu) : linkMtu;
            return Math.min(mtu, MAX_IP_MTU);
        }

        String describe() {
            return routeMtu > 0 && routeMtu < linkMtu
                    ? "the underlay MTU " + mtu() + " of " + route + ", by " + link + " of MTU " + linkMtu
                    : "the underlay MTU " + mtu() + " of " + link + " on " + route;
        }
    }

    /**
     * @param fixed     the MTU the operator gave, if any
     * @param underlays the links to the peers known at start or, when there are none, of the default routes;
     *                  links reporting no MTU (0) are left out
     */
    public static OverlayMtu choose(Optional<RouterConfig.FixedMtu> fixed, List<Underlay> underlays) {
        Underlay narrowest = null;
        for (Underlay underlay : underlays) {
            if (underlay.linkMtu() <= 0) continue;
            if (narrowest == null || underlay.mtu() < narrowest.mtu()) narrowest = underlay;
        }
        int underlayMtu = narrowest == null ? ASSUMED_UNDERLAY_MTU : narrowest.mtu();
        if (fixed.isPresent()) return new OverlayMtu(fixed.get().bytes(), underlayMtu, false, "from " + fixed.get().origin());
        if (narrowest == null) {
            return new OverlayMtu(ASSUMED_UNDERLAY_MTU - SLEEVE_OVERHEAD, underlayMtu, true, "automatic, assuming a "
                    + ASSUMED_UNDERLAY_MTU + "-byte underlay: no route to a peer and no default route to learn it from");
        }
        int wanted = underlayMtu - SLEEVE_OVERHEAD;
        int mtu = Math.clamp(wanted, RouterConfig.MIN_MTU, RouterConfig.MAX_MTU);
        String bound = mtu > wanted ? ", raised to the least overlay MTU " + RouterConfig.MIN_MTU
                : mtu < wanted ? ", capped at the largest overlay MTU " + RouterConfig.MAX_MTU : "";
        return new OverlayMtu(mtu, underlayMtu, true, "automatic, from " + narrowest.describe() + bound);
    }

    /**
     * The most payload one sleeve datagram carries before the path to a neighbour is known: the underlay's MTU,
     * within what {@link PathMtu} believes and the forwarder's buffers hold, less IP, UDP, header and tag.
     */
    public int sleeveDatagramPayload() {
        return Math.clamp(underlayMtu, PathMtu.MIN_MTU, SleeveForwarder.MAX_PATH_MTU) - PathMtu.OVERHEAD;
    }

    /** The largest frame the overlay passes: the MTU, its Ethernet header and a VLAN tag. */
    public int maxFrame() {
        return mtu + EthernetFrame.HEADER_LENGTH + 4;
    }
}

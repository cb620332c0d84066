package weft.router;

import weft.kernel.Rtnetlink;

/**
 * The router's bridge, made or brought in line: up, at the overlay MTU, with its MAC address pinned. A Linux bridge
 * whose address was never set takes the lowest of its ports', so the sleeve's TAP port, recreated with a random address
 * at each start, would change it now and then, and the containers that reach the host through the bridge (its exposed
 * address: Weft DNS, a pod's gateway) would keep sending to the old one until their ARP entries aged out.
 *
 * <p>Stateless; the caller's netlink socket is its own.
 */
final class BridgeLink {
    private BridgeLink() {
    }

    /** Makes {@code bridge} if it is missing and sets it up; returns whether it had to be made. */
    static boolean ensure(Rtnetlink host, String bridge, int mtu) {
        boolean made = host.link(bridge).isEmpty();
        if (made) host.createBridge(bridge);
        host.setMacAddress(bridge, host.link(bridge).orElseThrow().mac());
        host.setMtu(bridge, mtu);
        host.setUp(bridge);
        return made;
    }
}

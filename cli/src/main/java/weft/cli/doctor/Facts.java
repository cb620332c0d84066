package weft.cli.doctor;

import weft.gossip.Cidr;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Everything {@code weft doctor} gathered before judging anything: the router's answer, and what the host's
 * {@code /proc}, {@code ip} and {@code nft} say. The checks are functions of this alone, so that tests fabricate it.
 * Immutable.
 *
 * @param now          the time the router's relative instants are told from
 * @param defaultRange the allocation range to check routes against when no router answers (--ipalloc-range's default,
 *                     or IPALLOC_RANGE)
 * @param sockets      the sockets bound to the ports Weft uses, with their holders
 * @param firewall     nftables rules that drop or reject those ports
 */
record Facts(Instant now, RouterState router, Cidr defaultRange, Gathered<Sysctls> sysctls, Gathered<List<Route>> routes,
             Gathered<List<PortHolder>> sockets, Gathered<List<FirewallDrop>> firewall) {

    /**
     * The kernel settings that decide whether containers can route through the host.
     *
     * @param bridgeNfCallIptables empty when br_netfilter is not loaded (then bridged frames skip iptables and nftables)
     */
    record Sysctls(boolean ipForward, Optional<Boolean> bridgeNfCallIptables) {
    }

    /** A route of the main table: where it goes and by which device ({@code ip route}). */
    record Route(Cidr destination, String device) {
    }
}

package weft.router.fastpath;

import weft.kernel.NativeCallException;
import weft.kernel.Nftables;

import java.net.Inet4Address;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps the VXLAN port's UDP port closed to everyone but the peers Weft chose: an nftables table in the router's
 * network namespace whose input rule drops, before the kernel decapsulates them, VXLAN datagrams from any address
 * not in its set, and any over IPv6 (the fast path is IPv4 only). The set holds the fast path's candidates: peers
 * connected through the authenticated mesh that may use the kernel path, in clear or in ESP. Without it anyone who
 * reaches the port could put frames on the bridge, and the VXLAN device would learn where to send the replies.
 * The table is one nftables transaction to create, to change and to remove, so it is never half there.
 *
 * <p>Not thread-safe: built at start, then owned by the fast path's agent thread, then closed.
 */
final class VxlanGuard implements AutoCloseable {
    static final String TABLE = "weft";
    private static final Pattern DROPPED = Pattern.compile("counter packets (\\d+) bytes");

    private final Nftables nft;
    private final int udpPort;
    private Set<String> allowed = Set.of();

    private VxlanGuard(Nftables nft, int udpPort) {
        this.nft = nft;
        this.udpPort = udpPort;
    }

    /**
     * Creates the table (replacing one a router that did not stop cleanly left), with nobody allowed yet.
     *
     * @throws NativeCallException when nftables is missing or refuses; the caller must not open the port then
     */
    static VxlanGuard install(int udpPort) {
        Nftables nft = Nftables.open();
        try {
            // "add" then "delete" then the table: one transaction that replaces a leftover and fails on nothing
            nft.run("guarding the VXLAN port", "add table inet " + TABLE + "\ndelete table inet " + TABLE + "\n"
                    + "table inet " + TABLE + " {\n"
                    + "  set vxlan_peers { type ipv4_addr; }\n"
                    + "  chain vxlan_input {\n"
                    + "    type filter hook input priority -10; policy accept;\n"
                    + "    meta nfproto ipv4 udp dport " + udpPort + " ip saddr != @vxlan_peers counter drop\n"
                    + "    meta nfproto ipv6 udp dport " + udpPort + " drop\n"
                    + "  }\n"
                    + "}\n");
            return new VxlanGuard(nft, udpPort);
        } catch (RuntimeException e) {
            nft.close();
            throw e;
        }
    }

    /** Lets exactly {@code peers} through from now on, in one transaction; nothing happens when they did not change. */
    void allow(Collection<Inet4Address> peers) {
        Set<String> next = new TreeSet<>();
        for (Inet4Address peer : peers) next.add(peer.getHostAddress());
        if (next.equals(allowed)) return;
        String commands = "flush set inet " + TABLE + " vxlan_peers\n"
                + (next.isEmpty() ? "" : "add element inet " + TABLE + " vxlan_peers { " + String.join(", ", next) + " }\n");
        nft.run("allowing " + next + " to the VXLAN port", commands);
        allowed = Set.copyOf(next);
    }

    /** The addresses let through now. */
    Set<String> allowed() {
        return allowed;
    }

    /** VXLAN datagrams over IPv4 dropped so far for coming from someone not allowed. */
    long dropped() {
        Matcher matcher = DROPPED.matcher(nft.query("reading the VXLAN port's drops", "list chain inet " + TABLE + " vxlan_input"));
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    }

    int udpPort() {
        return udpPort;
    }

    @Override
    public void close() {
        try {
            // "add" first: removing a table that is already gone is no failure
            nft.run("removing the VXLAN port's guard", "add table inet " + TABLE + "\ndelete table inet " + TABLE);
        } finally {
            nft.close();
        }
    }
}

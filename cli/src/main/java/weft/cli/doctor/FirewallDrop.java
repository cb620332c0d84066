package weft.cli.doctor;

import java.util.List;

/**
 * An nftables rule that drops or rejects packets to or from some of Weft's ports: its place in the ruleset, the
 * protocol ({@code tcp}, {@code udp}, or {@code th} for both) and ports it matches, and its verdict. Whether it
 * concerns the peers cannot be told from the rule alone (it may match other addresses too), so it is a lead, not
 * a proof. Immutable.
 *
 * @param direction {@code dport} or {@code sport}
 */
record FirewallDrop(String family, String table, String chain, long handle, String protocol, String direction,
                    List<Integer> ports, String verdict) {
    FirewallDrop {
        ports = List.copyOf(ports);
    }

    /** Whether the rule drops {@code protocol} ({@code tcp} or {@code udp}) on {@code port}. */
    boolean drops(String protocol, int port) {
        return (this.protocol.equals(protocol) || this.protocol.equals("th")) && ports.contains(port);
    }

    /** {@code inet filter input handle 7}, as {@code nft delete rule} takes it. */
    String where() {
        return family + " " + table + " " + chain + " handle " + handle;
    }
}

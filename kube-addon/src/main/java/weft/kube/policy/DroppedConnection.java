package weft.kube.policy;

import java.util.Optional;

/**
 * A packet the policy table dropped and logged (NFLOG), read from its IP and transport headers and explained from
 * the cluster as it is now: who tried to reach whom on what, and which policies refused it. Immutable.
 *
 * @param protocol empty for a protocol policies cannot name (ICMP): only a rule without ports allows it
 */
record DroppedConnection(boolean ingress, long source, long destination, Optional<PolicyPort.Protocol> protocol, int protocolNumber, int port) {
    private static final int TCP = 6, UDP = 17, SCTP = 132;

    /**
     * The connection in {@code ip} (the packet from its IPv4 header on, perhaps cut short) logged with {@code prefix};
     * empty for anything else (not IPv4, a header cut too short, not one of our prefixes): a counted drop for the caller.
     */
    static Optional<DroppedConnection> read(String prefix, byte[] ip) {
        boolean ingress;
        if (prefix.equals(NftRuleset.INGRESS_PREFIX)) {
            ingress = true;
        } else if (prefix.equals(NftRuleset.EGRESS_PREFIX)) {
            ingress = false;
        } else {
            return Optional.empty();
        }
        if (ip.length < 20 || (ip[0] & 0xf0) != 0x40) return Optional.empty();
        int headerLength = (ip[0] & 0x0f) * 4;
        if (headerLength < 20 || ip.length < headerLength) return Optional.empty();
        int protocolNumber = ip[9] & 0xff;
        Optional<PolicyPort.Protocol> protocol = switch (protocolNumber) {
            case TCP -> Optional.of(PolicyPort.Protocol.TCP);
            case UDP -> Optional.of(PolicyPort.Protocol.UDP);
            case SCTP -> Optional.of(PolicyPort.Protocol.SCTP);
            default -> Optional.empty();
        };
        int port = 0;
        if (protocol.isPresent()) {
            if (ip.length < headerLength + 4) return Optional.empty();
            port = (ip[headerLength + 2] & 0xff) << 8 | ip[headerLength + 3] & 0xff;
        }
        return Optional.of(new DroppedConnection(ingress, unsigned(ip, 12), unsigned(ip, 16), protocol, protocolNumber, port));
    }

    private static long unsigned(byte[] bytes, int at) {
        return ((long) (bytes[at] & 0xff) << 24) | (bytes[at + 1] & 0xff) << 16 | (bytes[at + 2] & 0xff) << 8 | bytes[at + 3] & 0xff;
    }

    /** One line for the log and the status: "TCP prod/web (10.32.0.6) -> prod/db (10.32.0.5) port 5432 at ingress: denied: ...". */
    String explain(PolicyCluster cluster) {
        String what = protocol.map(p -> p + " ").orElse("IP protocol " + protocolNumber + " ") + end(cluster, source) + " -> "
                + end(cluster, destination) + (protocol.isPresent() ? " port " + port : "") + " dropped at " + (ingress ? "ingress" : "egress");
        PolicyCluster.Verdict verdict = cluster.decide(source, destination, protocol.orElse(null), port);
        return what + ": " + (verdict.allowed() ? "the policies have changed since, and allow it now (" + verdict.reason() + ")" : verdict.reason());
    }

    private static String end(PolicyCluster cluster, long address) {
        return cluster.podAt(address).map(p -> p.id() + " (" + Ipv4Ranges.text(address) + ")").orElse(Ipv4Ranges.text(address));
    }
}

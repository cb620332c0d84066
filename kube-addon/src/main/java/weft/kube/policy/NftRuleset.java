package weft.kube.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The nftables table that enforces a {@link PolicyCluster} for the pods of one node, as one text that replaces the
 * whole table in one transaction (never a moment with half the rules).
 *
 * <p>Layout, so that a packet's cost does not grow with the cluster: the forward hook (which bridged frames reach
 * through br_netfilter) accepts established connections, then looks the source up in the {@code egress} verdict map
 * and the destination in {@code ingress}: a pod isolated in that direction has its own chain, which has one rule per
 * rule of the policies that select it and returns when one matches; what none matches is logged to NFLOG group
 * {@value #LOG_GROUP} (rate-limited), counted in the pod's counter and dropped. A packet of an unisolated pod costs
 * two map lookups. The other end's addresses are interval sets shared by every rule that has the same ones; the
 * ports, resolved for the pod (named ports differ per pod), are anonymous sets of {@code protocol . port range}.
 * Traffic between a pod and its own node (input and output hooks) is not filtered, as Kubernetes requires for the
 * kubelet's probes.
 */
final class NftRuleset {
    static final String TABLE = "weft-policy";
    static final int LOG_GROUP = 86;
    static final String INGRESS_PREFIX = "weft-policy-in ", EGRESS_PREFIX = "weft-policy-out ";

    /** The text for nft, and the counter of each isolated pod and direction ({@code in-3} → "prod/db"). */
    record Compiled(String text, Map<String, String> counters) {
    }

    private final PolicyCluster cluster;
    private final Map<Ipv4Ranges, String> peerSets = new LinkedHashMap<>();
    private final Map<String, String> counters = new LinkedHashMap<>();

    private NftRuleset(PolicyCluster cluster) {
        this.cluster = cluster;
    }

    /** The table for the pods on {@code node}. */
    static Compiled compile(PolicyCluster cluster, String node) {
        return new NftRuleset(cluster).build(node);
    }

    /** Commands that remove the table, whether it exists or not (weft reset, the policy turned off). */
    static String removal() {
        return "add table ip " + TABLE + "\ndelete table ip " + TABLE + "\n";
    }

    private Compiled build(String node) {
        List<String> chains = new ArrayList<>();
        List<String> ingress = new ArrayList<>(), egress = new ArrayList<>();
        int index = 0;
        Set<Long> mapped = new java.util.HashSet<>();
        for (PolicyPod pod : cluster.pods()) {
            // two pods with one address (one leaving, one arriving): a map holds one verdict per address; the first is kept
            if (!pod.node().equals(node) || !mapped.add(pod.address())) continue;
            for (boolean in : new boolean[]{true, false}) {
                List<Policy> isolating = cluster.isolating(pod, in);
                if (isolating.isEmpty()) continue;
                String chain = (in ? "in-" : "out-") + index++;
                counters.put(chain, pod.id());
                chains.add(chain(chain, pod, isolating, in));
                (in ? ingress : egress).add(Ipv4Ranges.text(pod.address()) + " : jump " + chain);
            }
        }
        StringBuilder text = new StringBuilder(removal()).append("table ip ").append(TABLE).append(" {\n");
        peerSets.forEach((ranges, name) -> text.append("  set ").append(name).append(" { type ipv4_addr; flags interval; elements = { ")
                .append(ranges.ranges().stream().map(Ipv4Ranges.Range::nft).collect(Collectors.joining(", "))).append(" } }\n"));
        text.append(map("ingress", ingress)).append(map("egress", egress));
        for (String counter : counters.keySet()) text.append("  counter ").append(counter).append(" { }\n");
        chains.forEach(text::append);
        text.append("""
                  chain forward {
                    type filter hook forward priority filter; policy accept;
                    ct state established,related accept
                    ip saddr vmap @egress
                    ip daddr vmap @ingress
                  }
                }
                """);
        return new Compiled(text.toString(), Map.copyOf(counters));
    }

    private static String map(String name, List<String> elements) {
        return "  map " + name + " { type ipv4_addr : verdict;" + (elements.isEmpty() ? "" : " elements = { " + String.join(", ", elements) + " }")
                + " }\n";
    }

    private String chain(String name, PolicyPod pod, List<Policy> isolating, boolean in) {
        StringBuilder chain = new StringBuilder("  chain ").append(name).append(" {\n");
        chain.append("    # ").append(pod.id()).append(in ? " ingress" : " egress").append(": ")
                .append(isolating.stream().map(Policy::id).collect(Collectors.joining(", "))).append('\n');
        for (Policy policy : isolating) {
            for (PolicyRule rule : policy.rules(in)) {
                for (String match : matches(policy, rule, pod, in)) chain.append("    ").append(match).append(" return\n");
            }
        }
        chain.append("    limit rate 10/second burst 20 packets log group ").append(LOG_GROUP).append(" prefix \"")
                .append(in ? INGRESS_PREFIX : EGRESS_PREFIX).append("\"\n");
        chain.append("    counter name \"").append(name).append("\" drop\n  }\n");
        return chain.toString();
    }

    /** The matches of one rule for {@code pod}'s chain: none when it can match nothing. */
    private List<String> matches(Policy policy, PolicyRule rule, PolicyPod pod, boolean in) {
        String other = in ? "ip saddr" : "ip daddr";
        String peers = "";
        if (!rule.peers().isEmpty()) {
            Ipv4Ranges addresses = peerAddresses(policy, rule);
            if (addresses.isEmpty()) return List.of();
            peers = other + " @" + peerSets.computeIfAbsent(addresses, a -> "peers-" + peerSets.size()) + " ";
        }
        if (rule.ports().isEmpty()) return List.of(peers.strip());
        List<String> matches = new ArrayList<>();
        Map<PolicyPort.Protocol, List<Ipv4Ranges.Range>> numbered = new java.util.EnumMap<>(PolicyPort.Protocol.class);
        Set<String> named = new LinkedHashSet<>(); // egress: address . protocol . port of each pod that has the name
        for (PolicyPort port : rule.ports()) {
            if (port.name().isEmpty()) {
                numbered.computeIfAbsent(port.protocol(), p -> new ArrayList<>()).add(new Ipv4Ranges.Range(port.first(), port.last()));
            } else if (in) {
                pod.port(port.name().get(), port.protocol()).ifPresent(n -> numbered.computeIfAbsent(port.protocol(), p -> new ArrayList<>())
                        .add(new Ipv4Ranges.Range(n, n)));
            } else {
                for (PolicyPod receiver : cluster.pods()) {
                    boolean peer = rule.peers().isEmpty() || rule.peers().stream()
                            .anyMatch(p -> cluster.peerIs(policy, p, receiver.address(), receiver));
                    if (peer) receiver.port(port.name().get(), port.protocol()).ifPresent(n -> named.add(
                            Ipv4Ranges.text(receiver.address()) + " . " + port.protocol().nft() + " . " + n));
                }
            }
        }
        if (!numbered.isEmpty()) matches.add(peers + "meta l4proto . th dport { " + ports(numbered) + " }");
        if (!named.isEmpty()) matches.add("ip daddr . meta l4proto . th dport { " + String.join(", ", named) + " }");
        return matches;
    }

    /**
     * A rule's ports as set elements: nft refuses overlapping intervals in one set (80-90 with 85, every port with
     * 53), so each protocol's ranges are merged first, as addresses are.
     */
    private static String ports(Map<PolicyPort.Protocol, List<Ipv4Ranges.Range>> byProtocol) {
        List<String> elements = new ArrayList<>();
        byProtocol.forEach((protocol, ranges) -> {
            for (Ipv4Ranges.Range range : Ipv4Ranges.of(ranges).ranges()) {
                elements.add(protocol.nft() + " . " + (range.first() == range.last() ? range.first() : range.first() + "-" + range.last()));
            }
        });
        return String.join(", ", elements);
    }

    /** Every address the rule's peers stand for: the pods they select and their blocks. */
    private Ipv4Ranges peerAddresses(Policy policy, PolicyRule rule) {
        Ipv4Ranges addresses = Ipv4Ranges.EMPTY;
        List<Ipv4Ranges.Range> podAddresses = new ArrayList<>();
        for (PolicyPeer peer : rule.peers()) {
            if (peer.block().isPresent()) {
                addresses = addresses.union(peer.block().get());
                continue;
            }
            for (PolicyPod candidate : cluster.pods()) {
                if (cluster.peerIs(policy, peer, candidate.address(), candidate)) {
                    podAddresses.add(new Ipv4Ranges.Range(candidate.address(), candidate.address()));
                }
            }
        }
        return addresses.union(Ipv4Ranges.of(podAddresses));
    }
}

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
 * and the destination in {@code ingress}: a pod isolated in that direction jumps to a chain with one rule per rule of
 * the policies that select it, which returns when one matches; what none matches is logged to NFLOG group
 * {@value #LOG_GROUP} (rate-limited), counted in the chain's counter and dropped. A packet of an unisolated pod costs
 * two map lookups. Pods whose chains would read the same share one (the pods a policy selects by label mostly do),
 * and the other end's addresses and the ports are named interval sets shared by every rule that has the same: the
 * kernel's work for a table grows with the distinct rules, not with the pods (1000 pods and 200 policies were 1250
 * chains and 0.9 s per replace before the sharing; see {@code bench/policy.sh}).
 * Traffic between a pod and its own node (input and output hooks) is not filtered, as Kubernetes requires for the
 * kubelet's probes.
 */
final class NftRuleset {
    static final String TABLE = "weft-policy";
    static final int LOG_GROUP = 86;
    static final String INGRESS_PREFIX = "weft-policy-in ", EGRESS_PREFIX = "weft-policy-out ";

    /**
     * One chain, shared by the pods whose rules read the same (pods a policy selects by label mostly do): the
     * policies that isolate them in its direction, and the pods.
     */
    record Chain(boolean ingress, List<String> policies, List<String> pods) {
        Chain {
            policies = List.copyOf(policies);
            pods = List.copyOf(pods);
        }

        /** The same for every chain of these policies in this direction, whatever its name in a table: what drop totals are kept under. */
        Signature signature() {
            return new Signature(ingress, policies);
        }
    }

    /** A chain's direction and the policies that isolate its pods. */
    record Signature(boolean ingress, List<String> policies) {
        Signature {
            policies = List.copyOf(policies);
        }
    }

    /** The text for nft, and each chain by name (its counter has the same name). */
    record Compiled(String text, Map<String, Chain> chains) {
        Compiled {
            chains = Map.copyOf(chains);
        }

        /** The pods this table isolates in at least one direction. */
        long isolatedPods() {
            return chains.values().stream().flatMap(c -> c.pods().stream()).distinct().count();
        }
    }

    private final PolicyCluster cluster;
    private final Map<Ipv4Ranges, String> peerSets = new LinkedHashMap<>();
    private final Map<String, String> portSets = new LinkedHashMap<>(); // elements -> name
    /** A chain's direction, policies and body → its name. */
    private final Map<String, String> chainNames = new LinkedHashMap<>();
    private final Map<String, Signature> signatures = new LinkedHashMap<>(); // by chain name
    private final Map<String, List<String>> podsOf = new LinkedHashMap<>(); // the pods that jump to each chain
    /** Each rule's peers, worked out once per table, not once per pod the rule's policy selects. */
    private final Map<PolicyRule, Ipv4Ranges> peerAddresses = new java.util.IdentityHashMap<>();
    /** An egress rule's matches, the same for every pod its policy selects (only ingress resolves named ports per pod). */
    private final Map<PolicyRule, List<String>> egressMatches = new java.util.IdentityHashMap<>();

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
        StringBuilder bodies = new StringBuilder();
        List<String> ingress = new ArrayList<>(), egress = new ArrayList<>();
        Set<Long> mapped = new java.util.HashSet<>();
        for (PolicyPod pod : cluster.pods()) {
            // two pods with one address (one leaving, one arriving): a map holds one verdict per address; the first is kept
            if (!pod.node().equals(node) || !mapped.add(pod.address())) continue;
            for (boolean in : new boolean[]{true, false}) {
                List<Policy> isolating = cluster.isolating(pod, in);
                if (isolating.isEmpty()) continue;
                List<String> policies = isolating.stream().map(Policy::id).toList();
                String body = body(pod, isolating, in);
                String key = in + " " + policies + "\n" + body;
                String name = chainNames.get(key);
                if (name == null) {
                    name = (in ? "in-" : "out-") + chainNames.size();
                    chainNames.put(key, name);
                    signatures.put(name, new Signature(in, policies));
                    bodies.append("  chain ").append(name).append(" {\n    # ").append(in ? "ingress" : "egress").append(" of pods that ")
                            .append(comment(String.join(", ", policies))).append(" isolate\n").append(body)
                            .append("    limit rate 10/second burst 20 packets log group ").append(LOG_GROUP).append(" prefix \"")
                            .append(in ? INGRESS_PREFIX : EGRESS_PREFIX).append("\"\n")
                            .append("    counter name \"").append(name).append("\" drop\n  }\n");
                }
                podsOf.computeIfAbsent(name, n -> new ArrayList<>()).add(pod.id());
                (in ? ingress : egress).add(Ipv4Ranges.text(pod.address()) + " : jump " + name);
            }
        }
        StringBuilder text = new StringBuilder(removal()).append("table ip ").append(TABLE).append(" {\n");
        peerSets.forEach((ranges, name) -> text.append("  set ").append(name).append(" { type ipv4_addr; flags interval; elements = { ")
                .append(ranges.ranges().stream().map(Ipv4Ranges.Range::nft).collect(Collectors.joining(", "))).append(" } }\n"));
        portSets.forEach((elements, name) -> text.append("  set ").append(name)
                .append(" { type inet_proto . inet_service; flags interval; elements = { ").append(elements).append(" } }\n"));
        text.append(map("ingress", ingress)).append(map("egress", egress));
        for (String counter : signatures.keySet()) text.append("  counter ").append(counter).append(" { }\n");
        text.append(bodies);
        text.append("""
                  chain forward {
                    type filter hook forward priority filter; policy accept;
                    ct state established,related accept
                    ip saddr vmap @egress
                    ip daddr vmap @ingress
                  }
                }
                """);
        Map<String, Chain> chains = new LinkedHashMap<>();
        signatures.forEach((name, signature) -> chains.put(name, new Chain(signature.ingress(), signature.policies(), podsOf.get(name))));
        return new Compiled(text.toString(), chains);
    }

    /** Text safe in an nft comment: the API's names are, a lax server's might hold a newline or a quote. */
    private static String comment(String text) {
        return text.replaceAll("[^A-Za-z0-9./,: _-]", "?");
    }

    private static String map(String name, List<String> elements) {
        return "  map " + name + " { type ipv4_addr : verdict;" + (elements.isEmpty() ? "" : " elements = { " + String.join(", ", elements) + " }")
                + " }\n";
    }

    /** The rules of {@code pod}'s chain in one direction, each once (two policies may allow the same). */
    private String body(PolicyPod pod, List<Policy> isolating, boolean in) {
        Set<String> lines = new LinkedHashSet<>();
        for (Policy policy : isolating) {
            for (PolicyRule rule : policy.rules(in)) {
                for (String match : matches(policy, rule, pod, in)) lines.add("    " + match + " return\n");
            }
        }
        return String.join("", lines);
    }

    /** The matches of one rule for {@code pod}'s chain: none when it can match nothing. */
    private List<String> matches(Policy policy, PolicyRule rule, PolicyPod pod, boolean in) {
        if (!in) return egressMatches.computeIfAbsent(rule, r -> matchesFor(policy, r, pod, false));
        return matchesFor(policy, rule, pod, true);
    }

    /** {@link #matches}, worked out; {@code pod} is read for ingress's named ports only. */
    private List<String> matchesFor(Policy policy, PolicyRule rule, PolicyPod pod, boolean in) {
        String other = in ? "ip saddr" : "ip daddr";
        String peers = "";
        if (!rule.peers().isEmpty()) {
            Ipv4Ranges addresses = peerAddresses.computeIfAbsent(rule, r -> peerAddresses(policy, r));
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
        if (!numbered.isEmpty()) {
            matches.add(peers + "meta l4proto . th dport @" + portSets.computeIfAbsent(ports(numbered), p -> "ports-" + portSets.size()));
        }
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

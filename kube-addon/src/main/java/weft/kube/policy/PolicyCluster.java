package weft.kube.policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The cluster as NetworkPolicy sees it at one moment: the pods on the overlay, the namespaces' labels, the policies
 * that could be read, and those that could not, with why. Answers what Kubernetes' semantics decide for a connection
 * ({@link #decide}); the nftables ruleset ({@link NftRuleset}) enforces the same decisions. Immutable.
 *
 * @param refused one line per policy skipped, "namespace/name: why"; the others stay enforced
 */
record PolicyCluster(List<PolicyPod> pods, Map<String, Map<String, String>> namespaces, List<Policy> policies, List<String> refused) {
    static final PolicyCluster EMPTY = new PolicyCluster(List.of(), Map.of(), List.of(), List.of());

    PolicyCluster {
        pods = List.copyOf(pods);
        namespaces = Map.copyOf(namespaces);
        policies = List.copyOf(policies);
        refused = List.copyOf(refused);
    }

    Map<String, String> namespaceLabels(String namespace) {
        return namespaces.getOrDefault(namespace, Map.of());
    }

    Optional<PolicyPod> podAt(long address) {
        return pods.stream().filter(p -> p.address() == address).findFirst();
    }

    Optional<PolicyPod> pod(String namespace, String name) {
        return pods.stream().filter(p -> p.namespace().equals(namespace) && p.name().equals(name)).findFirst();
    }

    /** The policies that isolate {@code pod} for ingress, or for egress. */
    List<Policy> isolating(PolicyPod pod, boolean ingress) {
        return policies.stream().filter(p -> p.isolates(pod, ingress)).toList();
    }

    /** Whether {@code peer} of a rule in {@code policy} is the connection's other end: a pod or, when not one, an address. */
    boolean peerIs(Policy policy, PolicyPeer peer, long address, PolicyPod pod) {
        if (peer.block().isPresent()) return peer.block().get().contains(address);
        return pod != null && peer.selects(pod, namespaceLabels(pod.namespace()), policy.namespace());
    }

    /**
     * Whether {@code rule} allows the connection: its other end at {@code address} ({@code other}, when a pod) and
     * port {@code port} on {@code receiver} (the pod that accepts it, for named ports; null when not a pod).
     */
    boolean allows(Policy policy, PolicyRule rule, long address, PolicyPod other, PolicyPort.Protocol protocol, int port, PolicyPod receiver) {
        boolean peerOk = rule.peers().isEmpty() || rule.peers().stream().anyMatch(p -> peerIs(policy, p, address, other));
        boolean portOk = rule.ports().isEmpty() || rule.ports().stream().anyMatch(p -> p.matches(protocol, port, receiver));
        return peerOk && portOk;
    }

    /** A new connection's fate, and why, as {@code weft policy why} says it. */
    record Verdict(boolean allowed, String reason) {
    }

    /**
     * The decision for a new connection from {@code source} to {@code destination}; {@code protocol} and {@code port}
     * as it would use. Port 0 stands for every port, and a null protocol for one policies cannot name (ICMP): only
     * rules that allow every port allow them.
     */
    Verdict decide(long source, long destination, PolicyPort.Protocol protocol, int port) {
        PolicyPod from = podAt(source).orElse(null);
        PolicyPod to = podAt(destination).orElse(null);
        String connection = protocol == null ? "a protocol without ports" : protocol + (port == 0 ? " (every port)" : " " + port);
        List<String> said = new ArrayList<>();
        if (from != null) {
            Optional<String> denied = side(from, false, destination, to, protocol, port, connection, said);
            if (denied.isPresent()) return new Verdict(false, denied.get());
        } else {
            said.add(Ipv4Ranges.text(source) + " is not a pod on the overlay: no egress policy applies");
        }
        if (to != null) {
            Optional<String> denied = side(to, true, source, from, protocol, port, connection, said);
            if (denied.isPresent()) return new Verdict(false, denied.get());
        } else {
            said.add(Ipv4Ranges.text(destination) + " is not a pod on the overlay: no ingress policy applies");
        }
        return new Verdict(true, String.join("; ", said));
    }

    /** One direction of {@link #decide}: the reason it denies, or empty with what allowed it added to {@code said}. */
    private Optional<String> side(PolicyPod pod, boolean ingress, long otherAddress, PolicyPod other, PolicyPort.Protocol protocol,
                                  int port, String connection, List<String> said) {
        List<Policy> isolating = isolating(pod, ingress);
        String direction = ingress ? "ingress" : "egress";
        if (isolating.isEmpty()) {
            said.add(pod.id() + " has no " + direction + " policy");
            return Optional.empty();
        }
        PolicyPod receiver = ingress ? pod : other;
        for (Policy policy : isolating) {
            for (PolicyRule rule : policy.rules(ingress)) {
                if (allows(policy, rule, otherAddress, other, protocol, port, receiver)) {
                    said.add(pod.id() + "'s " + direction + " is allowed by " + policy.id() + " (" + rule.describe(policy.namespace(), ingress) + ")");
                    return Optional.empty();
                }
            }
        }
        String otherName = other == null ? Ipv4Ranges.text(otherAddress) : other.id();
        String policies = isolating.stream().map(p -> p.id() + ", which allows " + allowed(p, ingress)).collect(Collectors.joining("; and by "));
        return Optional.of(pod.id() + " is selected for " + direction + " by " + policies + "; none lets " + otherName
                + (ingress ? " connect on " : " be reached on ") + connection);
    }

    private static String allowed(Policy policy, boolean ingress) {
        List<PolicyRule> rules = policy.rules(ingress);
        if (rules.isEmpty()) return "nothing";
        return rules.stream().map(r -> r.describe(policy.namespace(), ingress)).collect(Collectors.joining(", and "));
    }

    /** The pods each policy selects, by policy id, for {@code weft status policy}. */
    Map<String, List<String>> selected() {
        Map<String, List<String>> selected = new HashMap<>();
        for (Policy policy : policies) {
            selected.put(policy.id(), pods.stream().filter(policy::selects).map(PolicyPod::id).sorted().toList());
        }
        return selected;
    }
}

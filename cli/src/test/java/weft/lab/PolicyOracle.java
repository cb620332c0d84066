package weft.lab;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reference oracle of Kubernetes NetworkPolicy (networking.k8s.io/v1) semantics, written from the
 * Kubernetes documentation and API reference alone, so that a lab test can compute the reachability it
 * expects independently of the code under test. Deliberately naive: every question re-reads every policy.
 *
 * <p>A connection is allowed when the source's egress and the destination's ingress both allow it. A pod
 * is isolated in a direction when some policy whose {@code policyTypes} has that direction selects it;
 * an isolated pod admits only what at least one rule of those policies admits (policies are additive),
 * a pod that is not isolated admits everything.
 *
 * <p>Not modelled: the documented "traffic to and from the pod's node is always allowed" (no nodes
 * here), and cluster-wide policy APIs. Pods with {@code hostNetwork} or without {@code status.podIP} are
 * never selected, neither by a policy's {@code podSelector} nor by a peer's selectors: the documentation
 * leaves hostNetwork pods undefined and says they are usually ignored, and a pod with no address takes
 * part in no traffic. They still match an {@code ipBlock} through their address, if they have one.
 */
final class PolicyOracle {
    private static final String INGRESS = "Ingress";
    private static final String EGRESS = "Egress";
    /** The control plane puts this label, with the namespace's name, on every namespace. */
    private static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

    private PolicyOracle() {}

    /**
     * Whether a new connection from {@code src} to {@code dst} on {@code protocol} ("TCP", "UDP", "SCTP")
     * and {@code port} is allowed by {@code src}'s egress and {@code dst}'s ingress. {@code src} and
     * {@code dst} must be among {@code pods}, and their namespaces among {@code namespaces}.
     */
    static boolean allowed(List<Namespace> namespaces, List<Pod> pods, List<NetworkPolicy> policies,
                           Pod src, Pod dst, String protocol, int port) {
        Cluster cluster = new Cluster(namespaces, pods, policies);
        cluster.requireKnown(src);
        cluster.requireKnown(dst);
        // The documentation: "a pod cannot block access to itself".
        if (namespace(src).equals(namespace(dst)) && src.getMetadata().getName().equals(dst.getMetadata().getName())) {
            return true;
        }
        return cluster.admits(src, EGRESS, Endpoint.of(dst), dst, protocol, port)
                && cluster.admits(dst, INGRESS, Endpoint.of(src), dst, protocol, port);
    }

    /** Whether {@code src}'s egress allows a new connection to {@code dstIp}, an address that is no pod. */
    static boolean allowedToAddress(List<Namespace> namespaces, List<Pod> pods, List<NetworkPolicy> policies,
                                    Pod src, String dstIp, String protocol, int port) {
        Cluster cluster = new Cluster(namespaces, pods, policies);
        cluster.requireKnown(src);
        // No destination pod: a named port has nothing to resolve against, so it matches nothing.
        return cluster.admits(src, EGRESS, new Endpoint(null, dstIp), null, protocol, port);
    }

    /** Whether {@code dst}'s ingress allows a new connection from {@code srcIp}, an address that is no pod. */
    static boolean allowedFromAddress(List<Namespace> namespaces, List<Pod> pods, List<NetworkPolicy> policies,
                                      String srcIp, Pod dst, String protocol, int port) {
        Cluster cluster = new Cluster(namespaces, pods, policies);
        cluster.requireKnown(dst);
        return cluster.admits(dst, INGRESS, new Endpoint(null, srcIp), dst, protocol, port);
    }

    /** The other end of a connection: a pod (with its address) or only an address. */
    private record Endpoint(Pod pod, String ip) {
        static Endpoint of(Pod pod) {
            return new Endpoint(pod, pod.getStatus() == null ? null : pod.getStatus().getPodIP());
        }
    }

    /** The objects a question is asked about. */
    private record Cluster(List<Namespace> namespaces, List<Pod> pods, List<NetworkPolicy> policies) {

        void requireKnown(Pod pod) {
            if (!pods.contains(pod)) {
                throw new IllegalArgumentException("pod not in the cluster: " + pod.getMetadata().getName());
            }
        }

        /**
         * Whether {@code subject}'s policies for {@code direction} admit traffic with {@code peer};
         * named ports are resolved on {@code destination}, the pod that receives the connection (none: an address).
         */
        boolean admits(Pod subject, String direction, Endpoint peer, Pod destination, String protocol, int port) {
            if (!selectable(subject)) {
                return true;
            }
            boolean isolated = false;
            for (NetworkPolicy policy : policies) {
                if (!namespace(subject).equals(policy.getMetadata().getNamespace())
                        || !selects(policy.getSpec().getPodSelector(), subject.getMetadata().getLabels())
                        || !policyTypes(policy).contains(direction)) {
                    continue;
                }
                isolated = true;
                for (Rule rule : rules(policy, direction)) {
                    if (peerMatches(policy, rule.peers(), peer) && portMatches(rule.ports(), destination, protocol, port)) {
                        return true;
                    }
                }
            }
            return !isolated;
        }

        /** An empty or absent peer list matches every peer; otherwise one of its entries must match. */
        private boolean peerMatches(NetworkPolicy policy, List<NetworkPolicyPeer> peers, Endpoint peer) {
            if (peers == null || peers.isEmpty()) {
                return true;
            }
            for (NetworkPolicyPeer entry : peers) {
                if (entry.getIpBlock() != null) {
                    if (peer.ip() != null && inBlock(entry.getIpBlock(), peer.ip())) {
                        return true;
                    }
                } else if (peer.pod() != null && selectable(peer.pod())) {
                    String peerNamespace = namespace(peer.pod());
                    // Without a namespaceSelector the podSelector looks only in the policy's own namespace;
                    // with both, the pod must satisfy both (one peer entry is an AND, two entries an OR).
                    boolean namespaceOk = entry.getNamespaceSelector() == null
                            ? peerNamespace.equals(policy.getMetadata().getNamespace())
                            : selects(entry.getNamespaceSelector(), namespaceLabels(peerNamespace));
                    boolean podOk = entry.getPodSelector() == null
                            || selects(entry.getPodSelector(), peer.pod().getMetadata().getLabels());
                    if (namespaceOk && podOk) {
                        return true;
                    }
                }
            }
            return false;
        }

        private Map<String, String> namespaceLabels(String name) {
            for (Namespace namespace : namespaces) {
                if (namespace.getMetadata().getName().equals(name)) {
                    Map<String, String> labels =
                            new HashMap<>(Objects.requireNonNullElse(namespace.getMetadata().getLabels(), Map.of()));
                    labels.put(NAMESPACE_NAME_LABEL, name);
                    return labels;
                }
            }
            throw new IllegalArgumentException("namespace not in the cluster: " + name);
        }
    }

    /** An ingress or egress rule: its peers ({@code from} or {@code to}) and its ports. */
    private record Rule(List<NetworkPolicyPeer> peers, List<NetworkPolicyPort> ports) {}

    private static List<Rule> rules(NetworkPolicy policy, String direction) {
        if (direction.equals(INGRESS)) {
            return orEmpty(policy.getSpec().getIngress()).stream()
                    .map(rule -> new Rule(rule.getFrom(), rule.getPorts())).toList();
        }
        return orEmpty(policy.getSpec().getEgress()).stream()
                .map(rule -> new Rule(rule.getTo(), rule.getPorts())).toList();
    }

    /**
     * The documented default when {@code policyTypes} is not given: Ingress always, Egress only if the
     * policy has egress rules (so a policy meant to deny all egress must say Egress explicitly).
     */
    private static List<String> policyTypes(NetworkPolicy policy) {
        List<String> types = policy.getSpec().getPolicyTypes();
        if (types != null && !types.isEmpty()) {
            return types;
        }
        List<?> egress = policy.getSpec().getEgress();
        return egress == null || egress.isEmpty() ? List.of(INGRESS) : List.of(INGRESS, EGRESS);
    }

    /** An empty or absent port list matches every port of every protocol; otherwise one entry must match. */
    private static boolean portMatches(List<NetworkPolicyPort> ports, Pod destination, String protocol, int port) {
        if (ports == null || ports.isEmpty()) {
            return true;
        }
        for (NetworkPolicyPort entry : ports) {
            if (!Objects.requireNonNullElse(entry.getProtocol(), "TCP").equals(protocol)) {
                continue;
            }
            IntOrString rulePort = entry.getPort();
            if (rulePort == null) {
                return true;
            }
            if (rulePort.getStrVal() != null) {
                if (destination != null && hasNamedPort(destination, rulePort.getStrVal(), protocol, port)) {
                    return true;
                }
            } else {
                int first = rulePort.getIntVal();
                int last = Objects.requireNonNullElse(entry.getEndPort(), first);
                if (first <= port && port <= last) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether one of {@code pod}'s containers declares port {@code name} as {@code port}/{@code protocol}. */
    private static boolean hasNamedPort(Pod pod, String name, String protocol, int port) {
        return pod.getSpec().getContainers().stream()
                .flatMap(container -> orEmpty(container.getPorts()).stream())
                .anyMatch(declared -> name.equals(declared.getName())
                        && Objects.requireNonNullElse(declared.getProtocol(), "TCP").equals(protocol)
                        && Objects.equals(declared.getContainerPort(), port));
    }

    /** matchLabels and matchExpressions all hold; an empty selector selects everything. */
    private static boolean selects(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return true;
        }
        Map<String, String> present = Objects.requireNonNullElse(labels, Map.of());
        Map<String, String> wanted = Objects.requireNonNullElse(selector.getMatchLabels(), Map.of());
        return wanted.entrySet().stream().allMatch(entry -> entry.getValue().equals(present.get(entry.getKey())))
                && orEmpty(selector.getMatchExpressions()).stream().allMatch(requirement -> holds(requirement, present));
    }

    private static boolean holds(LabelSelectorRequirement requirement, Map<String, String> labels) {
        boolean present = labels.containsKey(requirement.getKey());
        List<String> values = orEmpty(requirement.getValues());
        return switch (requirement.getOperator()) {
            case "In" -> present && values.contains(labels.get(requirement.getKey()));
            case "NotIn" -> !present || !values.contains(labels.get(requirement.getKey()));
            case "Exists" -> present;
            case "DoesNotExist" -> !present;
            default -> throw new IllegalArgumentException("unknown selector operator " + requirement.getOperator());
        };
    }

    private static boolean selectable(Pod pod) {
        return !Boolean.TRUE.equals(pod.getSpec().getHostNetwork())
                && pod.getStatus() != null && pod.getStatus().getPodIP() != null;
    }

    /** fabric8 leaves a list null or empty depending on how the object was made; both mean none. */
    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static String namespace(Pod pod) {
        return pod.getMetadata().getNamespace();
    }

    /** In {@code cidr} and in none of the {@code except} CIDRs. */
    private static boolean inBlock(IPBlock block, String ip) {
        return inCidr(block.getCidr(), ip)
                && orEmpty(block.getExcept()).stream().noneMatch(except -> inCidr(except, ip));
    }

    /** Compares the first prefix-length bits; addresses of the other family never match. */
    private static boolean inCidr(String cidr, String ip) {
        int slash = cidr.indexOf('/');
        byte[] network = InetAddress.ofLiteral(cidr.substring(0, slash)).getAddress();
        byte[] address = InetAddress.ofLiteral(ip).getAddress();
        if (network.length != address.length) {
            return false;
        }
        int prefix = Integer.parseInt(cidr.substring(slash + 1));
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >>> (bit % 8);
            if ((network[bit / 8] & mask) != (address[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }
}

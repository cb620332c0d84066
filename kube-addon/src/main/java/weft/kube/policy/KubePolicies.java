package weft.kube.policy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Kubernetes' objects read into the {@link PolicyCluster}: every field is checked as the API server's validation
 * would, because the objects may come from an older or laxer server, and a policy that cannot be read is refused
 * with the reason while the others stay enforced. Stateless.
 */
final class KubePolicies {
    /** A container port's name: IANA_SVC_NAME, as Kubernetes validates it. */
    private static final Pattern PORT_NAME = Pattern.compile("(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*");

    private KubePolicies() {
    }

    static PolicyCluster cluster(List<Pod> pods, List<Namespace> namespaces, List<NetworkPolicy> policies) {
        List<PolicyPod> read = new ArrayList<>();
        for (Pod pod : pods) {
            try {
                pod(pod).ifPresent(read::add);
            } catch (RuntimeException unreadable) {
                // a pod a lax server let through malformed: it has no part in policy, the others do
            }
        }
        Map<String, Map<String, String>> labels = new HashMap<>();
        for (Namespace namespace : namespaces) {
            if (namespace.getMetadata() == null || namespace.getMetadata().getName() == null) continue;
            // the label API servers from 1.21 put on every namespace, for servers older than that
            Map<String, String> named = labels(namespace.getMetadata().getLabels());
            named.putIfAbsent("kubernetes.io/metadata.name", namespace.getMetadata().getName());
            labels.put(namespace.getMetadata().getName(), named);
        }
        List<Policy> enforced = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (NetworkPolicy policy : policies) {
            String id = policy.getMetadata() == null ? "?" : policy.getMetadata().getNamespace() + "/" + policy.getMetadata().getName();
            try {
                enforced.add(policy(policy));
            } catch (IllegalArgumentException e) {
                refused.add(id + ": " + e.getMessage());
            } catch (RuntimeException e) { // a null where the API has none (a lax server): refused, never the rebuild's end
                refused.add(id + ": cannot be read (" + e + ")");
            }
        }
        // the stores' order is the informers': sorted, the table's text changes only when the cluster does
        read.sort(java.util.Comparator.comparing(PolicyPod::id));
        enforced.sort(java.util.Comparator.comparing(Policy::id));
        refused.sort(null);
        return new PolicyCluster(read, labels, enforced, refused);
    }

    /** The pod as policies see it; empty for a pod on the host's network, without an address yet, or finished. */
    static Optional<PolicyPod> pod(Pod pod) {
        if (pod.getMetadata() == null || pod.getMetadata().getNamespace() == null || pod.getMetadata().getName() == null
                || pod.getSpec() == null || pod.getStatus() == null) {
            return Optional.empty();
        }
        if (Boolean.TRUE.equals(pod.getSpec().getHostNetwork())) return Optional.empty();
        String phase = pod.getStatus().getPhase();
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) return Optional.empty(); // its address may be another pod's now
        String ip = pod.getStatus().getPodIP();
        if (ip == null || ip.isEmpty() || pod.getSpec().getNodeName() == null) return Optional.empty();
        long address;
        try {
            address = Ipv4Ranges.address(ip);
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // an IPv6 pod: not on Weft's overlay
        }
        Map<String, Integer> ports = new HashMap<>();
        for (Container container : Optional.ofNullable(pod.getSpec().getContainers()).orElse(List.of())) {
            for (ContainerPort port : Optional.ofNullable(container.getPorts()).orElse(List.of())) {
                if (port.getName() == null || port.getContainerPort() == null) continue;
                if (port.getContainerPort() < 1 || port.getContainerPort() > 65535) continue; // no connection can name it
                try {
                    ports.putIfAbsent(PolicyPod.portKey(port.getName(), protocol(port.getProtocol())), port.getContainerPort());
                } catch (IllegalArgumentException e) {
                    // a protocol no policy can name: the port cannot be matched by name
                }
            }
        }
        return Optional.of(new PolicyPod(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), pod.getSpec().getNodeName(),
                address, labels(pod.getMetadata().getLabels()), ports));
    }

    /** Labels as given, without the null keys or values a lax server might pass on. */
    private static Map<String, String> labels(Map<String, String> given) {
        Map<String, String> labels = new HashMap<>();
        if (given != null) given.forEach((key, value) -> {
            if (key != null && value != null) labels.put(key, value);
        });
        return labels;
    }

    /**
     * The policy as enforced.
     *
     * @throws IllegalArgumentException saying what in it is invalid
     */
    static Policy policy(NetworkPolicy policy) {
        if (policy.getMetadata() == null || policy.getMetadata().getNamespace() == null || policy.getMetadata().getName() == null) {
            throw new IllegalArgumentException("no namespace or name");
        }
        NetworkPolicySpec spec = policy.getSpec();
        if (spec == null) throw new IllegalArgumentException("no spec");
        LabelSelector pods = selector(spec.getPodSelector(), "spec.podSelector");
        List<PolicyRule> ingress = new ArrayList<>(), egress = new ArrayList<>();
        var ingressRules = listAt(spec.getIngress(), "spec.ingress");
        var egressRules = listAt(spec.getEgress(), "spec.egress");
        for (int i = 0; i < ingressRules.size(); i++) {
            ingress.add(rule(ingressRules.get(i).getFrom(), ingressRules.get(i).getPorts(), "spec.ingress[" + i + "]"));
        }
        for (int i = 0; i < egressRules.size(); i++) {
            egress.add(rule(egressRules.get(i).getTo(), egressRules.get(i).getPorts(), "spec.egress[" + i + "]"));
        }
        List<String> types = listAt(spec.getPolicyTypes(), "spec.policyTypes");
        for (String type : types) {
            if (!type.equals("Ingress") && !type.equals("Egress")) {
                throw new IllegalArgumentException("spec.policyTypes: " + type + " is neither Ingress nor Egress");
            }
        }
        boolean isolatesIngress = types.isEmpty() || types.contains("Ingress");
        boolean isolatesEgress = types.isEmpty() ? !egressRules.isEmpty() : types.contains("Egress");
        return new Policy(policy.getMetadata().getNamespace(), policy.getMetadata().getName(), pods, isolatesIngress, isolatesEgress,
                ingress, egress);
    }

    private static PolicyRule rule(List<NetworkPolicyPeer> peers, List<NetworkPolicyPort> ports, String where) {
        List<PolicyPeer> readPeers = new ArrayList<>();
        List<NetworkPolicyPeer> givenPeers = listAt(peers, where + ".peers");
        for (int i = 0; i < givenPeers.size(); i++) readPeers.add(peer(givenPeers.get(i), where + ".peers[" + i + "]"));
        List<PolicyPort> readPorts = new ArrayList<>();
        List<NetworkPolicyPort> givenPorts = listAt(ports, where + ".ports");
        for (int i = 0; i < givenPorts.size(); i++) readPorts.add(port(givenPorts.get(i), where + ".ports[" + i + "]"));
        return new PolicyRule(readPeers, readPorts);
    }

    private static PolicyPeer peer(NetworkPolicyPeer peer, String where) {
        IPBlock block = peer.getIpBlock();
        boolean selectors = peer.getPodSelector() != null || peer.getNamespaceSelector() != null;
        if (block != null && selectors) throw new IllegalArgumentException(where + ": ipBlock cannot be combined with selectors");
        if (block == null && !selectors) throw new IllegalArgumentException(where + ": has neither selectors nor ipBlock");
        if (block == null) {
            return PolicyPeer.selecting(Optional.ofNullable(peer.getPodSelector()).map(s -> selector(s, where + ".podSelector")),
                    Optional.ofNullable(peer.getNamespaceSelector()).map(s -> selector(s, where + ".namespaceSelector")));
        }
        String cidr = Objects.requireNonNullElse(block.getCidr(), "");
        List<String> except = listAt(block.getExcept(), where + ".ipBlock.except");
        if (cidr.contains(":")) return new PolicyPeer(Optional.empty(), Optional.empty(), Optional.of(Ipv4Ranges.EMPTY), cidr); // IPv6: no overlay address
        try {
            Ipv4Ranges.Range whole = Ipv4Ranges.cidrRange(cidr);
            for (String hole : except) {
                Ipv4Ranges.Range cut = Ipv4Ranges.cidrRange(hole);
                if (cut.first() < whole.first() || cut.last() > whole.last()) {
                    throw new IllegalArgumentException("except " + hole + " is not within " + cidr);
                }
            }
            return PolicyPeer.block(cidr, except);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ".ipBlock: " + e.getMessage());
        }
    }

    private static PolicyPort port(NetworkPolicyPort port, String where) {
        PolicyPort.Protocol protocol;
        try {
            protocol = protocol(port.getProtocol());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ".protocol: " + e.getMessage());
        }
        IntOrString value = port.getPort();
        Integer end = port.getEndPort();
        if (value == null || (value.getIntVal() == null && value.getStrVal() == null)) {
            if (end != null) throw new IllegalArgumentException(where + ": endPort without port");
            return PolicyPort.all(protocol);
        }
        if (value.getIntVal() != null) {
            int first = value.getIntVal();
            if (first < 1 || first > 65535) throw new IllegalArgumentException(where + ".port: " + first + " is not 1-65535");
            if (end != null && (end < first || end > 65535)) {
                throw new IllegalArgumentException(where + ".endPort: " + end + " is not between port " + first + " and 65535");
            }
            return PolicyPort.number(protocol, first, Optional.ofNullable(end));
        }
        String name = value.getStrVal();
        if (!name.isEmpty() && name.length() <= 5 && name.chars().allMatch(c -> c >= '0' && c <= '9')) { // "80" as a string, as kubectl reads it
            return port(new NetworkPolicyPort(end, new IntOrString(Integer.parseInt(name)), port.getProtocol()), where);
        }
        if (end != null) throw new IllegalArgumentException(where + ": endPort with the named port " + name);
        if (name.length() > 15 || !PORT_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(where + ".port: \"" + name + "\" is not a valid port name (1-15 letters, digits and single"
                    + " dashes, with a letter)");
        }
        return PolicyPort.named(protocol, name);
    }

    private static PolicyPort.Protocol protocol(String protocol) {
        if (protocol == null) return PolicyPort.Protocol.TCP;
        try {
            return PolicyPort.Protocol.valueOf(protocol); // the API's values are upper case only
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(protocol + " is not TCP, UDP or SCTP");
        }
    }

    private static LabelSelector selector(io.fabric8.kubernetes.api.model.LabelSelector selector, String where) {
        if (selector == null) return LabelSelector.ALL;
        List<LabelSelector.Requirement> requirements = new ArrayList<>();
        for (LabelSelectorRequirement expression : listAt(selector.getMatchExpressions(), where + ".matchExpressions")) {
            List<String> values = listAt(expression.getValues(), where + ".matchExpressions(" + expression.getKey() + ").values");
            LabelSelector.Operator operator = switch (Objects.requireNonNullElse(expression.getOperator(), "")) {
                case "In" -> LabelSelector.Operator.IN;
                case "NotIn" -> LabelSelector.Operator.NOT_IN;
                case "Exists" -> LabelSelector.Operator.EXISTS;
                case "DoesNotExist" -> LabelSelector.Operator.DOES_NOT_EXIST;
                default -> throw new IllegalArgumentException(where + ": operator \"" + expression.getOperator()
                        + "\" is not In, NotIn, Exists or DoesNotExist");
            };
            boolean needsValues = operator == LabelSelector.Operator.IN || operator == LabelSelector.Operator.NOT_IN;
            if (expression.getKey() == null || expression.getKey().isEmpty()) throw new IllegalArgumentException(where + ": an expression without a key");
            if (needsValues == values.isEmpty()) {
                throw new IllegalArgumentException(where + ": " + expression.getOperator() + " on " + expression.getKey()
                        + (needsValues ? " needs values" : " takes no values"));
            }
            requirements.add(new LabelSelector.Requirement(expression.getKey(), operator, Set.copyOf(values)));
        }
        Map<String, String> labels = Optional.ofNullable(selector.getMatchLabels()).orElse(Map.of());
        labels.forEach((key, value) -> {
            if (key == null || value == null) throw new IllegalArgumentException(where + ".matchLabels: " + key + " has no value");
        });
        return new LabelSelector(labels, requirements);
    }

    /**
     * The list as given, empty when it is absent; a null in it, which no API server sends but a lax one might pass on,
     * is refused by its place.
     */
    private static <T> List<T> listAt(List<T> given, String where) {
        if (given == null) return List.of();
        for (int i = 0; i < given.size(); i++) {
            if (given.get(i) == null) throw new IllegalArgumentException(where + "[" + i + "] is null");
        }
        return given;
    }
}

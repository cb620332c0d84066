package weft.kube.policy;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlockBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Shortcuts to Kubernetes' objects as the API server would hand them over (fabric8's builders), so that the tests
 * read as the YAML a user would write. Ids are "namespace/name".
 */
final class PolicyFixtures {
    private PolicyFixtures() {
    }

    static long ip(String address) {
        return Ipv4Ranges.address(address);
    }

    // --- pods and namespaces

    static Pod pod(String id, String node, String ip, Map<String, String> labels, ContainerPort... ports) {
        String[] parts = id.split("/");
        return new PodBuilder()
                .withNewMetadata().withNamespace(parts[0]).withName(parts[1]).withLabels(labels).endMetadata()
                .withNewSpec().withNodeName(node)
                .addNewContainer().withName("main").withPorts(ports).endContainer()
                .endSpec()
                .withNewStatus().withPhase("Running").withPodIP(ip).endStatus()
                .build();
    }

    static ContainerPort containerPort(String name, int number, String protocol) {
        return new ContainerPortBuilder().withName(name).withContainerPort(number).withProtocol(protocol).build();
    }

    static Namespace namespace(String name, Map<String, String> labels) {
        return new NamespaceBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().build();
    }

    // --- policies

    /** A policy in the id's namespace selecting pods with {@code selects}; no types (the defaults apply) unless given. */
    static NetworkPolicy policy(String id, Map<String, String> selects, List<NetworkPolicyIngressRule> ingress,
                                List<NetworkPolicyEgressRule> egress, String... types) {
        String[] parts = id.split("/");
        return new NetworkPolicyBuilder()
                .withNewMetadata().withNamespace(parts[0]).withName(parts[1]).endMetadata()
                .withNewSpec()
                .withNewPodSelector().withMatchLabels(selects).endPodSelector()
                .withIngress(ingress).withEgress(egress)
                .withPolicyTypes(types.length == 0 ? null : List.of(types))
                .endSpec()
                .build();
    }

    static NetworkPolicy ingressPolicy(String id, Map<String, String> selects, NetworkPolicyIngressRule... rules) {
        return policy(id, selects, List.of(rules), List.of());
    }

    /** Isolates for egress only (explicit type), with these rules. */
    static NetworkPolicy egressPolicy(String id, Map<String, String> selects, NetworkPolicyEgressRule... rules) {
        return policy(id, selects, List.of(), List.of(rules), "Egress");
    }

    static NetworkPolicyIngressRule from(List<NetworkPolicyPeer> peers, NetworkPolicyPort... ports) {
        return new NetworkPolicyIngressRuleBuilder().withFrom(peers).withPorts(ports).build();
    }

    static NetworkPolicyEgressRule to(List<NetworkPolicyPeer> peers, NetworkPolicyPort... ports) {
        return new NetworkPolicyEgressRuleBuilder().withTo(peers).withPorts(ports).build();
    }

    // --- peers

    static NetworkPolicyPeer podsWith(Map<String, String> labels) {
        return new NetworkPolicyPeerBuilder().withPodSelector(selector(labels)).build();
    }

    static NetworkPolicyPeer namespacesWith(Map<String, String> labels) {
        return new NetworkPolicyPeerBuilder().withNamespaceSelector(selector(labels)).build();
    }

    /** One peer with both selectors: pods with {@code pods} in namespaces with {@code namespaces}. */
    static NetworkPolicyPeer podsWithIn(Map<String, String> pods, Map<String, String> namespaces) {
        return new NetworkPolicyPeerBuilder().withPodSelector(selector(pods)).withNamespaceSelector(selector(namespaces)).build();
    }

    static NetworkPolicyPeer block(String cidr, String... except) {
        return new NetworkPolicyPeerBuilder().withIpBlock(new IPBlockBuilder().withCidr(cidr).withExcept(Arrays.asList(except)).build()).build();
    }

    static LabelSelector selector(Map<String, String> labels) {
        return new LabelSelectorBuilder().withMatchLabels(labels).build();
    }

    static LabelSelector expression(String key, String operator, String... values) {
        return new LabelSelectorBuilder().addToMatchExpressions(new LabelSelectorRequirementBuilder()
                .withKey(key).withOperator(operator).withValues(values).build()).build();
    }

    // --- ports

    static NetworkPolicyPort tcp(int port) {
        return port("TCP", port, null);
    }

    static NetworkPolicyPort udp(int port) {
        return port("UDP", port, null);
    }

    /** {@code port} an Integer, a String (a name) or null (every port); {@code protocol} null for the default. */
    static NetworkPolicyPort port(String protocol, Object port, Integer endPort) {
        return new NetworkPolicyPortBuilder().withProtocol(protocol).withPort(port == null ? null : new IntOrString(port))
                .withEndPort(endPort).build();
    }
}

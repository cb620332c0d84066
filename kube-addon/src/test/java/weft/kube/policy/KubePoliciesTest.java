package weft.kube.policy;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlockBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.kube.policy.PolicyFixtures.block;
import static weft.kube.policy.PolicyFixtures.containerPort;
import static weft.kube.policy.PolicyFixtures.egressPolicy;
import static weft.kube.policy.PolicyFixtures.expression;
import static weft.kube.policy.PolicyFixtures.from;
import static weft.kube.policy.PolicyFixtures.ingressPolicy;
import static weft.kube.policy.PolicyFixtures.ip;
import static weft.kube.policy.PolicyFixtures.namespace;
import static weft.kube.policy.PolicyFixtures.namespacesWith;
import static weft.kube.policy.PolicyFixtures.pod;
import static weft.kube.policy.PolicyFixtures.podsWith;
import static weft.kube.policy.PolicyFixtures.policy;
import static weft.kube.policy.PolicyFixtures.port;
import static weft.kube.policy.PolicyFixtures.selector;
import static weft.kube.policy.PolicyFixtures.tcp;
import static weft.kube.policy.PolicyFixtures.to;
import static weft.kube.policy.PolicyFixtures.udp;

/** Kubernetes' objects into the pure model: what is read, what is refused (and why), which pods count. */
class KubePoliciesTest {
    private static final Map<String, String> DB = Map.of("app", "db");

    private static Policy only(NetworkPolicy policy) {
        PolicyCluster cluster = KubePolicies.cluster(List.of(), List.of(), List.of(policy));
        assertEquals(List.of(), cluster.refused());
        assertEquals(1, cluster.policies().size());
        return cluster.policies().getFirst();
    }

    /**
     * The refusal of {@code bad}, read next to a valid policy: the valid one must stay enforced, since one broken
     * policy must not open (or close) what the others say.
     */
    private static String refusal(NetworkPolicy bad) {
        NetworkPolicy good = ingressPolicy("prod/good", DB, from(List.of(podsWith(Map.of("role", "api"))), tcp(5432)));
        PolicyCluster cluster = KubePolicies.cluster(List.of(), List.of(), List.of(good, bad));
        assertEquals(List.of("prod/good"), cluster.policies().stream().map(Policy::id).toList());
        assertEquals(1, cluster.refused().size(), cluster.refused().toString());
        String line = cluster.refused().getFirst();
        assertTrue(line.startsWith("prod/bad: "), line);
        return line;
    }

    private static void assertContains(String expected, String actual) {
        assertTrue(actual.contains(expected), () -> "expected \"" + expected + "\" in: " + actual);
    }

    private static NetworkPolicy badIngressPort(io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort port) {
        return ingressPolicy("prod/bad", DB, from(List.of(), port));
    }

    private static NetworkPolicy badIngressPeer(NetworkPolicyPeer peer) {
        return ingressPolicy("prod/bad", DB, from(List.of(peer)));
    }

    // --- policyTypes

    @Test
    void withoutTypesAPolicyWithoutRulesIsolatesIngressOnly() {
        Policy policy = only(policy("prod/deny", DB, List.of(), List.of()));
        assertTrue(policy.ingress());
        assertFalse(policy.egress());
    }

    @Test
    void withoutTypesEgressRulesAlsoIsolateEgress() {
        Policy policy = only(policy("prod/p", DB, List.of(), List.of(to(List.of(), udp(53)))));
        assertTrue(policy.ingress(), "ingress is always isolated without types");
        assertTrue(policy.egress());
        assertEquals(1, policy.egressRules().size());
    }

    @Test
    void explicitEgressTypeIsolatesEgressAloneEvenWithoutRules() {
        Policy policy = only(policy("prod/deny-out", DB, List.of(), List.of(), "Egress"));
        assertFalse(policy.ingress());
        assertTrue(policy.egress());
    }

    @Test
    void explicitIngressTypeIgnoresEgressRulesForIsolation() {
        Policy policy = only(policy("prod/p", DB, List.of(), List.of(to(List.of(), udp(53))), "Ingress"));
        assertTrue(policy.ingress());
        assertFalse(policy.egress());
    }

    @Test
    void bothExplicitTypesIsolateBoth() {
        Policy policy = only(policy("prod/p", DB, List.of(), List.of(), "Ingress", "Egress"));
        assertTrue(policy.ingress());
        assertTrue(policy.egress());
    }

    @Test
    void unknownPolicyTypeIsRefused() {
        assertContains("spec.policyTypes: Sideways is neither Ingress nor Egress",
                refusal(policy("prod/bad", DB, List.of(), List.of(), "Ingress", "Sideways")));
    }

    // --- what is read

    @Test
    void rulesPeersAndPortsAreRead() {
        Policy policy = only(policy("prod/db-ingress", DB,
                List.of(from(List.of(podsWith(Map.of("role", "backend")), namespacesWith(Map.of("team", "ops")), block("10.0.0.0/8", "10.1.0.0/16")),
                        tcp(5432), port("UDP", 7000, 7100), port(null, "metrics", null), port("SCTP", null, null))),
                List.of()));
        assertEquals("prod", policy.namespace());
        assertEquals("db-ingress", policy.name());
        assertEquals(new LabelSelector(DB, List.of()), policy.pods());
        PolicyRule rule = policy.ingressRules().getFirst();
        assertEquals(List.of(
                PolicyPeer.selecting(Optional.of(new LabelSelector(Map.of("role", "backend"), List.of())), Optional.empty()),
                PolicyPeer.selecting(Optional.empty(), Optional.of(new LabelSelector(Map.of("team", "ops"), List.of()))),
                PolicyPeer.block("10.0.0.0/8", List.of("10.1.0.0/16"))), rule.peers());
        assertEquals(List.of(
                PolicyPort.number(PolicyPort.Protocol.TCP, 5432, Optional.empty()),
                PolicyPort.number(PolicyPort.Protocol.UDP, 7000, Optional.of(7100)),
                PolicyPort.named(PolicyPort.Protocol.TCP, "metrics"), // no protocol: TCP
                PolicyPort.all(PolicyPort.Protocol.SCTP)), rule.ports());
    }

    @Test
    void emptyPeerSelectorsMeanEveryPodOrEveryNamespace() {
        PolicyRule rule = only(ingressPolicy("prod/p", DB, from(List.of(podsWith(Map.of()), namespacesWith(Map.of()))))).ingressRules().getFirst();
        assertTrue(rule.peers().get(0).pods().orElseThrow().isEmpty());
        assertTrue(rule.peers().get(1).namespaces().orElseThrow().isEmpty());
        assertEquals(Optional.empty(), rule.peers().get(1).pods(), "no podSelector: every pod of those namespaces");
    }

    @Test
    void numericStringPortIsReadAsTheNumber() {
        PolicyRule rule = only(ingressPolicy("prod/p", DB, from(List.of(), port("TCP", "8080", null)))).ingressRules().getFirst();
        assertEquals(List.of(PolicyPort.number(PolicyPort.Protocol.TCP, 8080, Optional.empty())), rule.ports());
    }

    @Test
    void matchExpressionsAreRead() {
        NetworkPolicy policy = new NetworkPolicyBuilder(ingressPolicy("prod/p", DB))
                .editSpec().withPodSelector(expression("tier", "NotIn", "web", "cache")).endSpec().build();
        LabelSelector pods = only(policy).pods();
        assertEquals(List.of(new LabelSelector.Requirement("tier", LabelSelector.Operator.NOT_IN, Set.of("web", "cache"))),
                pods.expressions());
        assertTrue(pods.matches(Map.of("tier", "db")));
        assertTrue(pods.matches(Map.of()), "NotIn holds where the key is absent");
        assertFalse(pods.matches(Map.of("tier", "web")));
    }

    @Test
    void existsAndDoesNotExistTakeNoValues() {
        NetworkPolicy exists = new NetworkPolicyBuilder(ingressPolicy("prod/p", DB))
                .editSpec().withPodSelector(expression("canary", "Exists")).endSpec().build();
        NetworkPolicy absent = new NetworkPolicyBuilder(ingressPolicy("prod/q", DB))
                .editSpec().withPodSelector(expression("canary", "DoesNotExist")).endSpec().build();
        assertTrue(only(exists).pods().matches(Map.of("canary", "")));
        assertFalse(only(absent).pods().matches(Map.of("canary", "")));
        assertTrue(only(absent).pods().matches(Map.of()));
    }

    // --- refusals: each names where and what, and the other policies stay

    @Test
    void unknownOperatorIsRefused() {
        NetworkPolicy bad = new NetworkPolicyBuilder(ingressPolicy("prod/bad", DB))
                .editSpec().withPodSelector(expression("tier", "Like", "web")).endSpec().build();
        String line = refusal(bad);
        assertContains("spec.podSelector", line);
        assertContains("operator \"Like\" is not In, NotIn, Exists or DoesNotExist", line);
    }

    @Test
    void inWithoutValuesIsRefused() {
        NetworkPolicy bad = new NetworkPolicyBuilder(ingressPolicy("prod/bad", DB))
                .editSpec().withPodSelector(expression("tier", "In")).endSpec().build();
        assertContains("In on tier needs values", refusal(bad));
    }

    @Test
    void existsWithValuesIsRefused() {
        NetworkPolicy bad = ingressPolicy("prod/bad", DB, from(List.of(new NetworkPolicyPeerBuilder()
                .withPodSelector(expression("tier", "Exists", "web")).build())));
        String line = refusal(bad);
        assertContains("spec.ingress[0].peers[0].podSelector", line);
        assertContains("Exists on tier takes no values", line);
    }

    @Test
    void unknownProtocolIsRefused() {
        String line = refusal(badIngressPort(port("ICMP", 8, null)));
        assertContains("spec.ingress[0].ports[0].protocol", line);
        assertContains("ICMP is not TCP, UDP or SCTP", line);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 65536, 70000})
    void portOutsideOneTo65535IsRefused(int number) {
        assertContains("spec.ingress[0].ports[0].port: " + number + " is not 1-65535", refusal(badIngressPort(tcp(number))));
    }

    @Test
    void endPortBelowPortIsRefused() {
        assertContains(".endPort: 80 is not between port 90 and 65535", refusal(badIngressPort(port("TCP", 90, 80))));
    }

    @Test
    void endPortAbove65535IsRefused() {
        assertContains(".endPort: 70000 is not between port 90 and 65535", refusal(badIngressPort(port("TCP", 90, 70000))));
    }

    @Test
    void endPortWithANamedPortIsRefused() {
        assertContains("endPort with the named port http", refusal(badIngressPort(port("TCP", "http", 90))));
    }

    @Test
    void endPortWithoutPortIsRefused() {
        assertContains("endPort without port", refusal(badIngressPort(port("TCP", null, 90))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-x", "Bad--name", "abcdefghijklmnop", "123-456", "http_alt", "h ttp", ""})
    void invalidPortNameIsRefused(String name) {
        assertContains("\"" + name + "\" is not a valid port name", refusal(badIngressPort(port("TCP", name, null))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "http", "web-8080", "abcdefghijklmno", "9x"})
    void validPortNameIsRead(String name) {
        PolicyRule rule = only(ingressPolicy("prod/p", DB, from(List.of(), port("TCP", name, null)))).ingressRules().getFirst();
        assertEquals(List.of(PolicyPort.named(PolicyPort.Protocol.TCP, name)), rule.ports());
    }

    @ParameterizedTest
    @ValueSource(strings = {"x-", "HTTP", "Http"})
    void portNameAsKubernetesRefusesItIsRefused(String name) {
        assertContains("\"" + name + "\" is not a valid port name", refusal(badIngressPort(port("TCP", name, null))));
    }

    @Test
    void hugeNumericStringPortIsRefusedNamingTheField() {
        assertContains("spec.ingress[0].ports[0].port", refusal(badIngressPort(port("TCP", "99999999999", null))));
    }

    @Test
    void ipBlockWithBadCidrIsRefused() {
        String line = refusal(badIngressPeer(block("10.0.0.0/33")));
        assertContains("spec.ingress[0].peers[0].ipBlock", line);
        assertContains("10.0.0.0/33", line);
    }

    @Test
    void ipBlockWithBadExceptIsRefused() {
        assertContains("ipBlock: not an IPv4 address: 10.0.0.256", refusal(badIngressPeer(block("10.0.0.0/16", "10.0.0.256/32"))));
    }

    @Test
    void exceptOutsideTheCidrIsRefused() {
        assertContains("except 10.1.0.0/24 is not within 10.0.0.0/16", refusal(badIngressPeer(block("10.0.0.0/16", "10.1.0.0/24"))));
    }

    @Test
    void exceptLargerThanTheCidrIsRefused() {
        // it overlaps the block but reaches outside it
        assertContains("except 10.0.0.0/8 is not within 10.0.0.0/16", refusal(badIngressPeer(block("10.0.0.0/16", "10.0.0.0/8"))));
    }

    @Test
    void ipBlockCombinedWithAPodSelectorIsRefused() {
        NetworkPolicyPeer peer = new NetworkPolicyPeerBuilder().withPodSelector(selector(Map.of("a", "b")))
                .withIpBlock(new IPBlockBuilder().withCidr("10.0.0.0/8").build()).build();
        assertContains("spec.ingress[0].peers[0]: ipBlock cannot be combined with selectors", refusal(badIngressPeer(peer)));
    }

    @Test
    void peerWithNothingIsRefused() {
        assertContains("spec.ingress[0].peers[0]: has neither selectors nor ipBlock", refusal(badIngressPeer(new NetworkPolicyPeer())));
    }

    @Test
    void badEgressPeerIsRefusedNamingTheEgressRule() {
        NetworkPolicy bad = egressPolicy("prod/bad", DB, to(List.of(podsWith(Map.of())), udp(53)), to(List.of(podsWith(Map.of()), new NetworkPolicyPeer())));
        assertContains("spec.egress[1].peers[1]: has neither selectors nor ipBlock", refusal(bad));
    }

    @Test
    void ipv6BlockMatchesNoOverlayAddressButIsNotRefused() {
        // a dual-stack cluster's policy: its IPv6 half cannot concern Weft's IPv4 overlay, the rest is enforced
        PolicyPeer peer = only(badIngressPeer(block("fd00::/8"))).ingressRules().getFirst().peers().getFirst();
        assertTrue(peer.block().orElseThrow().isEmpty());
    }

    @Test
    void everyBadPolicyIsReportedAndEveryGoodOneKept() {
        List<NetworkPolicy> policies = List.of(
                ingressPolicy("prod/a", DB),
                badIngressPort(tcp(0)),
                new NetworkPolicyBuilder(badIngressPeer(new NetworkPolicyPeer())).editMetadata().withName("bad2").endMetadata().build(),
                ingressPolicy("dev/b", DB));
        PolicyCluster cluster = KubePolicies.cluster(List.of(), List.of(), policies);
        assertEquals(Set.of("prod/a", "dev/b"), cluster.policies().stream().map(Policy::id).collect(java.util.stream.Collectors.toSet()));
        assertEquals(2, cluster.refused().size());
        assertEquals(1, cluster.refused().stream().filter(l -> l.startsWith("prod/bad: ")).count(), cluster.refused()::toString);
        assertEquals(1, cluster.refused().stream().filter(l -> l.startsWith("prod/bad2: ")).count(), cluster.refused()::toString);
    }

    @Test
    void policyWithoutSpecIsRefused() {
        NetworkPolicy bad = new NetworkPolicyBuilder().withNewMetadata().withNamespace("prod").withName("bad").endMetadata().build();
        assertContains("no spec", refusal(bad));
    }

    // --- pods

    private static final Pod WEB = pod("prod/web", "node-a", "10.32.0.5", Map.of("app", "web"));

    private static List<PolicyPod> read(Pod... pods) {
        return KubePolicies.cluster(List.of(pods), List.of(), List.of()).pods();
    }

    @Test
    void runningPodIsRead() {
        assertEquals(List.of(new PolicyPod("prod", "web", "node-a", ip("10.32.0.5"), Map.of("app", "web"), Map.of())), read(WEB));
    }

    @Test
    void pendingPodWithAnAddressIsRead() {
        // it may already receive traffic (init containers, readiness not yet true)
        assertEquals(1, read(new PodBuilder(WEB).editStatus().withPhase("Pending").endStatus().build()).size());
    }

    @Test
    void hostNetworkPodIsSkipped() {
        // its address is its node's: policies do not apply to it
        assertEquals(List.of(), read(new PodBuilder(WEB).editSpec().withHostNetwork(true).endSpec().build()));
    }

    @Test
    void podWithoutAddressIsSkipped() {
        assertEquals(List.of(), read(new PodBuilder(WEB).editStatus().withPodIP(null).endStatus().build()));
        assertEquals(List.of(), read(new PodBuilder(WEB).editStatus().withPodIP("").endStatus().build()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Succeeded", "Failed"})
    void finishedPodIsSkipped(String phase) {
        // its address may be handed to a new pod: it must not carry the old pod's labels
        assertEquals(List.of(), read(new PodBuilder(WEB).editStatus().withPhase(phase).endStatus().build()));
    }

    @Test
    void unscheduledPodIsSkipped() {
        assertEquals(List.of(), read(new PodBuilder(WEB).editSpec().withNodeName(null).endSpec().build()));
    }

    @Test
    void ipv6PodIsSkipped() {
        assertEquals(List.of(), read(new PodBuilder(WEB).editStatus().withPodIP("fd00::5").endStatus().build()));
    }

    @Test
    void podWithoutLabelsHasNone() {
        assertEquals(Map.of(), read(new PodBuilder(WEB).editMetadata().withLabels(null).endMetadata().build()).getFirst().labels());
    }

    @Test
    void namedContainerPortsAreReadWithTcpByDefault() {
        Pod pod = new PodBuilder(pod("prod/db", "node-a", "10.32.0.6", DB,
                containerPort("pg", 5432, null), containerPort("dns", 53, "UDP"), containerPort("dns", 5353, "TCP"),
                containerPort(null, 9999, "TCP")))
                .editSpec().addToContainers(new ContainerBuilder().withName("sidecar")
                        .withPorts(containerPort("metrics", 9090, "TCP"), containerPort("pg", 6543, "TCP"), containerPort("icmp", 1, "ICMP")).build())
                .endSpec().build();
        PolicyPod read = read(pod).getFirst();
        // an unnamed port cannot be named by a policy; the first container that has a name wins; an unknown protocol is left out
        assertEquals(Map.of("pg/TCP", 5432, "dns/UDP", 53, "dns/TCP", 5353, "metrics/TCP", 9090), read.ports());
        assertEquals(Optional.of(5432), read.port("pg", PolicyPort.Protocol.TCP));
        assertEquals(Optional.empty(), read.port("pg", PolicyPort.Protocol.UDP));
    }

    @Test
    void namespaceLabelsAreReadWithTheirNameLabel() {
        // kubernetes.io/metadata.name is what a namespaceSelector picks one namespace by; servers before 1.21 lack it
        Namespace unlabelled = new NamespaceBuilder().withNewMetadata().withName("dev").endMetadata().build();
        PolicyCluster cluster = KubePolicies.cluster(List.of(), List.of(namespace("prod", Map.of("env", "prod")), unlabelled), List.of());
        assertEquals(Map.of("env", "prod", "kubernetes.io/metadata.name", "prod"), cluster.namespaceLabels("prod"));
        assertEquals(Map.of("kubernetes.io/metadata.name", "dev"), cluster.namespaceLabels("dev"));
        assertEquals(Map.of(), cluster.namespaceLabels("unknown"));
    }

    @Test
    void namespaceNameLabelTheServerSetIsKept() {
        PolicyCluster cluster = KubePolicies.cluster(List.of(), List.of(namespace("prod", Map.of("kubernetes.io/metadata.name", "prod"))), List.of());
        assertEquals(Map.of("kubernetes.io/metadata.name", "prod"), cluster.namespaceLabels("prod"));
    }

    // --- what a lax server might hand over: refused or skipped, never the end of the rebuild

    @Test
    void nullsWhereTheApiHasNoneRefuseThePolicyNotTheOthers() {
        java.util.HashMap<String, String> nullValue = new java.util.HashMap<>();
        nullValue.put("app", null);
        NetworkPolicy bad = ingressPolicy("prod/bad", nullValue);
        assertContains("prod/bad: spec.podSelector.matchLabels: app has no value", refusal(bad));
        NetworkPolicy nullType = policy("prod/bad", DB, List.of(), List.of());
        nullType.getSpec().setPolicyTypes(java.util.Arrays.asList("Ingress", null));
        assertContains("prod/bad: spec.policyTypes[1] is null", refusal(nullType));
        NetworkPolicy nullExcept = ingressPolicy("prod/bad", DB, from(List.of(block("10.0.0.0/8"))));
        nullExcept.getSpec().getIngress().getFirst().getFrom().getFirst().getIpBlock().setExcept(java.util.Arrays.asList((String) null));
        assertContains("prod/bad: spec.ingress[0].peers[0].ipBlock.except[0] is null", refusal(nullExcept));
    }

    @Test
    void aPodsNullLabelIsLeftOutAPortOutOfRangeIsSkippedAndAPodWithoutNamespaceIsNoPolicyPod() {
        java.util.HashMap<String, String> labels = new java.util.HashMap<>(Map.of("app", "db"));
        labels.put("broken", null);
        Pod pod = pod("prod/db", "n1", "10.32.0.5", labels, containerPort("pg", 5432, "TCP"), containerPort("huge", 70000, "TCP"));
        PolicyPod read = KubePolicies.pod(pod).orElseThrow();
        assertEquals(Map.of("app", "db"), read.labels());
        assertEquals(Map.of("pg/TCP", 5432), read.ports());
        Pod nameless = pod("prod/x", "n1", "10.32.0.6", Map.of());
        nameless.getMetadata().setNamespace(null);
        assertEquals(Optional.empty(), KubePolicies.pod(nameless));
    }
}

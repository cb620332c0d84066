package weft.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
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
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpecBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link PolicyOracle} against hand-built objects: the examples of the Kubernetes NetworkPolicy
 * documentation page, then each construct of the API on its own. Each test builds its own small cluster in
 * {@link #namespaces}, {@link #pods} and {@link #policies}.
 */
class PolicyOracleTest {
    private final List<Namespace> namespaces = new ArrayList<>();
    private final List<Pod> pods = new ArrayList<>();
    private final List<NetworkPolicy> policies = new ArrayList<>();

    @Test
    void withoutPoliciesEverythingIsAllowed() {
        namespace("default");
        Pod a = pod("default", "a", "10.1.0.1");
        Pod b = pod("default", "b", "10.1.0.2");
        assertTrue(tcp(a, b, 80));
        assertTrue(allowed(a, b, "UDP", 53));
        assertTrue(allowed(a, b, "SCTP", 9));
        assertTrue(PolicyOracle.allowedToAddress(namespaces, pods, policies, a, "8.8.8.8", "UDP", 53));
        assertTrue(PolicyOracle.allowedFromAddress(namespaces, pods, policies, "8.8.8.8", b, "TCP", 80));
    }

    @Test
    void docsDefaultDenyAllIngress() {
        namespace("default");
        namespace("other");
        Pod a = pod("default", "a", "10.1.0.1");
        Pod b = pod("default", "b", "10.1.0.2");
        Pod outside = pod("other", "outside", "10.1.1.1");
        policy("default", "default-deny-ingress", new NetworkPolicySpecBuilder()
                .withPodSelector(new LabelSelector()).withPolicyTypes("Ingress"));

        assertFalse(tcp(a, b, 80));
        assertFalse(tcp(outside, a, 80));
        assertFalse(PolicyOracle.allowedFromAddress(namespaces, pods, policies, "8.8.8.8", a, "TCP", 80));
        // Egress of the isolated pods, and pods of other namespaces, are untouched.
        assertTrue(tcp(a, outside, 80));
        assertTrue(PolicyOracle.allowedToAddress(namespaces, pods, policies, a, "8.8.8.8", "TCP", 443));
    }

    @Test
    void docsAllowAllIngressOverridesDenyBecausePoliciesAdd() {
        namespace("default");
        Pod a = pod("default", "a", "10.1.0.1");
        Pod b = pod("default", "b", "10.1.0.2");
        policy("default", "default-deny-ingress", new NetworkPolicySpecBuilder()
                .withPodSelector(new LabelSelector()).withPolicyTypes("Ingress"));
        policy("default", "allow-all-ingress", new NetworkPolicySpecBuilder()
                .withPodSelector(new LabelSelector()).withIngress(new NetworkPolicyIngressRule()).withPolicyTypes("Ingress"));

        assertTrue(tcp(a, b, 80));
        assertTrue(allowed(a, b, "UDP", 5353));
        assertTrue(PolicyOracle.allowedFromAddress(namespaces, pods, policies, "8.8.8.8", b, "SCTP", 9));
    }

    @Test
    void docsDefaultDenyAllEgress() {
        namespace("default");
        namespace("other");
        Pod a = pod("default", "a", "10.1.0.1");
        Pod outside = pod("other", "outside", "10.1.1.1");
        policy("default", "default-deny-egress", new NetworkPolicySpecBuilder()
                .withPodSelector(new LabelSelector()).withPolicyTypes("Egress"));

        assertFalse(tcp(a, outside, 80));
        assertFalse(PolicyOracle.allowedToAddress(namespaces, pods, policies, a, "8.8.8.8", "UDP", 53));
        assertTrue(tcp(outside, a, 80));
    }

    @Test
    void docsAllowAllEgressAndDefaultDenyAll() {
        namespace("default");
        Pod a = pod("default", "a", "10.1.0.1");
        Pod b = pod("default", "b", "10.1.0.2");
        policy("default", "default-deny-all", new NetworkPolicySpecBuilder()
                .withPodSelector(new LabelSelector()).withPolicyTypes("Ingress", "Egress"));
        assertFalse(tcp(a, b, 80));
        assertFalse(PolicyOracle.allowedToAddress(namespaces, pods, policies, a, "8.8.8.8", "TCP", 80));

        policy("default", "allow-all-egress", new NetworkPolicySpecBuilder()
                .withPodSelector(new LabelSelector()).withEgress(new NetworkPolicyEgressRule()).withPolicyTypes("Egress"));
        assertTrue(PolicyOracle.allowedToAddress(namespaces, pods, policies, a, "8.8.8.8", "TCP", 80));
        // Egress now allows it, but b's ingress still does not.
        assertFalse(tcp(a, b, 80));
    }

    /**
     * The documentation's "test-network-policy": role=db pods in default accept TCP 6379 from 172.17.0.0/16
     * except 172.17.1.0/24, from any pod of a project=myproject namespace and from role=frontend pods of
     * default; they may connect only to 10.0.0.0/24 on TCP 5978.
     */
    @Test
    void docsTestNetworkPolicy() {
        namespace("default");
        namespace("myproject", "project", "myproject");
        namespace("other");
        Pod db = pod("default", "db", "10.1.0.10", "role", "db");
        Pod frontend = pod("default", "frontend", "10.1.0.20", "role", "frontend");
        Pod backend = pod("default", "backend", "10.1.0.30", "role", "backend");
        Pod inProject = pod("myproject", "anything", "10.1.1.5");
        Pod foreignFrontend = pod("other", "frontend", "10.1.2.5", "role", "frontend");
        Pod inEgressBlock = pod("other", "in-block", "10.0.0.9");
        policy("default", "test-network-policy", new NetworkPolicySpecBuilder()
                .withPodSelector(match("role", "db"))
                .withPolicyTypes("Ingress", "Egress")
                .withIngress(from(List.of(ipBlock("172.17.0.0/16", "172.17.1.0/24"),
                                namespaces(match("project", "myproject")), pods(match("role", "frontend"))),
                        port("TCP", 6379)))
                .withEgress(to(List.of(ipBlock("10.0.0.0/24")), port("TCP", 5978))));

        assertTrue(tcp(frontend, db, 6379));
        assertFalse(tcp(frontend, db, 6380));
        assertFalse(allowed(frontend, db, "UDP", 6379));
        assertTrue(tcp(inProject, db, 6379));
        assertFalse(tcp(backend, db, 6379));
        // A podSelector without namespaceSelector looks only in the policy's namespace.
        assertFalse(tcp(foreignFrontend, db, 6379));
        assertTrue(PolicyOracle.allowedFromAddress(namespaces, pods, policies, "172.17.0.5", db, "TCP", 6379));
        assertTrue(PolicyOracle.allowedFromAddress(namespaces, pods, policies, "172.17.255.255", db, "TCP", 6379));
        assertFalse(PolicyOracle.allowedFromAddress(namespaces, pods, policies, "172.17.1.5", db, "TCP", 6379));
        assertFalse(PolicyOracle.allowedFromAddress(namespaces, pods, policies, "172.18.0.5", db, "TCP", 6379));

        assertTrue(PolicyOracle.allowedToAddress(namespaces, pods, policies, db, "10.0.0.7", "TCP", 5978));
        assertFalse(PolicyOracle.allowedToAddress(namespaces, pods, policies, db, "10.0.0.7", "TCP", 5979));
        assertFalse(PolicyOracle.allowedToAddress(namespaces, pods, policies, db, "10.0.0.7", "UDP", 5978));
        assertFalse(PolicyOracle.allowedToAddress(namespaces, pods, policies, db, "10.0.1.7", "TCP", 5978));
        assertFalse(tcp(db, frontend, 5978));
        // An ipBlock matches a pod by its address.
        assertTrue(tcp(db, inEgressBlock, 5978));
        // The policy selects only db: the others stay open in both directions.
        assertTrue(tcp(frontend, backend, 1234));
        assertTrue(tcp(foreignFrontend, frontend, 1234));
    }

    @Test
    void docsEndPortRange() {
        namespace("default");
        Pod db = pod("default", "db", "10.1.0.10", "role", "db");
        NetworkPolicyPort range = new NetworkPolicyPortBuilder().withProtocol("TCP").withNewPort(32000).withEndPort(32768).build();
        policy("default", "multi-port-egress", new NetworkPolicySpecBuilder()
                .withPodSelector(match("role", "db"))
                .withPolicyTypes("Egress")
                .withEgress(to(List.of(ipBlock("10.0.0.0/24")), range)));

        assertFalse(PolicyOracle.allowedToAddress(namespaces, pods, policies, db, "10.0.0.1", "TCP", 31999));
        assertTrue(PolicyOracle.allowedToAddress(namespaces, pods, policies, db, "10.0.0.1", "TCP", 32000));
        assertTrue(PolicyOracle.allowedToAddress(namespaces, pods, policies, db, "10.0.0.1", "TCP", 32400));
        assertTrue(PolicyOracle.allowedToAddress(namespaces, pods, policies, db, "10.0.0.1", "TCP", 32768));
        assertFalse(PolicyOracle.allowedToAddress(namespaces, pods, policies, db, "10.0.0.1", "TCP", 32769));
        assertFalse(PolicyOracle.allowedToAddress(namespaces, pods, policies, db, "10.0.0.1", "UDP", 32000));
    }

    /** One peer with both selectors is an AND; the same selectors as two peers are an OR. */
    @Test
    void namespaceAndPodSelectorInOnePeerVersusTwoPeers() {
        namespace("default");
        namespace("alice", "user", "alice");
        namespace("bob");
        Pod server = pod("default", "server", "10.1.0.1", "role", "server");
        Pod localClient = pod("default", "client", "10.1.0.2", "role", "client");
        Pod aliceClient = pod("alice", "client", "10.1.1.2", "role", "client");
        Pod aliceOther = pod("alice", "other", "10.1.1.3");
        Pod bobClient = pod("bob", "client", "10.1.2.2", "role", "client");

        policy("default", "and", new NetworkPolicySpecBuilder().withPodSelector(match("role", "server"))
                .withIngress(from(List.of(peer(match("user", "alice"), match("role", "client"))))));
        assertTrue(tcp(aliceClient, server, 80));
        assertFalse(tcp(aliceOther, server, 80));
        assertFalse(tcp(localClient, server, 80));
        assertFalse(tcp(bobClient, server, 80));

        policies.clear();
        policy("default", "or", new NetworkPolicySpecBuilder().withPodSelector(match("role", "server"))
                .withIngress(from(List.of(namespaces(match("user", "alice")), pods(match("role", "client"))))));
        assertTrue(tcp(aliceClient, server, 80));
        assertTrue(tcp(aliceOther, server, 80));
        assertTrue(tcp(localClient, server, 80));
        assertFalse(tcp(bobClient, server, 80));
    }

    @Test
    void policyTypesDefaultToIngressAndToEgressOnlyWithEgressRules() {
        namespace("default");
        Pod a = pod("default", "a", "10.1.0.1", "app", "a");
        Pod b = pod("default", "b", "10.1.0.2", "app", "b");

        // No policyTypes and no rules at all: Ingress only, which denies all ingress.
        policy("default", "bare", new NetworkPolicySpecBuilder().withPodSelector(match("app", "a")));
        assertFalse(tcp(b, a, 80));
        assertTrue(tcp(a, b, 80));

        // No policyTypes and an empty egress list: still Ingress only.
        policies.clear();
        policy("default", "empty-egress", new NetworkPolicySpecBuilder().withPodSelector(match("app", "a"))
                .withIngress(new NetworkPolicyIngressRule()).withEgress(List.of()));
        assertTrue(tcp(a, b, 80));
        assertTrue(tcp(b, a, 80));

        // No policyTypes and an egress rule: Ingress and Egress, so ingress without rules is denied.
        policies.clear();
        policy("default", "egress-rule", new NetworkPolicySpecBuilder().withPodSelector(match("app", "a"))
                .withEgress(to(List.of(pods(match("app", "b"))), port("TCP", 80))));
        assertTrue(tcp(a, b, 80));
        assertFalse(tcp(a, b, 81));
        assertFalse(tcp(b, a, 80));
    }

    @Test
    void connectionNeedsBothSourceEgressAndDestinationIngress() {
        namespace("default");
        Pod a = pod("default", "a", "10.1.0.1", "app", "a");
        Pod b = pod("default", "b", "10.1.0.2", "app", "b");
        policy("default", "a-egress-to-b", new NetworkPolicySpecBuilder().withPodSelector(match("app", "a"))
                .withPolicyTypes("Egress").withEgress(to(List.of(pods(match("app", "b"))))));
        policy("default", "b-ingress-from-nobody", new NetworkPolicySpecBuilder().withPodSelector(match("app", "b"))
                .withPolicyTypes("Ingress"));
        assertFalse(tcp(a, b, 80));

        policy("default", "b-ingress-from-a", new NetworkPolicySpecBuilder().withPodSelector(match("app", "b"))
                .withIngress(from(List.of(pods(match("app", "a"))))));
        assertTrue(tcp(a, b, 80));
        // The reverse direction: b's egress is open, a's ingress is not isolated.
        assertTrue(tcp(b, a, 80));
    }

    @Test
    void policiesApplyOnlyInTheirOwnNamespace() {
        namespace("default");
        namespace("other");
        Pod a = pod("default", "a", "10.1.0.1");
        Pod b = pod("other", "b", "10.1.1.1");
        policy("other", "deny", new NetworkPolicySpecBuilder().withPodSelector(new LabelSelector()).withPolicyTypes("Ingress"));
        assertTrue(tcp(b, a, 80));
        assertFalse(tcp(a, b, 80));
    }

    @Test
    void emptySelectorsInPeers() {
        namespace("default");
        namespace("other");
        Pod server = pod("default", "server", "10.1.0.1", "role", "server");
        Pod local = pod("default", "local", "10.1.0.2");
        Pod remote = pod("other", "remote", "10.1.1.2");

        // podSelector {} alone: every pod of the policy's namespace.
        policy("default", "same-namespace", new NetworkPolicySpecBuilder().withPodSelector(match("role", "server"))
                .withIngress(from(List.of(pods(new LabelSelector())))));
        assertTrue(tcp(local, server, 80));
        assertFalse(tcp(remote, server, 80));
        assertFalse(PolicyOracle.allowedFromAddress(namespaces, pods, policies, "10.9.9.9", server, "TCP", 80));

        // namespaceSelector {}: every pod of every namespace, but still no address that is no pod.
        policies.clear();
        policy("default", "all-namespaces", new NetworkPolicySpecBuilder().withPodSelector(match("role", "server"))
                .withIngress(from(List.of(namespaces(new LabelSelector())))));
        assertTrue(tcp(local, server, 80));
        assertTrue(tcp(remote, server, 80));
        assertFalse(PolicyOracle.allowedFromAddress(namespaces, pods, policies, "10.9.9.9", server, "TCP", 80));
    }

    @Test
    void namespacesCarryTheirNameLabel() {
        namespace("default");
        namespace("other");
        Pod server = pod("default", "server", "10.1.0.1");
        Pod remote = pod("other", "remote", "10.1.1.2");
        policy("default", "from-other", new NetworkPolicySpecBuilder().withPodSelector(new LabelSelector())
                .withIngress(from(List.of(namespaces(match("kubernetes.io/metadata.name", "other"))))));
        assertTrue(tcp(remote, server, 80));
    }

    @Test
    void labelSelectorExpressions() {
        namespace("default");
        Pod server = pod("default", "server", "10.1.0.1", "role", "server");
        Pod prod = pod("default", "prod", "10.1.0.2", "env", "prod", "tier", "web");
        Pod dev = pod("default", "dev", "10.1.0.3", "env", "dev", "tier", "web");
        Pod bare = pod("default", "bare", "10.1.0.4");

        assertEquals(List.of(true, false, false), reachers(server, expression("env", "In", "prod", "staging"), prod, dev, bare));
        // NotIn also holds when the key is absent.
        assertEquals(List.of(false, true, true), reachers(server, expression("env", "NotIn", "prod"), prod, dev, bare));
        assertEquals(List.of(true, true, false), reachers(server, expression("env", "Exists"), prod, dev, bare));
        assertEquals(List.of(false, false, true), reachers(server, expression("env", "DoesNotExist"), prod, dev, bare));
        // matchLabels and matchExpressions must all hold.
        LabelSelector both = new LabelSelectorBuilder().addToMatchLabels("tier", "web")
                .addNewMatchExpression().withKey("env").withOperator("NotIn").withValues("prod").endMatchExpression().build();
        assertEquals(List.of(false, true, false), reachers(server, both, prod, dev, bare));
        assertEquals(List.of(false, true, false), reachers(server, match("tier", "web", "env", "dev"), prod, dev, bare));
    }

    @Test
    void portsWithoutNumberMatchAllPortsOfTheirProtocol() {
        namespace("default");
        Pod server = pod("default", "server", "10.1.0.1", "role", "server");
        Pod client = pod("default", "client", "10.1.0.2");
        policy("default", "udp", new NetworkPolicySpecBuilder().withPodSelector(match("role", "server"))
                .withIngress(from(List.of(), new NetworkPolicyPortBuilder().withProtocol("UDP").build())));
        assertTrue(allowed(client, server, "UDP", 1));
        assertTrue(allowed(client, server, "UDP", 65535));
        assertFalse(tcp(client, server, 53));
        assertFalse(allowed(client, server, "SCTP", 53));

        // An empty port entry is TCP on every port.
        policies.clear();
        policy("default", "empty-port", new NetworkPolicySpecBuilder().withPodSelector(match("role", "server"))
                .withIngress(from(List.of(), new NetworkPolicyPort())));
        assertTrue(tcp(client, server, 22));
        assertFalse(allowed(client, server, "UDP", 22));
    }

    @Test
    void severalPortsAndSeveralRulesAreAlternatives() {
        namespace("default");
        Pod server = pod("default", "server", "10.1.0.1", "role", "server");
        Pod client = pod("default", "client", "10.1.0.2", "role", "client");
        Pod other = pod("default", "other", "10.1.0.3");
        policy("default", "two-rules", new NetworkPolicySpecBuilder().withPodSelector(match("role", "server"))
                .withIngress(from(List.of(pods(match("role", "client"))), port("TCP", 80), port("SCTP", 9)),
                        from(List.of(), port("UDP", 53))));
        assertTrue(tcp(client, server, 80));
        assertTrue(allowed(client, server, "SCTP", 9));
        assertFalse(tcp(client, server, 9));
        assertFalse(tcp(other, server, 80));
        assertTrue(allowed(other, server, "UDP", 53));
    }

    @Test
    void namedPortsResolveOnTheDestinationPod() {
        namespace("default");
        Pod web = pod(podBuilder("default", "web", "10.1.0.1", "role", "server")
                .editSpec().editFirstContainer()
                .withPorts(containerPort("http", 8080, null), containerPort("dns", 53, "UDP"))
                .endContainer().endSpec());
        Pod plain = pod("default", "plain", "10.1.0.2", "role", "server");
        Pod client = pod("default", "client", "10.1.0.3", "role", "client");

        policy("default", "ingress-named", new NetworkPolicySpecBuilder().withPodSelector(match("role", "server"))
                .withIngress(from(List.of(), port(null, "http"), port("UDP", "dns"), port("UDP", "http"))));
        assertTrue(tcp(client, web, 8080));
        assertFalse(tcp(client, web, 8081));
        // "http" is declared on TCP only, so the UDP entry for it matches nothing.
        assertFalse(allowed(client, web, "UDP", 8080));
        assertTrue(allowed(client, web, "UDP", 53));
        assertFalse(tcp(client, web, 53));
        assertFalse(tcp(client, plain, 8080));
        assertFalse(PolicyOracle.allowedFromAddress(namespaces, pods, policies, "10.9.9.9", web, "TCP", 8081));
        assertTrue(PolicyOracle.allowedFromAddress(namespaces, pods, policies, "10.9.9.9", web, "TCP", 8080));

        // For egress the name resolves on the peer; an address that is no pod has no named ports.
        policies.clear();
        policy("default", "egress-named", new NetworkPolicySpecBuilder().withPodSelector(match("role", "client"))
                .withPolicyTypes("Egress").withEgress(to(List.of(), port("TCP", "http"))));
        assertTrue(tcp(client, web, 8080));
        assertFalse(tcp(client, web, 80));
        assertFalse(tcp(client, plain, 8080));
        assertFalse(PolicyOracle.allowedToAddress(namespaces, pods, policies, client, "10.1.0.1", "TCP", 8080));
    }

    @Test
    void ipv6Blocks() {
        namespace("default");
        Pod server = pod("default", "server", "fd00::1");
        policy("default", "v6", new NetworkPolicySpecBuilder().withPodSelector(new LabelSelector())
                .withIngress(from(List.of(ipBlock("fd00:1::/64", "fd00:1::ff00/120")))));
        assertTrue(PolicyOracle.allowedFromAddress(namespaces, pods, policies, "fd00:1::5", server, "TCP", 80));
        assertFalse(PolicyOracle.allowedFromAddress(namespaces, pods, policies, "fd00:1::ff05", server, "TCP", 80));
        assertFalse(PolicyOracle.allowedFromAddress(namespaces, pods, policies, "fd00:2::5", server, "TCP", 80));
        assertFalse(PolicyOracle.allowedFromAddress(namespaces, pods, policies, "10.0.0.1", server, "TCP", 80));

        // 0.0.0.0/0 is every IPv4 address and no IPv6 one.
        policies.clear();
        policy("default", "v4-everywhere", new NetworkPolicySpecBuilder().withPodSelector(new LabelSelector())
                .withIngress(from(List.of(ipBlock("0.0.0.0/0")))));
        assertTrue(PolicyOracle.allowedFromAddress(namespaces, pods, policies, "203.0.113.7", server, "TCP", 80));
        assertFalse(PolicyOracle.allowedFromAddress(namespaces, pods, policies, "fd00:1::5", server, "TCP", 80));
    }

    @Test
    void hostNetworkPodsAndPodsWithoutAddressAreNeitherIsolatedNorSelected() {
        namespace("default");
        Pod server = pod("default", "server", "10.1.0.1", "role", "server");
        Pod host = pod(podBuilder("default", "host", "192.168.1.10", "role", "client").editSpec().withHostNetwork(true).endSpec());
        policy("default", "deny-all", new NetworkPolicySpecBuilder().withPodSelector(new LabelSelector())
                .withPolicyTypes("Ingress", "Egress"));
        policy("default", "from-clients", new NetworkPolicySpecBuilder().withPodSelector(match("role", "server"))
                .withIngress(from(List.of(pods(match("role", "client"))))));

        assertFalse(tcp(host, server, 80));
        assertFalse(tcp(server, host, 80)); // server's egress is denied; host's ingress would let it in
        assertTrue(PolicyOracle.allowedFromAddress(namespaces, pods, policies, "8.8.8.8", host, "TCP", 80));
        assertTrue(PolicyOracle.allowedToAddress(namespaces, pods, policies, host, "8.8.8.8", "TCP", 80));
        Pod pending = pod("default", "pending", null, "role", "client");
        assertTrue(PolicyOracle.allowedToAddress(namespaces, pods, policies, pending, "8.8.8.8", "TCP", 80));
        assertFalse(tcp(pending, server, 80));

        policy("default", "from-host-address", new NetworkPolicySpecBuilder().withPodSelector(match("role", "server"))
                .withIngress(from(List.of(ipBlock("192.168.1.0/24")))));
        assertTrue(tcp(host, server, 80));
    }

    @Test
    void aPodCannotBlockItself() {
        namespace("default");
        Pod a = pod("default", "a", "10.1.0.1");
        policy("default", "deny-all", new NetworkPolicySpecBuilder().withPodSelector(new LabelSelector())
                .withPolicyTypes("Ingress", "Egress"));
        assertTrue(tcp(a, a, 80));
        assertFalse(PolicyOracle.allowedFromAddress(namespaces, pods, policies, "10.1.0.1", a, "TCP", 80));
    }

    @Test
    void unknownPodsAndNamespacesAreRejected() {
        namespace("default");
        Pod a = pod("default", "a", "10.1.0.1");
        Pod stranger = podBuilder("default", "stranger", "10.1.0.9").build();
        assertThrows(IllegalArgumentException.class, () -> tcp(a, stranger, 80));

        Pod lost = pod("nowhere", "lost", "10.1.0.8");
        policy("default", "from-all-namespaces", new NetworkPolicySpecBuilder().withPodSelector(new LabelSelector())
                .withIngress(from(List.of(namespaces(new LabelSelector())))));
        assertThrows(IllegalArgumentException.class, () -> tcp(lost, a, 80));
    }

    private boolean tcp(Pod src, Pod dst, int port) {
        return allowed(src, dst, "TCP", port);
    }

    private boolean allowed(Pod src, Pod dst, String protocol, int port) {
        return PolicyOracle.allowed(namespaces, pods, policies, src, dst, protocol, port);
    }

    /** For each client, whether it reaches {@code server} once the server admits only {@code selector}. */
    private List<Boolean> reachers(Pod server, LabelSelector selector, Pod... clients) {
        policies.clear();
        policy("default", "selector", new NetworkPolicySpecBuilder().withPodSelector(new LabelSelector())
                .withIngress(from(List.of(pods(selector)))));
        return List.of(clients).stream().map(client -> tcp(client, server, 80)).toList();
    }

    private void namespace(String name, String... labels) {
        namespaces.add(new NamespaceBuilder().withNewMetadata().withName(name).withLabels(labels(labels)).endMetadata().build());
    }

    private Pod pod(String namespace, String name, String ip, String... labels) {
        return pod(podBuilder(namespace, name, ip, labels));
    }

    private Pod pod(PodBuilder builder) {
        Pod pod = builder.build();
        pods.add(pod);
        return pod;
    }

    private static PodBuilder podBuilder(String namespace, String name, String ip, String... labels) {
        return new PodBuilder()
                .withNewMetadata().withNamespace(namespace).withName(name).withLabels(labels(labels)).endMetadata()
                .withNewSpec().addNewContainer().withName("main").endContainer().endSpec()
                .withNewStatus().withPodIP(ip).endStatus();
    }

    private void policy(String namespace, String name, NetworkPolicySpecBuilder spec) {
        policies.add(new NetworkPolicyBuilder()
                .withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                .withSpec(spec.build()).build());
    }

    private static NetworkPolicyIngressRule from(List<NetworkPolicyPeer> peers, NetworkPolicyPort... ports) {
        return new NetworkPolicyIngressRuleBuilder().withFrom(peers).withPorts(ports).build();
    }

    private static NetworkPolicyEgressRule to(List<NetworkPolicyPeer> peers, NetworkPolicyPort... ports) {
        return new NetworkPolicyEgressRuleBuilder().withTo(peers).withPorts(ports).build();
    }

    /** {@code port}: a number or a name; {@code protocol} null: left to its default. */
    private static NetworkPolicyPort port(String protocol, Object port) {
        return new NetworkPolicyPortBuilder().withProtocol(protocol).withNewPort(port).build();
    }

    private static NetworkPolicyPeer ipBlock(String cidr, String... except) {
        return new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr(cidr).withExcept(except).endIpBlock().build();
    }

    private static NetworkPolicyPeer pods(LabelSelector podSelector) {
        return new NetworkPolicyPeerBuilder().withPodSelector(podSelector).build();
    }

    private static NetworkPolicyPeer namespaces(LabelSelector namespaceSelector) {
        return new NetworkPolicyPeerBuilder().withNamespaceSelector(namespaceSelector).build();
    }

    private static NetworkPolicyPeer peer(LabelSelector namespaceSelector, LabelSelector podSelector) {
        return new NetworkPolicyPeerBuilder().withNamespaceSelector(namespaceSelector).withPodSelector(podSelector).build();
    }

    private static LabelSelector match(String... labels) {
        return new LabelSelectorBuilder().withMatchLabels(labels(labels)).build();
    }

    private static LabelSelector expression(String key, String operator, String... values) {
        return new LabelSelectorBuilder().addNewMatchExpression()
                .withKey(key).withOperator(operator).withValues(values).endMatchExpression().build();
    }

    private static ContainerPort containerPort(String name, int number, String protocol) {
        return new ContainerPortBuilder().withName(name).withContainerPort(number).withProtocol(protocol).build();
    }

    /** Alternating keys and values. */
    private static Map<String, String> labels(String... keysAndValues) {
        Map<String, String> labels = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            labels.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return labels;
    }
}

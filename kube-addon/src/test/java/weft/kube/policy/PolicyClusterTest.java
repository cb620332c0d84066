package weft.kube.policy;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.kube.policy.PolicyFixtures.block;
import static weft.kube.policy.PolicyFixtures.containerPort;
import static weft.kube.policy.PolicyFixtures.egressPolicy;
import static weft.kube.policy.PolicyFixtures.from;
import static weft.kube.policy.PolicyFixtures.ingressPolicy;
import static weft.kube.policy.PolicyFixtures.ip;
import static weft.kube.policy.PolicyFixtures.namespace;
import static weft.kube.policy.PolicyFixtures.namespacesWith;
import static weft.kube.policy.PolicyFixtures.pod;
import static weft.kube.policy.PolicyFixtures.podsWith;
import static weft.kube.policy.PolicyFixtures.podsWithIn;
import static weft.kube.policy.PolicyFixtures.port;
import static weft.kube.policy.PolicyFixtures.tcp;
import static weft.kube.policy.PolicyFixtures.to;
import static weft.kube.policy.PolicyFixtures.udp;
import static weft.kube.policy.PolicyPort.Protocol.SCTP;
import static weft.kube.policy.PolicyPort.Protocol.TCP;
import static weft.kube.policy.PolicyPort.Protocol.UDP;

/** What Kubernetes' semantics decide for a new connection, and the explanation given for it. */
class PolicyClusterTest {
    // addresses of the pods below, and two outside the overlay
    private static final String DB = "10.32.0.10", DB2 = "10.32.0.20", API = "10.32.0.11", WEB = "10.32.0.12",
            DEV_API = "10.32.1.11", DEV_OTHER = "10.32.1.12", MONITOR = "10.32.2.5",
            OFFICE = "192.168.2.7", GUEST_WIFI = "192.168.1.5";

    private static final List<Namespace> NAMESPACES = List.of(
            namespace("prod", Map.of("env", "prod")),
            namespace("dev", Map.of("env", "dev")),
            namespace("ops", Map.of("env", "prod", "team", "ops")));

    private static final List<Pod> PODS = List.of(
            pod("prod/db", "node-a", DB, Map.of("app", "db"), containerPort("pg", 5432, "TCP")),
            pod("prod/db2", "node-b", DB2, Map.of("app", "db"), containerPort("pg", 6543, "TCP")),
            pod("prod/api", "node-a", API, Map.of("role", "backend")),
            pod("prod/web", "node-b", WEB, Map.of("role", "frontend")),
            pod("dev/api", "node-a", DEV_API, Map.of("role", "backend")),
            pod("dev/other", "node-a", DEV_OTHER, Map.of("role", "other")),
            pod("ops/monitor", "node-b", MONITOR, Map.of("role", "monitor")));

    private static PolicyCluster cluster(NetworkPolicy... policies) {
        PolicyCluster cluster = KubePolicies.cluster(PODS, NAMESPACES, List.of(policies));
        assertEquals(List.of(), cluster.refused(), "the fixtures are valid policies");
        return cluster;
    }

    private static PolicyCluster.Verdict decide(PolicyCluster cluster, String source, String destination, PolicyPort.Protocol protocol, int port) {
        return cluster.decide(ip(source), ip(destination), protocol, port);
    }

    private static void assertAllowed(PolicyCluster cluster, String source, String destination, PolicyPort.Protocol protocol, int port) {
        PolicyCluster.Verdict verdict = decide(cluster, source, destination, protocol, port);
        assertTrue(verdict.allowed(), () -> source + " -> " + destination + " " + protocol + " " + port + " denied: " + verdict.reason());
    }

    private static void assertDenied(PolicyCluster cluster, String source, String destination, PolicyPort.Protocol protocol, int port) {
        PolicyCluster.Verdict verdict = decide(cluster, source, destination, protocol, port);
        assertFalse(verdict.allowed(), () -> source + " -> " + destination + " " + protocol + " " + port + " allowed: " + verdict.reason());
    }

    private static void assertContains(String expected, String actual) {
        assertTrue(actual.contains(expected), () -> "expected \"" + expected + "\" in: " + actual);
    }

    private static final Map<String, String> DB_PODS = Map.of("app", "db");

    @Test
    void withoutPoliciesEverythingIsAllowedAndTheReasonSaysSo() {
        PolicyCluster.Verdict verdict = decide(cluster(), WEB, DB, TCP, 5432);
        assertTrue(verdict.allowed());
        assertContains("prod/web has no egress policy", verdict.reason());
        assertContains("prod/db has no ingress policy", verdict.reason());
    }

    @Test
    void addressesOutsideTheOverlayHaveNoPolicy() {
        PolicyCluster.Verdict in = decide(cluster(), OFFICE, DB, TCP, 5432);
        assertTrue(in.allowed());
        assertContains("192.168.2.7 is not a pod on the overlay: no egress policy applies", in.reason());
        PolicyCluster.Verdict out = decide(cluster(), DB, OFFICE, TCP, 443);
        assertTrue(out.allowed());
        assertContains("192.168.2.7 is not a pod on the overlay: no ingress policy applies", out.reason());
    }

    @Test
    void defaultDenyIngressDeniesNamingThePolicy() {
        PolicyCluster cluster = cluster(ingressPolicy("prod/db-ingress", DB_PODS));
        PolicyCluster.Verdict verdict = decide(cluster, WEB, DB, TCP, 5432);
        assertFalse(verdict.allowed());
        assertContains("prod/db is selected for ingress by prod/db-ingress, which allows nothing", verdict.reason());
        assertContains("none lets prod/web connect on TCP 5432", verdict.reason());
        // only ingress is isolated: the db still connects out, and unselected pods still receive
        assertAllowed(cluster, DB, WEB, TCP, 80);
        assertAllowed(cluster, DB, API, TCP, 80);
    }

    @Test
    void aPolicySelectsOnlyPodsOfItsOwnNamespace() {
        // an empty podSelector in dev isolates every pod of dev, and none of prod
        PolicyCluster cluster = cluster(ingressPolicy("dev/deny-all", Map.of()));
        assertAllowed(cluster, WEB, API, TCP, 80);
        assertDenied(cluster, WEB, DEV_API, TCP, 80);
        assertDenied(cluster, DEV_OTHER, DEV_API, TCP, 80);
    }

    @Test
    void podSelectorPeerAdmitsThosePodsOfThePolicysNamespaceOnly() {
        PolicyCluster cluster = cluster(ingressPolicy("prod/db-ingress", DB_PODS, from(List.of(podsWith(Map.of("role", "backend"))), tcp(5432))));
        PolicyCluster.Verdict allowed = decide(cluster, API, DB, TCP, 5432);
        assertTrue(allowed.allowed());
        assertContains("prod/db's ingress is allowed by prod/db-ingress (TCP 5432 from pods with role=backend in prod)", allowed.reason());
        assertDenied(cluster, WEB, DB, TCP, 5432);
        // the same labels in another namespace: a podSelector alone means the policy's namespace
        PolicyCluster.Verdict otherNamespace = decide(cluster, DEV_API, DB, TCP, 5432);
        assertFalse(otherNamespace.allowed());
        assertContains("which allows TCP 5432 from pods with role=backend in prod", otherNamespace.reason());
        assertContains("none lets dev/api connect on TCP 5432", otherNamespace.reason());
    }

    @Test
    void namespaceSelectorPeerAdmitsEveryPodOfThoseNamespaces() {
        PolicyCluster cluster = cluster(ingressPolicy("prod/db-ingress", DB_PODS, from(List.of(namespacesWith(Map.of("env", "prod"))))));
        assertAllowed(cluster, MONITOR, DB, TCP, 5432);
        assertAllowed(cluster, WEB, DB, UDP, 9);
        PolicyCluster.Verdict denied = decide(cluster, DEV_API, DB, TCP, 5432);
        assertFalse(denied.allowed());
        assertContains("everything from every pod in namespaces with env=prod", denied.reason());
    }

    @Test
    void namespaceSelectorCanPickOneNamespaceByItsNameLabel() {
        // no namespace here carries the label in its object: KubePolicies adds it, as API servers from 1.21 do
        PolicyCluster cluster = cluster(ingressPolicy("prod/db-ingress", DB_PODS,
                from(List.of(namespacesWith(Map.of("kubernetes.io/metadata.name", "ops"))))));
        assertAllowed(cluster, MONITOR, DB, TCP, 5432);
        assertDenied(cluster, API, DB, TCP, 5432);
    }

    @Test
    void bothSelectorsInOnePeerMustBothHold() {
        PolicyCluster cluster = cluster(ingressPolicy("prod/db-ingress", DB_PODS,
                from(List.of(podsWithIn(Map.of("role", "backend"), Map.of("env", "dev"))))));
        assertAllowed(cluster, DEV_API, DB, TCP, 5432);
        assertDenied(cluster, API, DB, TCP, 5432); // a backend, but not in a dev namespace
        assertDenied(cluster, DEV_OTHER, DB, TCP, 5432); // in dev, but not a backend
        assertContains("pods with role=backend in namespaces with env=dev", decide(cluster, API, DB, TCP, 5432).reason());
    }

    @Test
    void twoPeersInOneRuleAreAlternatives() {
        PolicyCluster cluster = cluster(ingressPolicy("prod/db-ingress", DB_PODS,
                from(List.of(podsWith(Map.of("role", "backend")), namespacesWith(Map.of("env", "dev"))))));
        assertAllowed(cluster, API, DB, TCP, 5432); // the first peer
        assertAllowed(cluster, DEV_OTHER, DB, TCP, 5432); // the second
        assertAllowed(cluster, DEV_API, DB, TCP, 5432); // the second (not the first: dev/api is not in prod)
        PolicyCluster.Verdict denied = decide(cluster, WEB, DB, TCP, 5432);
        assertFalse(denied.allowed());
        assertContains("pods with role=backend in prod or every pod in namespaces with env=dev", denied.reason());
    }

    @Test
    void ipBlockAdmitsItsAddressesButNotItsExcepts() {
        PolicyCluster cluster = cluster(ingressPolicy("prod/db-ingress", DB_PODS, from(List.of(block("192.168.0.0/16", "192.168.1.0/24")), tcp(5432))));
        PolicyCluster.Verdict allowed = decide(cluster, OFFICE, DB, TCP, 5432);
        assertTrue(allowed.allowed(), allowed.reason());
        assertContains("allowed by prod/db-ingress (TCP 5432 from 192.168.0.0/16 except 192.168.1.0/24)", allowed.reason());
        PolicyCluster.Verdict excepted = decide(cluster, GUEST_WIFI, DB, TCP, 5432);
        assertFalse(excepted.allowed());
        assertContains("none lets 192.168.1.5 connect on TCP 5432", excepted.reason());
        assertDenied(cluster, API, DB, TCP, 5432); // a pod address outside the block
    }

    @Test
    void ipBlockAlsoMatchesPodAddressesInIt() {
        PolicyCluster cluster = cluster(ingressPolicy("prod/db-ingress", DB_PODS, from(List.of(block("10.32.1.0/24")))));
        assertAllowed(cluster, DEV_API, DB, TCP, 5432);
        assertDenied(cluster, API, DB, TCP, 5432);
    }

    @Test
    void namedIngressPortIsResolvedOnTheDestinationPod() {
        // the two db pods call their port "pg" with different numbers
        PolicyCluster cluster = cluster(ingressPolicy("prod/db-ingress", DB_PODS, from(List.of(), port("TCP", "pg", null))));
        PolicyCluster.Verdict allowed = decide(cluster, WEB, DB, TCP, 5432);
        assertTrue(allowed.allowed(), allowed.reason());
        assertContains("TCP port pg from anywhere", allowed.reason());
        assertDenied(cluster, WEB, DB, TCP, 6543);
        assertAllowed(cluster, WEB, DB2, TCP, 6543);
        assertDenied(cluster, WEB, DB2, TCP, 5432);
        assertDenied(cluster, WEB, DB, UDP, 5432); // the name is a TCP port's
    }

    @Test
    void namedIngressPortTheDestinationLacksAdmitsNothing() {
        PolicyCluster cluster = cluster(ingressPolicy("prod/api-ingress", Map.of("role", "backend"), from(List.of(), port("TCP", "pg", null))));
        assertDenied(cluster, WEB, API, TCP, 5432);
    }

    @Test
    void namedEgressPortIsResolvedOnThePeerPod() {
        PolicyCluster cluster = cluster(egressPolicy("prod/api-egress", Map.of("role", "backend"),
                to(List.of(podsWith(DB_PODS)), port("TCP", "pg", null))));
        PolicyCluster.Verdict allowed = decide(cluster, API, DB, TCP, 5432);
        assertTrue(allowed.allowed(), allowed.reason());
        assertContains("prod/api's egress is allowed by prod/api-egress (TCP port pg to pods with app=db in prod)", allowed.reason());
        assertAllowed(cluster, API, DB2, TCP, 6543);
        assertDenied(cluster, API, DB, TCP, 6543); // db2's number, not db's
        // not a pod: no name to resolve
        PolicyCluster.Verdict outside = decide(cluster, API, OFFICE, TCP, 5432);
        assertFalse(outside.allowed());
        assertContains("none lets 192.168.2.7 be reached on TCP 5432", outside.reason());
    }

    @Test
    void endPortAdmitsTheWholeRangeInclusive() {
        PolicyCluster cluster = cluster(ingressPolicy("prod/db-ingress", DB_PODS, from(List.of(), port("TCP", 8000, 8100))));
        assertAllowed(cluster, WEB, DB, TCP, 8000);
        assertAllowed(cluster, WEB, DB, TCP, 8050);
        assertAllowed(cluster, WEB, DB, TCP, 8100);
        assertDenied(cluster, WEB, DB, TCP, 7999);
        assertDenied(cluster, WEB, DB, TCP, 8101);
        assertContains("which allows TCP 8000-8100 from anywhere", decide(cluster, WEB, DB, TCP, 7999).reason());
    }

    @Test
    void portsAreProtocolSpecific() {
        PolicyCluster cluster = cluster(ingressPolicy("prod/db-ingress", DB_PODS, from(List.of(), udp(53))));
        assertAllowed(cluster, WEB, DB, UDP, 53);
        PolicyCluster.Verdict tcp = decide(cluster, WEB, DB, TCP, 53);
        assertFalse(tcp.allowed());
        assertContains("none lets prod/web connect on TCP 53", tcp.reason());
        assertDenied(cluster, WEB, DB, SCTP, 53);
    }

    @Test
    void protocolWithoutPortAdmitsEveryPortOfThatProtocol() {
        PolicyCluster cluster = cluster(ingressPolicy("prod/db-ingress", DB_PODS, from(List.of(), port("UDP", null, null))));
        assertAllowed(cluster, WEB, DB, UDP, 1);
        assertAllowed(cluster, WEB, DB, UDP, 65535);
        assertDenied(cluster, WEB, DB, TCP, 5432);
        assertContains("UDP (every port) from anywhere", decide(cluster, WEB, DB, TCP, 5432).reason());
    }

    @Test
    void ruleWithoutPeersOrPortsAdmitsEverything() {
        PolicyCluster cluster = cluster(ingressPolicy("prod/db-ingress", DB_PODS, from(List.of())));
        PolicyCluster.Verdict verdict = decide(cluster, GUEST_WIFI, DB, SCTP, 9);
        assertTrue(verdict.allowed());
        assertContains("(everything from anywhere)", verdict.reason());
    }

    @Test
    void egressDenyStopsTheConnectionAtItsSource() {
        PolicyCluster cluster = cluster(egressPolicy("prod/web-egress", Map.of("role", "frontend")));
        PolicyCluster.Verdict verdict = decide(cluster, WEB, DB, TCP, 5432);
        assertFalse(verdict.allowed());
        assertContains("prod/web is selected for egress by prod/web-egress, which allows nothing", verdict.reason());
        assertContains("none lets prod/db be reached on TCP 5432", verdict.reason());
        assertDenied(cluster, WEB, OFFICE, TCP, 443);
        // egress only: the web still receives
        assertAllowed(cluster, API, WEB, TCP, 80);
    }

    @Test
    void egressRulesAdmitTheirPeersAndPorts() {
        PolicyCluster cluster = cluster(egressPolicy("prod/web-egress", Map.of("role", "frontend"),
                to(List.of(podsWith(Map.of("role", "backend"))), tcp(8080)),
                to(List.of(), udp(53))));
        assertAllowed(cluster, WEB, API, TCP, 8080);
        assertAllowed(cluster, WEB, OFFICE, UDP, 53);
        assertDenied(cluster, WEB, API, TCP, 8081);
        assertDenied(cluster, WEB, DEV_API, TCP, 8080);
        PolicyCluster.Verdict verdict = decide(cluster, WEB, OFFICE, TCP, 443);
        assertContains("which allows TCP 8080 to pods with role=backend in prod, and UDP 53 to anywhere", verdict.reason());
    }

    @Test
    void bothEndsMustAllow() {
        PolicyCluster cluster = cluster(
                egressPolicy("prod/web-egress", Map.of("role", "frontend"), to(List.of(podsWith(DB_PODS)))),
                ingressPolicy("prod/db-ingress", DB_PODS, from(List.of(podsWith(Map.of("role", "backend"))))));
        PolicyCluster.Verdict verdict = decide(cluster, WEB, DB, TCP, 5432);
        assertFalse(verdict.allowed());
        assertContains("prod/db is selected for ingress by prod/db-ingress", verdict.reason());
        cluster = cluster(
                egressPolicy("prod/web-egress", Map.of("role", "frontend"), to(List.of(podsWith(DB_PODS)))),
                ingressPolicy("prod/db-ingress", DB_PODS, from(List.of(podsWith(Map.of("role", "frontend"))))));
        verdict = decide(cluster, WEB, DB, TCP, 5432);
        assertTrue(verdict.allowed(), verdict.reason());
        assertContains("prod/web's egress is allowed by prod/web-egress", verdict.reason());
        assertContains("prod/db's ingress is allowed by prod/db-ingress", verdict.reason());
    }

    @Test
    void policiesSelectingOnePodAddUp() {
        PolicyCluster cluster = cluster(
                ingressPolicy("prod/db-backend", DB_PODS, from(List.of(podsWith(Map.of("role", "backend"))), tcp(5432))),
                ingressPolicy("prod/db-metrics", DB_PODS, from(List.of(namespacesWith(Map.of("team", "ops"))), tcp(9187))));
        assertAllowed(cluster, API, DB, TCP, 5432);
        PolicyCluster.Verdict metrics = decide(cluster, MONITOR, DB, TCP, 9187);
        assertTrue(metrics.allowed());
        assertContains("allowed by prod/db-metrics", metrics.reason());
        // neither: the reason lists both policies and what each allows
        PolicyCluster.Verdict denied = decide(cluster, MONITOR, DB, TCP, 5432);
        assertFalse(denied.allowed());
        assertContains("by prod/db-backend, which allows TCP 5432 from pods with role=backend in prod; "
                + "and by prod/db-metrics, which allows TCP 9187 from every pod in namespaces with team=ops", denied.reason());
        // a deny-all next to them takes nothing away
        cluster = cluster(
                ingressPolicy("prod/db-backend", DB_PODS, from(List.of(podsWith(Map.of("role", "backend"))), tcp(5432))),
                ingressPolicy("prod/deny-all", Map.of()));
        assertAllowed(cluster, API, DB, TCP, 5432);
        assertDenied(cluster, API, WEB, TCP, 80);
    }

    @Test
    void selectedListsEachPolicysPods() {
        PolicyCluster cluster = cluster(ingressPolicy("prod/db-ingress", DB_PODS), ingressPolicy("dev/all", Map.of()));
        assertEquals(Map.of("prod/db-ingress", List.of("prod/db", "prod/db2"), "dev/all", List.of("dev/api", "dev/other")), cluster.selected());
    }
}

package weft.kube.policy;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
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
import static weft.kube.policy.PolicyFixtures.policy;
import static weft.kube.policy.PolicyFixtures.port;
import static weft.kube.policy.PolicyFixtures.tcp;
import static weft.kube.policy.PolicyFixtures.to;
import static weft.kube.policy.PolicyFixtures.udp;

/**
 * The nftables table for one node: its structure (which pods get chains, one line per rule, shared sets, resolved
 * named ports) and, as root, that the kernel takes it, even large and when it replaces itself.
 */
class NftRulesetTest {
    private static final String NODE = "node-a";
    private static final Map<String, String> DB_PODS = Map.of("app", "db"), BACKEND = Map.of("role", "backend");

    private static final List<Namespace> NAMESPACES = List.of(namespace("prod", Map.of("env", "prod")), namespace("dev", Map.of("env", "dev")));

    private static final List<Pod> PODS = List.of(
            pod("prod/db", NODE, "10.32.0.10", DB_PODS, containerPort("pg", 5432, "TCP")),
            pod("prod/db2", NODE, "10.32.0.20", DB_PODS, containerPort("pg", 6543, "TCP")),
            pod("prod/api", NODE, "10.32.0.11", BACKEND),
            pod("prod/api2", "node-b", "10.32.1.11", BACKEND),
            pod("prod/web", "node-b", "10.32.1.12", Map.of("role", "frontend")),
            pod("dev/api", "node-b", "10.32.1.13", BACKEND));

    private static NftRuleset.Compiled compile(NetworkPolicy... policies) {
        PolicyCluster cluster = KubePolicies.cluster(PODS, NAMESPACES, List.of(policies));
        assertEquals(List.of(), cluster.refused(), "the fixtures are valid policies");
        return NftRuleset.compile(cluster, NODE);
    }

    /** The name of the chain of {@code pod} for ingress ({@code "in"}) or egress ({@code "out"}), from the counters. */
    private static String chainName(NftRuleset.Compiled compiled, String pod, String direction) {
        List<String> names = compiled.chains().entrySet().stream()
                .filter(e -> e.getValue().pods().contains(pod) && e.getKey().startsWith(direction + "-")).map(Map.Entry::getKey).toList();
        assertEquals(1, names.size(), () -> "one " + direction + " chain of " + pod + " in " + compiled.chains());
        return names.getFirst();
    }

    /** The lines of a chain, stripped, without its braces. */
    private static List<String> chain(NftRuleset.Compiled compiled, String name) {
        List<String> lines = compiled.text().lines().toList();
        int start = lines.indexOf("  chain " + name + " {");
        assertTrue(start >= 0, () -> "no chain " + name + " in:\n" + compiled.text());
        int end = lines.subList(start, lines.size()).indexOf("  }") + start;
        return lines.subList(start + 1, end).stream().map(String::strip).toList();
    }

    /**
     * The lines of the chain that end in {@code return}: one per rule that can match. The shared port sets are
     * written out in place ({@code @ports-0} reads as its elements), so that each line says what it allows.
     */
    private static List<String> returns(NftRuleset.Compiled compiled, String name) {
        Map<String, String> ports = new java.util.HashMap<>();
        java.util.regex.Matcher set = java.util.regex.Pattern.compile("set (ports-\\d+) \\{ type inet_proto \\. inet_service; flags interval; elements = (\\{ [^}]* })")
                .matcher(compiled.text());
        while (set.find()) ports.put("@" + set.group(1) + " ", set.group(2) + " ");
        return chain(compiled, name).stream().filter(l -> l.endsWith("return")).map(line -> {
            String written = line;
            for (Map.Entry<String, String> port : ports.entrySet()) written = written.replace(port.getKey(), port.getValue());
            return written;
        }).toList();
    }

    /** The address sets (the port sets are written out by {@link #returns}). */
    private static List<String> sets(NftRuleset.Compiled compiled) {
        return compiled.text().lines().filter(l -> l.startsWith("  set peers-")).map(String::strip).toList();
    }

    private static void assertContains(String expected, String actual) {
        assertTrue(actual.contains(expected), () -> "expected \"" + expected + "\" in:\n" + actual);
    }

    // --- structure

    @Test
    void textReplacesTheWholeTableInOneTransaction() {
        // add then delete: deleting fails when the table is absent, adding succeeds when it is present
        String text = compile().text();
        assertTrue(text.startsWith("add table ip weft-policy\ndelete table ip weft-policy\ntable ip weft-policy {\n"), text);
        assertEquals("add table ip weft-policy\ndelete table ip weft-policy\n", NftRuleset.removal());
    }

    @Test
    void withoutPoliciesTheTableHasOnlyTheForwardChainAndEmptyMaps() {
        NftRuleset.Compiled compiled = compile();
        assertEquals(Map.of(), compiled.chains());
        assertContains("  map ingress { type ipv4_addr : verdict; }\n", compiled.text());
        assertContains("  map egress { type ipv4_addr : verdict; }\n", compiled.text());
        assertContains("    type filter hook forward priority filter; policy accept;\n"
                + "    ct state established,related accept\n"
                + "    ip saddr vmap @egress\n"
                + "    ip daddr vmap @ingress\n", compiled.text());
        assertFalse(compiled.text().contains("  chain in-"));
    }

    @Test
    void podOnAnotherNodeGetsNoChain() {
        // prod/web runs on node-b: node-b's table enforces its ingress
        NftRuleset.Compiled compiled = compile(ingressPolicy("prod/web-ingress", Map.of("role", "frontend")));
        assertEquals(Map.of(), compiled.chains());
        assertFalse(compiled.text().contains("10.32.1.12"));
        assertFalse(compiled.text().contains("chain in-"));
    }

    @Test
    void unisolatedLocalPodGetsNoMapElement() {
        // a packet of prod/api must cost two failed lookups, not a chain
        NftRuleset.Compiled compiled = compile(ingressPolicy("prod/db-ingress", DB_PODS));
        assertFalse(compiled.text().contains("10.32.0.11"), compiled.text());
        // both read the same: one chain, which both jump to
        assertEquals(Map.of("in-0", new NftRuleset.Chain(true, List.of("prod/db-ingress"), List.of("prod/db", "prod/db2"))), compiled.chains());
    }

    @Test
    void isolatedPodGetsAChainWithOneReturnPerRuleThenLogAndCounter() {
        NftRuleset.Compiled compiled = compile(ingressPolicy("prod/db-ingress", DB_PODS,
                from(List.of(podsWith(BACKEND)), tcp(5432)),
                from(List.of(block("192.168.0.0/16", "192.168.1.0/24")))));
        String name = chainName(compiled, "prod/db", "in");
        assertEquals(List.of(
                "# ingress of pods that prod/db-ingress isolate",
                "ip saddr @peers-0 meta l4proto . th dport @ports-0 return",
                "ip saddr @peers-1 return",
                "limit rate 10/second burst 20 packets log group 86 prefix \"weft-policy-in \"",
                "counter name \"" + name + "\" drop"), chain(compiled, name));
        assertContains("  counter " + name + " { }\n", compiled.text());
        assertContains("  set ports-0 { type inet_proto . inet_service; flags interval; elements = { tcp . 5432 } }\n", compiled.text());
        assertContains("10.32.0.10 : jump " + name, compiled.text());
        // the backends: prod/api and prod/api2 (on another node, still a peer), not dev/api
        assertEquals(List.of(
                "set peers-0 { type ipv4_addr; flags interval; elements = { 10.32.0.11, 10.32.1.11 } }",
                "set peers-1 { type ipv4_addr; flags interval; elements = { 192.168.0.0-192.168.0.255, 192.168.2.0-192.168.255.255 } }"),
                sets(compiled));
    }

    @Test
    void egressChainMatchesDestinationsAndLogsAsEgress() {
        NftRuleset.Compiled compiled = compile(egressPolicy("prod/api-egress", BACKEND,
                to(List.of(podsWith(DB_PODS)), tcp(5432)), to(List.of(), udp(53))));
        String name = chainName(compiled, "prod/api", "out");
        assertEquals(List.of(
                "# egress of pods that prod/api-egress isolate",
                "ip daddr @peers-0 meta l4proto . th dport @ports-0 return",
                "meta l4proto . th dport @ports-1 return",
                "limit rate 10/second burst 20 packets log group 86 prefix \"weft-policy-out \"",
                "counter name \"" + name + "\" drop"), chain(compiled, name));
        assertContains("map egress { type ipv4_addr : verdict; elements = { 10.32.0.11 : jump " + name + " } }", compiled.text());
        assertContains("  map ingress { type ipv4_addr : verdict; }\n", compiled.text());
        assertEquals(List.of("set peers-0 { type ipv4_addr; flags interval; elements = { 10.32.0.10, 10.32.0.20 } }"), sets(compiled));
    }

    @Test
    void ruleWithoutPeersOrPortsIsABareReturn() {
        NftRuleset.Compiled compiled = compile(ingressPolicy("prod/db-open", DB_PODS, from(List.of())));
        assertEquals(List.of("return"), returns(compiled, chainName(compiled, "prod/db", "in")));
    }

    @Test
    void portRangesAndWholeProtocolsBecomeIntervals() {
        NftRuleset.Compiled compiled = compile(ingressPolicy("prod/db-ingress", DB_PODS,
                from(List.of(), port("TCP", 8000, 8100), port("UDP", null, null), port("SCTP", 7, null))));
        assertEquals(List.of("meta l4proto . th dport { tcp . 8000-8100, udp . 0-65535, sctp . 7 } return"),
                returns(compiled, chainName(compiled, "prod/db", "in")));
    }

    @Test
    void everyPolicyOfThePodAddsItsRulesToTheOneChain() {
        NftRuleset.Compiled compiled = compile(
                ingressPolicy("prod/db-backend", DB_PODS, from(List.of(podsWith(BACKEND)), tcp(5432))),
                ingressPolicy("prod/deny-all", Map.of()),
                ingressPolicy("prod/db-web", DB_PODS, from(List.of(podsWith(Map.of("role", "frontend"))), tcp(5432))));
        String name = chainName(compiled, "prod/db", "in");
        assertEquals("# ingress of pods that prod/db-backend, prod/db-web, prod/deny-all isolate", chain(compiled, name).getFirst()); // by id
        assertEquals(2, returns(compiled, name).size());
    }

    @Test
    void rulesWithTheSamePeersShareOneSet() {
        // two policies, two rules each naming the backends (once as two peers that add up to the same pods), and two pods
        NftRuleset.Compiled compiled = compile(
                ingressPolicy("prod/db-pg", DB_PODS, from(List.of(podsWith(BACKEND)), tcp(5432))),
                ingressPolicy("prod/db-metrics", DB_PODS, from(List.of(podsWithIn(BACKEND, Map.of("env", "prod"))), tcp(9187)),
                        from(List.of(block("10.32.0.11"), podsWith(BACKEND)), tcp(22))));
        assertEquals(1, sets(compiled).size(), () -> String.join("\n", sets(compiled)));
        for (String pod : List.of("prod/db", "prod/db2")) {
            List<String> returns = returns(compiled, chainName(compiled, pod, "in"));
            assertEquals(3, returns.size());
            assertTrue(returns.stream().allMatch(l -> l.startsWith("ip saddr @peers-0 ")), returns::toString);
        }
    }

    @Test
    void differentPeersGetDifferentSets() {
        NftRuleset.Compiled compiled = compile(ingressPolicy("prod/db-ingress", DB_PODS,
                from(List.of(podsWith(BACKEND)), tcp(5432)),
                from(List.of(namespacesWith(Map.of("env", "dev"))), tcp(5432))));
        assertEquals(List.of(
                "set peers-0 { type ipv4_addr; flags interval; elements = { 10.32.0.11, 10.32.1.11 } }",
                "set peers-1 { type ipv4_addr; flags interval; elements = { 10.32.1.13 } }"), sets(compiled));
    }

    @Test
    void ruleWhosePeersSelectNothingHasNoLine() {
        NftRuleset.Compiled compiled = compile(ingressPolicy("prod/db-ingress", DB_PODS,
                from(List.of(podsWith(Map.of("role", "nobody"))), tcp(5432)),
                from(List.of(namespacesWith(Map.of("env", "nowhere")))),
                from(List.of(block("fd00::/8")))));
        String name = chainName(compiled, "prod/db", "in");
        assertEquals(List.of(), returns(compiled, name));
        assertEquals(List.of(), sets(compiled));
        // still isolated: everything is dropped and counted
        assertContains("counter name \"" + name + "\" drop", String.join("\n", chain(compiled, name)));
    }

    @Test
    void namedIngressPortIsResolvedToEachPodsNumber() {
        NftRuleset.Compiled compiled = compile(ingressPolicy("prod/db-ingress", DB_PODS,
                from(List.of(podsWith(BACKEND)), port("TCP", "pg", null), tcp(22))));
        assertEquals(List.of("ip saddr @peers-0 meta l4proto . th dport { tcp . 22, tcp . 5432 } return"),
                returns(compiled, chainName(compiled, "prod/db", "in")));
        assertEquals(List.of("ip saddr @peers-0 meta l4proto . th dport { tcp . 22, tcp . 6543 } return"),
                returns(compiled, chainName(compiled, "prod/db2", "in")));
    }

    @Test
    void namedIngressPortThePodLacksLeavesNoLine() {
        NftRuleset.Compiled compiled = compile(ingressPolicy("prod/api-ingress", BACKEND, from(List.of(), port("TCP", "pg", null)),
                from(List.of(), port("UDP", "pg", null))));
        assertEquals(List.of(), returns(compiled, chainName(compiled, "prod/api", "in")));
    }

    @Test
    void namedEgressPortListsEachPeerPodsAddressAndNumber() {
        NftRuleset.Compiled compiled = compile(egressPolicy("prod/api-egress", BACKEND, to(List.of(podsWith(DB_PODS)), port("TCP", "pg", null))));
        assertEquals(List.of("ip daddr . meta l4proto . th dport { 10.32.0.10 . tcp . 5432, 10.32.0.20 . tcp . 6543 } return"),
                returns(compiled, chainName(compiled, "prod/api", "out")));
    }

    @Test
    void namedEgressPortWithoutPeersListsEveryPodThatHasTheName() {
        NftRuleset.Compiled compiled = compile(egressPolicy("prod/api-egress", BACKEND, to(List.of(), port("TCP", "pg", null), udp(53))));
        assertEquals(List.of(
                "meta l4proto . th dport { udp . 53 } return",
                "ip daddr . meta l4proto . th dport { 10.32.0.10 . tcp . 5432, 10.32.0.20 . tcp . 6543 } return"),
                returns(compiled, chainName(compiled, "prod/api", "out")));
    }

    @Test
    void podIsolatedBothWaysGetsTwoChainsAndTwoCounters() {
        NftRuleset.Compiled compiled = compile(policy("prod/db-both", DB_PODS, List.of(), List.of(), "Ingress", "Egress"));
        assertEquals(Map.of("in-0", new NftRuleset.Chain(true, List.of("prod/db-both"), List.of("prod/db", "prod/db2")),
                "out-1", new NftRuleset.Chain(false, List.of("prod/db-both"), List.of("prod/db", "prod/db2"))), compiled.chains());
        for (String counter : compiled.chains().keySet()) assertContains("  counter " + counter + " { }\n", compiled.text());
    }

    @Test
    void secondPodWithTheSameAddressOnTheNodeIsLeftOutAndTheKeptOneIsTheOneDecideSees() {
        // one leaving and one arriving with the address: a verdict map holds one element per key
        List<Pod> pods = List.of(
                pod("prod/old", NODE, "10.32.0.50", DB_PODS),
                pod("prod/new", NODE, "10.32.0.50", DB_PODS));
        PolicyCluster cluster = KubePolicies.cluster(pods, NAMESPACES, List.of(ingressPolicy("prod/db-ingress", DB_PODS)));
        NftRuleset.Compiled compiled = NftRuleset.compile(cluster, NODE);
        assertEquals(1, compiled.chains().size(), compiled.chains()::toString);
        assertEquals(1, compiled.text().split("10\\.32\\.0\\.50 : jump", -1).length - 1);
        // weft policy why must explain what the kernel does
        assertEquals(List.of(cluster.podAt(ip("10.32.0.50")).orElseThrow().id()), compiled.chains().get("in-0").pods());
    }

    @Test
    void textDependsOnTheClusterNotOnTheOrderObjectsAreListedIn() {
        // the informers' stores have no order: a table rewritten for nothing would reset every counter
        List<NetworkPolicy> policies = List.of(
                ingressPolicy("prod/db-backend", DB_PODS, from(List.of(podsWith(BACKEND)), tcp(5432))),
                ingressPolicy("prod/deny-all", Map.of()),
                egressPolicy("prod/api-egress", BACKEND, to(List.of(podsWith(DB_PODS)), port("TCP", "pg", null)), to(List.of(namespacesWith(Map.of("env", "dev"))))));
        String text = NftRuleset.compile(KubePolicies.cluster(PODS, NAMESPACES, policies), NODE).text();
        String reversed = NftRuleset.compile(KubePolicies.cluster(PODS.reversed(), NAMESPACES.reversed(), policies.reversed()), NODE).text();
        assertEquals(text, reversed);
    }

    // --- the kernel takes it (root only: a throwaway network namespace per test)

    private static final AtomicInteger NAMESPACE_SEQUENCE = new AtomicInteger();

    private record Run(int exit, String output) {
    }

    private static Run run(String stdin, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (OutputStream in = process.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        return new Run(process.exitValue(), output);
    }

    /** Root, with nft and ip present: otherwise the kernel tests are skipped, not failed. */
    private static void assumeKernel() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for a network namespace");
        try {
            assumeTrue(run(null, "nft", "--version").exit() == 0, "nft runs");
            assumeTrue(run(null, "ip", "-V").exit() == 0, "ip runs");
        } catch (IOException e) {
            assumeTrue(false, "nft and ip installed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void aPolicyNameALaxServerLetThroughCannotBreakTheTablesText() throws Exception {
        // the API's names are DNS labels; an older or laxer server's might hold a newline or a quote, which in the
        // chain's comment would end it and make nft refuse every node's table
        NetworkPolicy odd = ingressPolicy("prod/db-ingress", DB_PODS, from(List.of(podsWith(BACKEND)), tcp(5432)));
        odd.getMetadata().setName("db\"ingress\n}");
        NftRuleset.Compiled compiled = compile(odd);
        assertContains("# ingress of pods that prod/db?ingress?? isolate", compiled.text());
        inThrowawayNamespace(namespace -> apply(namespace, compiled.text()));
    }

    private interface InNamespace {
        void run(String namespace) throws Exception;
    }

    private static void inThrowawayNamespace(InNamespace test) throws Exception {
        assumeKernel();
        String namespace = "weft-nft-test-" + ProcessHandle.current().pid() + "-" + NAMESPACE_SEQUENCE.incrementAndGet();
        Run add = run(null, "ip", "netns", "add", namespace);
        assertEquals(0, add.exit(), add.output());
        try {
            test.run(namespace);
        } finally {
            Run delete = run(null, "ip", "netns", "del", namespace);
            assertEquals(0, delete.exit(), delete.output());
        }
    }

    private static void apply(String namespace, String text) throws IOException, InterruptedException {
        Run run = run(text, "ip", "netns", "exec", namespace, "nft", "-f", "-");
        assertEquals(0, run.exit(), () -> "nft refused it: " + run.output() + "\n--- text:\n" + text);
    }

    private static String listTable(String namespace) throws IOException, InterruptedException {
        Run run = run(null, "ip", "netns", "exec", namespace, "nft", "list", "table", "ip", NftRuleset.TABLE);
        assertEquals(0, run.exit(), run.output());
        return run.output();
    }

    private static long count(String text, String what) {
        return text.lines().filter(l -> l.strip().startsWith(what)).count();
    }

    @Test
    void kernelTakesTheEmptyTableAndItsRemovalEvenTwice() throws Exception {
        inThrowawayNamespace(namespace -> {
            apply(namespace, NftRuleset.removal()); // nothing to remove yet
            apply(namespace, compile().text());
            apply(namespace, compile().text());
            apply(namespace, NftRuleset.removal());
            Run list = run(null, "ip", "netns", "exec", namespace, "nft", "list", "tables");
            assertEquals("", list.output().strip());
        });
    }

    @Test
    void kernelTakesEveryKindOfRule() throws Exception {
        NftRuleset.Compiled compiled = compile(
                ingressPolicy("prod/db-ingress", DB_PODS,
                        from(List.of(podsWith(BACKEND), block("192.168.0.0/16", "192.168.1.0/24", "192.168.3.7")),
                                port("TCP", "pg", null), tcp(22), port("TCP", 8000, 8100), port("UDP", null, null), port("SCTP", 9, null)),
                        from(List.of(namespacesWith(Map.of("env", "dev")))),
                        from(List.of(), tcp(80), port("TCP", 1, 65535)), // overlapping intervals in one anonymous set
                        from(List.of(block("0.0.0.0/0", "10.0.0.0/8"))),
                        from(List.of())),
                policy("prod/api-both", BACKEND, List.of(from(List.of(podsWith(Map.of("role", "frontend"))))),
                        List.of(to(List.of(podsWith(DB_PODS)), port("TCP", "pg", null), tcp(5432)), to(List.of(), udp(53), tcp(53)),
                                to(List.of(podsWith(Map.of("role", "nobody")))),
                                to(List.of(block("0.0.0.0/0")), tcp(443)), // the whole address space as one interval
                                to(List.of(block("255.255.255.255"), block("0.0.0.0/32")), tcp(9))), // its two ends
                        "Ingress", "Egress"));
        inThrowawayNamespace(namespace -> {
            apply(namespace, compiled.text());
            String listed = listTable(namespace);
            assertEquals(compiled.chains().size(), count(listed, "chain in-") + count(listed, "chain out-"), listed);
            assertEquals(compiled.chains().size(), count(listed, "counter in-") + count(listed, "counter out-"), listed);
        });
    }

    @Test
    void kernelTakesALargeClusterAndItsReplacementAtomically() throws Exception {
        applyLargeClusterTwiceThenAnotherNodes(largeCluster(true));
    }

    @Test
    void kernelTakesALargeClusterWithOverlappingPortsInARule() throws Exception {
        applyLargeClusterTwiceThenAnotherNodes(largeCluster(false));
    }

    @Test
    void kernelTakesOverlappingPortsOfOneRule() throws Exception {
        NftRuleset.Compiled compiled = compile(
                ingressPolicy("prod/db-ingress", DB_PODS,
                        from(List.of(), port("UDP", null, null), udp(53)),
                        from(List.of(podsWith(BACKEND)), port("TCP", 8000, 8100), tcp(8080)),
                        from(List.of(), port("TCP", 80, 90), port("TCP", 85, 95)),
                        from(List.of(), port("TCP", 5000, 6000), port("TCP", "pg", null))));
        inThrowawayNamespace(namespace -> apply(namespace, compiled.text()));
    }

    private static void applyLargeClusterTwiceThenAnotherNodes(PolicyCluster cluster) throws Exception {
        assertEquals(List.of(), cluster.refused());
        NftRuleset.Compiled nodeA = NftRuleset.compile(cluster, "node-0");
        NftRuleset.Compiled nodeB = NftRuleset.compile(cluster, "node-1");
        // the generated cluster must exercise the compiler, not produce an empty table
        assertTrue(nodeA.chains().size() > 50, () -> "chains: " + nodeA.chains().size()); // pods that read alike share one
        assertTrue(sets(nodeA).size() > 10, () -> "sets: " + sets(nodeA).size());
        assertTrue(nodeA.text().contains("ip daddr . meta l4proto . th dport {"), "named egress ports");
        inThrowawayNamespace(namespace -> {
            apply(namespace, nodeA.text());
            apply(namespace, nodeA.text()); // replaces itself: the add/delete prefix makes it one transaction
            String listed = listTable(namespace);
            assertEquals(nodeA.chains().size(), count(listed, "chain in-") + count(listed, "chain out-"));
            apply(namespace, nodeB.text()); // another content: nothing of node-0's may stay
            listed = listTable(namespace);
            assertEquals(nodeB.chains().size(), count(listed, "chain in-") + count(listed, "chain out-"));
            for (String chain : nodeA.chains().keySet()) {
                if (!nodeB.chains().containsKey(chain)) assertFalse(listed.contains("chain " + chain + " {"), chain);
            }
        });
    }

    /**
     * 300 pods in three namespaces on three nodes, 60 policies mixing every kind of peer and port; seeded, so a
     * failure reproduces. With {@code disjointPorts}, the port entries of one rule cannot overlap (each draws from its
     * own band, no protocol-wide UDP entry), which steers clear of the overlap bug above so that size and replacement
     * are still proven.
     */
    private static PolicyCluster largeCluster(boolean disjointPorts) {
        Random random = new Random(86);
        List<String> namespaces = List.of("prod", "dev", "ops");
        List<Namespace> namespaceObjects = List.of(namespace("prod", Map.of("env", "prod")), namespace("dev", Map.of("env", "dev")),
                namespace("ops", Map.of("env", "prod", "team", "ops")));
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            pods.add(pod(namespaces.get(i % 3) + "/pod-" + i, "node-" + (i / 7 % 3), "10.32." + (i / 250) + "." + (i % 250 + 1),
                    Map.of("app", "app-" + (i % 10), "tier", "tier-" + (i % 4)),
                    containerPort("http", 8000 + i % 50, "TCP"), containerPort("dns", 53, "UDP"), containerPort("metrics", 9100 + i % 7, null)));
        }
        List<NetworkPolicy> policies = new ArrayList<>();
        for (int k = 0; k < 60; k++) {
            List<NetworkPolicyIngressRule> ingress = new ArrayList<>();
            List<NetworkPolicyEgressRule> egress = new ArrayList<>();
            for (int r = random.nextInt(4); r > 0; r--) ingress.add(from(peers(random), ports(random, disjointPorts)));
            for (int r = random.nextInt(3); r > 0; r--) egress.add(to(peers(random), ports(random, disjointPorts)));
            String[] types = switch (k % 4) {
                case 0 -> new String[0];
                case 1 -> new String[]{"Ingress"};
                case 2 -> new String[]{"Egress"};
                default -> new String[]{"Ingress", "Egress"};
            };
            Map<String, String> selects = k % 7 == 0 ? Map.of() : Map.of("app", "app-" + random.nextInt(10));
            policies.add(policy(namespaces.get(k % 3) + "/policy-" + k, selects, ingress, egress, types));
        }
        return KubePolicies.cluster(pods, namespaceObjects, policies);
    }

    private static List<NetworkPolicyPeer> peers(Random random) {
        List<NetworkPolicyPeer> peers = new ArrayList<>();
        for (int p = random.nextInt(3); p > 0; p--) {
            peers.add(switch (random.nextInt(5)) {
                case 0 -> podsWith(Map.of("app", "app-" + random.nextInt(10)));
                case 1 -> namespacesWith(Map.of("env", random.nextBoolean() ? "prod" : "dev"));
                case 2 -> podsWithIn(Map.of("tier", "tier-" + random.nextInt(4)), Map.of("team", "ops"));
                case 3 -> block("10.32.0.0/16", "10.32." + random.nextInt(2) + "." + random.nextInt(256) + "/" + (24 + random.nextInt(9)));
                default -> block(random.nextInt(224) + ".0.0.0/8");
            });
        }
        return peers;
    }

    private static NetworkPolicyPort[] ports(Random random, boolean disjoint) {
        List<NetworkPolicyPort> ports = new ArrayList<>();
        for (int p = random.nextInt(4); p > 0; p--) {
            // disjoint: entry p draws from 10000 + 15000p .. +10500, above the named ports (53, 8000-8049, 9100-9106)
            int first = disjoint ? 10000 + 15000 * p + random.nextInt(10000) : 1 + random.nextInt(60000);
            ports.add(switch (random.nextInt(6)) {
                case 0 -> tcp(first);
                case 1 -> udp(first);
                case 2 -> port("TCP", first, first + random.nextInt(500));
                case 3 -> port("TCP", random.nextBoolean() ? "http" : "metrics", null);
                case 4 -> port("UDP", "dns", null);
                default -> port(disjoint || random.nextBoolean() ? "SCTP" : "UDP", null, null);
            });
        }
        return ports.toArray(NetworkPolicyPort[]::new);
    }
}

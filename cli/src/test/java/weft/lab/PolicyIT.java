package weft.lab;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kubernetes NetworkPolicy enforced for real: two lab hosts, each a Node running {@code weft router --kube} against
 * fabric8's mock API server (CRUD mode, in this JVM, reached through an {@link TcpRelay}); nine pods in three
 * labelled namespaces spread over both hosts, each serving TCP and UDP on ports 80 and 81 (named ports
 * {@code serve-80-tcp} and so on). For each scenario the test writes the policies to the API server, computes the
 * expected reachability of every pod to every pod on both ports and protocols with its own {@link PolicyOracle}, and
 * probes it with new connections until what it sees matches (the change has to reach both hosts' nftables) or 20 s
 * pass. The scenarios cover each construct of networking.k8s.io/v1 and the examples of Kubernetes' documentation;
 * also an open connection that a new deny leaves alone (conntrack), a policy that cannot be read (refused, the others
 * enforced), {@code weft policy why}, drops explained through NFLOG in {@code weft status policy}, and a router
 * restart that opens no window.
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PolicyIT {
    private static final Duration CONVERGE = Duration.ofSeconds(20);
    private static final int API_PORT = 16443;
    private static final List<String> NAMESPACES = List.of("x", "y", "z"), PODS = List.of("a", "b", "c");
    private static final List<Integer> PORTS = List.of(80, 81);
    private static final List<String> PROTOCOLS = List.of("tcp", "udp");

    private static final String DENY_X = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: default-deny-ingress, namespace: x}
            spec:
              podSelector: {}
              policyTypes: [Ingress]
            """;

    private static Lab lab;
    private static KubernetesMockServer api;
    private static TcpRelay relay;
    private static KubernetesClient client;
    private static Path probe;
    private static final Map<Integer, Process> routers = new HashMap<>();
    /** "x/a" → the pod's namespace in the lab. */
    private static final Map<String, String> netns = new LinkedHashMap<>();
    private static final Map<String, Pod> pods = new LinkedHashMap<>();
    private static final List<Namespace> namespaces = new ArrayList<>();

    @BeforeAll
    static void launch() throws IOException, URISyntaxException {
        probe = Path.of(PolicyIT.class.getResource("/policy-probe.py").toURI());
        lab = Lab.create(2);
        api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        api.init();
        client = api.createClient();
        Host first = lab.host(1);
        relay = TcpRelay.outOf(first.netns(), new InetSocketAddress(first.underlayAddress(), API_PORT), api.getPort());
        Path kubeconfig = Files.writeString(lab.dir().resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: lab, cluster: {server: "http://%s:%d"}}]
                users: [{name: lab, user: {token: lab}}]
                contexts: [{name: lab, context: {cluster: lab, user: lab, namespace: kube-system}}]
                current-context: lab
                """.formatted(first.underlayAddress(), API_PORT));
        for (Host host : lab.hosts()) {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName("h" + host.index()).endMetadata()
                    .withNewStatus().addNewAddress().withType("InternalIP").withAddress(host.underlayAddress()).endAddress().endStatus()
                    .build()).create();
        }
        for (Host host : lab.hosts()) {
            routers.put(host.index(), startRouter(host, kubeconfig));
        }
        for (Host host : lab.hosts()) {
            assertTrue(Poll.until(() -> lab.weft(host, "status", "policy").stdout().contains("NetworkPolicy: enforcing"), Duration.ofSeconds(90)),
                    () -> "host " + host.index() + "'s router did not enforce policies: " + lab.weft(host, "status", "policy").describe());
        }
        for (String namespace : NAMESPACES) {
            Namespace object = new NamespaceBuilder().withNewMetadata().withName(namespace).addToLabels("ns", namespace).endMetadata().build();
            namespaces.add(client.namespaces().resource(object).create());
        }
        int index = 0;
        for (String namespace : NAMESPACES) {
            for (String name : PODS) {
                Host host = lab.host(index++ % 2 + 1);
                String id = namespace + "/" + name;
                String container = lab.container(host, namespace + name);
                String address = Lab.firstAddress(lab.weft(host, "attach", "netns:" + container).orThrow().stdout());
                netns.put(id, container);
                lab.spawn(container, "python3", probe.toString(), "serve", "80", "81");
                Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).addToLabels("pod", name).endMetadata()
                        .withNewSpec().withNodeName("h" + host.index()).addNewContainer().withName("serve").withImage("lab")
                        .addNewPort().withName("serve-80-tcp").withContainerPort(80).withProtocol("TCP").endPort()
                        .addNewPort().withName("serve-80-udp").withContainerPort(80).withProtocol("UDP").endPort()
                        .addNewPort().withName("serve-81-tcp").withContainerPort(81).withProtocol("TCP").endPort()
                        .addNewPort().withName("serve-81-udp").withContainerPort(81).withProtocol("UDP").endPort()
                        .endContainer().endSpec().withNewStatus().withPhase("Running").withPodIP(address).endStatus().build();
                client.pods().inNamespace(namespace).resource(pod).create();
                pods.put(id, client.pods().inNamespace(namespace).withName(name).get());
                assertEquals(address, pods.get(id).getStatus().getPodIP(), "the mock API server kept the pod's status");
            }
        }
    }

    private static Process startRouter(Host host, Path kubeconfig) {
        return lab.spawn(host.netns(), "env", "KUBECONFIG=" + kubeconfig, "WEFT_DATA_DIR=" + host.dataDir(),
                "JAVA_HOME=" + System.getProperty("java.home"), Lab.weftHome().resolve("weft").toString(), "router", "--kube",
                "--node-name", "h" + host.index());
    }

    @AfterAll
    static void tearDown() throws IOException {
        if (client != null) client.close();
        if (relay != null) relay.close();
        if (api != null) api.destroy();
        if (lab != null) lab.close();
    }

    /** Replaces every policy in the cluster with {@code yamls} (each one NetworkPolicy). */
    private static List<NetworkPolicy> apply(String... yamls) {
        client.network().v1().networkPolicies().inAnyNamespace().list().getItems()
                .forEach(p -> client.network().v1().networkPolicies().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).delete());
        List<NetworkPolicy> policies = new ArrayList<>();
        for (String yaml : yamls) {
            NetworkPolicy policy = client.getKubernetesSerialization().unmarshal(yaml, NetworkPolicy.class);
            policies.add(client.network().v1().networkPolicies().inNamespace(policy.getMetadata().getNamespace()).resource(policy).create());
        }
        return policies;
    }

    /** "x/a -> y/b 80/tcp" → whether the oracle lets that new connection through. */
    private static Map<String, Boolean> expected(List<NetworkPolicy> policies) {
        Map<String, Boolean> matrix = new TreeMap<>();
        for (String from : pods.keySet()) {
            for (String to : pods.keySet()) {
                if (from.equals(to)) continue;
                for (int port : PORTS) {
                    for (String protocol : PROTOCOLS) {
                        matrix.put(from + " -> " + to + " " + port + "/" + protocol, PolicyOracle.allowed(namespaces, List.copyOf(pods.values()),
                                policies, pods.get(from), pods.get(to), protocol.toUpperCase(java.util.Locale.ROOT), port));
                    }
                }
            }
        }
        return matrix;
    }

    /** The same matrix as seen: one new connection per cell, each source pod probing all its targets at once. */
    private static Map<String, Boolean> probed() throws Exception {
        Map<String, Boolean> matrix = new TreeMap<>();
        try (ExecutorService sources = Executors.newFixedThreadPool(pods.size())) {
            Map<String, Future<ExecResult>> runs = new LinkedHashMap<>();
            for (String from : pods.keySet()) {
                List<String> targets = new ArrayList<>();
                for (String to : pods.keySet()) {
                    if (from.equals(to)) continue;
                    for (int port : PORTS) for (String protocol : PROTOCOLS) targets.add(address(to) + ":" + port + "/" + protocol);
                }
                runs.put(from, sources.submit(() -> connections(from, targets)));
            }
            Map<String, String> byAddress = new HashMap<>();
            pods.forEach((id, pod) -> byAddress.put(pod.getStatus().getPodIP(), id));
            for (var run : runs.entrySet()) {
                for (String line : run.getValue().get().orThrow().stdout().lines().toList()) {
                    String[] fields = line.split(" "); // ADDRESS:PORT/PROTO yes|no
                    String target = fields[0];
                    String to = byAddress.get(target.substring(0, target.indexOf(':')));
                    matrix.put(run.getKey() + " -> " + to + " " + target.substring(target.indexOf(':') + 1), fields[1].equals("yes"));
                }
            }
        }
        return matrix;
    }

    private static String address(String pod) {
        return pods.get(pod).getStatus().getPodIP();
    }

    /** Applies the policies and waits until every cell of the probed matrix is what the oracle says. */
    private static void enforced(String... yamls) throws Exception {
        enforced(List.of(yamls), List.of());
    }

    /** As {@link #enforced(String...)}, with policies the routers must refuse, which the oracle does not see. */
    private static void enforced(List<String> valid, List<String> invalid) throws Exception {
        List<String> all = new ArrayList<>(valid);
        all.addAll(invalid);
        List<NetworkPolicy> applied = apply(all.toArray(String[]::new));
        Map<String, Boolean> expected = expected(applied.subList(0, valid.size()));
        Map<String, Boolean> seen = Poll.until(PolicyIT::probed, expected::equals, CONVERGE);
        List<String> wrong = new ArrayList<>();
        expected.forEach((cell, allowed) -> {
            if (!allowed.equals(seen.get(cell))) wrong.add(cell + ": expected " + (allowed ? "open" : "blocked") + ", saw " + (seen.get(cell) ? "open" : "blocked"));
        });
        assertTrue(wrong.isEmpty(), () -> wrong.size() + " of " + expected.size() + " connections not as the policies say:\n  "
                + String.join("\n  ", wrong) + "\n" + lab.weft(lab.host(1), "status", "policy").stdout());
        long open = expected.values().stream().filter(b -> b).count();
        System.out.println(valid.size() + " policies: " + open + " connections open, " + (expected.size() - open) + " blocked, as expected\n"
                + lab.weft(lab.host(2), "status", "policy").stdout());
    }

    @Test
    @Order(1)
    void withoutPoliciesEveryPodReachesEveryPod() throws Exception {
        enforced();
    }

    @Test
    @Order(2)
    void defaultDenyIngressAndAllowAllIngressFromTheDocumentation() throws Exception {
        enforced(DENY_X);
        enforced(DENY_X, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: allow-all-ingress, namespace: x}
                spec:
                  podSelector: {}
                  ingress: [{}]
                  policyTypes: [Ingress]
                """);
    }

    @Test
    @Order(3)
    void podAndNamespaceSelectorsInOnePeerAreAndInTwoPeersOr() throws Exception {
        enforced("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: and, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - from:
                    - namespaceSelector: {matchLabels: {ns: y}}
                      podSelector: {matchLabels: {pod: b}}
                """);
        enforced("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: or, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - from:
                    - namespaceSelector: {matchLabels: {ns: y}}
                    - podSelector: {matchLabels: {pod: b}}
                """);
    }

    @Test
    @Order(4)
    void matchExpressionsPortsByNumberByNameAndRangesTcpAndUdp() throws Exception {
        enforced("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: expressions, namespace: y}
                spec:
                  podSelector: {matchExpressions: [{key: pod, operator: In, values: [a, b]}]}
                  ingress:
                  - from:
                    - namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [z]}]}
                      podSelector: {matchExpressions: [{key: pod, operator: Exists}]}
                    ports: [{port: 80}, {port: serve-81-udp, protocol: UDP}]
                """, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: range, namespace: z}
                spec:
                  podSelector: {matchExpressions: [{key: tier, operator: DoesNotExist}]}
                  ingress:
                  - ports: [{port: 80, endPort: 81, protocol: UDP}]
                """);
    }

    @Test
    @Order(5)
    void egressWithIpBlockExceptAndNamedPortsOfTheDestination() throws Exception {
        String exceptCidr = address("z/b") + "/32";
        enforced("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: egress, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: a}}
                  policyTypes: [Egress]
                  egress:
                  - to: [{ipBlock: {cidr: 10.32.0.0/12, except: [%s]}}]
                    ports: [{port: 81, protocol: TCP}]
                  - to: [{namespaceSelector: {matchLabels: {ns: y}}}]
                    ports: [{port: serve-80-udp, protocol: UDP}]
                """.formatted(exceptCidr), """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: default-deny-egress, namespace: z}
                spec:
                  podSelector: {matchLabels: {pod: c}}
                  policyTypes: [Egress]
                """);
    }

    @Test
    @Order(6)
    void theDocumentationsExampleWithBothDirections() throws Exception {
        enforced("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: test-network-policy, namespace: y}
                spec:
                  podSelector: {matchLabels: {pod: b}}
                  policyTypes: [Ingress, Egress]
                  ingress:
                  - from:
                    - ipBlock: {cidr: %s/32}
                    - namespaceSelector: {matchLabels: {ns: z}}
                    - podSelector: {matchLabels: {pod: a}}
                    ports: [{protocol: TCP, port: 80}]
                  egress:
                  - to: [{ipBlock: {cidr: 10.32.0.0/12}}]
                    ports: [{protocol: UDP, port: 81}]
                """.formatted(address("x/c")));
    }

    @Test
    @Order(7)
    void anOpenConnectionOutlivesTheDenyThatRefusesNewOnes() throws Exception {
        enforced();
        // y/a and x/b are both on host 2: the connection crosses only its bridge
        Process hold = lab.spawn(netns.get("y/a"), "python3", probe.toString(), "hold", address("x/b"), "80", "6");
        assertTrue(Poll.until(() -> Files.readString(lab.logOf(hold)).contains("connected"), Duration.ofSeconds(10)), "the connection did not open");
        enforced(DENY_X);
        assertTrue(hold.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "the held connection did not end");
        String held = Files.readString(lab.logOf(hold));
        java.util.regex.Matcher answered = java.util.regex.Pattern.compile("answered (\\d+) of (\\d+)").matcher(held);
        assertTrue(answered.find(), held);
        assertEquals(answered.group(2), answered.group(1), "the open connection lost answers after the deny: " + held);
    }

    @Test
    @Order(8)
    void aPolicyThatCannotBeReadIsRefusedInTheStatusAndTheOthersStayEnforced() throws Exception {
        enforced(List.of(DENY_X), List.of("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: bad-operator, namespace: y}
                spec:
                  podSelector: {matchExpressions: [{key: pod, operator: Near, values: [a]}]}
                  policyTypes: [Ingress]
                """, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: bad-port, namespace: z}
                spec:
                  podSelector: {}
                  ingress: [{ports: [{port: not--a-name}]}]
                """));
        String status = lab.weft(lab.host(1), "status", "policy").orThrow().stdout();
        assertTrue(status.contains("Refused: y/bad-operator: spec.podSelector: operator \"Near\""), status);
        assertTrue(status.contains("Refused: z/bad-port: spec.ingress[0].ports[0].port"), status);
        assertTrue(status.contains("x/default-deny-ingress"), status);
    }

    @Test
    @Order(9)
    void policyWhyExplainsWithoutSendingAnything() throws Exception {
        enforced(DENY_X, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: db-ingress, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: b}}
                  ingress:
                  - from: [{podSelector: {matchLabels: {pod: a}}, namespaceSelector: {matchLabels: {ns: y}}}]
                    ports: [{port: 81}]
                """);
        ExecResult denied = lab.weft(lab.host(1), "policy", "why", "y/c", "x/b:81");
        assertEquals(1, denied.exitCode(), denied.describe());
        assertEquals("denied: x/b is selected for ingress by x/db-ingress, which allows TCP 81 from pods with pod=a in namespaces with ns=y;"
                + " and by x/default-deny-ingress, which allows nothing; none lets y/c connect on TCP 81", denied.stdout().strip());
        ExecResult allowed = lab.weft(lab.host(1), "policy", "why", "y/a", address("x/b") + ":81/tcp");
        assertEquals(0, allowed.exitCode(), allowed.describe());
        assertTrue(allowed.stdout().startsWith("allowed: y/a has no egress policy; x/b's ingress is allowed by x/db-ingress"), allowed.stdout());
        // one connection dropped for real on host 2, where x/b runs, after the matrix's burst (which the kernel's log limit
        // of 10 a second cuts): NFLOG brings it to the router, which explains it
        Thread.sleep(2_500); // the log limit's bucket refills: a measured pause, not a wait for an event
        assertEquals(List.of("no"), probeFrom("y/c", address("x/b") + ":81/tcp"));
        String drop = "TCP y/c (" + address("y/c") + ") -> x/b (" + address("x/b") + ") port 81 dropped at ingress: x/b is selected for"
                + " ingress by x/db-ingress";
        assertTrue(Poll.until(() -> lab.weft(lab.host(2), "status", "policy").stdout().contains(drop), Duration.ofSeconds(10)),
                () -> "no explained drop: " + lab.weft(lab.host(2), "status", "policy").stdout());
        String metrics = lab.weft(lab.host(2), "metrics").orThrow().stdout();
        java.util.regex.Matcher counted = java.util.regex.Pattern.compile("weft_policy_dropped_packets_total\\{policy=\"x/db-ingress\"} (\\d+)")
                .matcher(metrics);
        assertTrue(counted.find() && Long.parseLong(counted.group(1)) > 0, metrics);
        ExecResult unknown = lab.weft(lab.host(1), "policy", "why", "y/nobody", "x/b:81");
        assertEquals(2, unknown.exitCode(), unknown.describe());
        assertTrue(unknown.stderr().contains("no pod y/nobody"), unknown.describe());
    }

    @Test
    @Order(10)
    void aStoppedRouterLeavesItsTableEnforcingAndARestartedOneTakesOverWithoutAWindow() throws Exception {
        enforced(DENY_X);
        Host second = lab.host(2);
        lab.weft(second, "stop").orThrow();
        assertTrue(routers.get(2).waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "host 2's router did not stop");
        // both on host 2, whose bridge carries them without the router: the table the router left decides
        assertEquals(List.of("no", "yes"), probeFrom("y/a", address("x/b") + ":80/tcp", address("y/c") + ":80/tcp"));
        routers.put(2, startRouter(second, lab.dir().resolve("kubeconfig")));
        assertTrue(Poll.until(() -> lab.weft(second, "status", "policy").stdout().contains("NetworkPolicy: enforcing"), Duration.ofSeconds(90)));
        enforced(DENY_X);
    }

    /** One new connection from pod {@code from} to each target ({@code ADDRESS:PORT/tcp|udp}), side by side: "TARGET yes|no" lines. */
    private static ExecResult connections(String from, List<String> targets) {
        List<String> command = new ArrayList<>(List.of("python3", probe.toString(), "probe", "1.0"));
        command.addAll(targets);
        return lab.exec(netns.get(from), Duration.ofSeconds(30), command.toArray(String[]::new));
    }

    private static List<String> probeFrom(String from, String... targets) {
        return connections(from, List.of(targets)).orThrow().stdout().lines().map(line -> line.substring(line.indexOf(' ') + 1)).toList();
    }
}

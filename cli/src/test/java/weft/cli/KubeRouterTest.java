package weft.cli;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;
import weft.ipam.InitMode;
import weft.router.RouterConfig;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@code weft router --kube} asks the API server before the router starts, and what it makes of the answer. */
@EnableKubernetesMockClient(crud = true)
class KubeRouterTest {
    KubernetesClient client;

    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private void node(String name, String type, String address) {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewStatus()
                .addNewAddress().withType(type).withAddress(address).endAddress().endStatus().build()).create();
    }

    private static CommandLine line(String... args) {
        return CommandLine.parse("router", Stream.concat(RouterOptions.ALL.stream(), KubeRouter.OPTIONS.stream()).toList(), List.of(args));
    }

    @Test
    void theOtherNodesAreThePeersAndAllNodesTheConsensus() {
        node("n1", "InternalIP", "192.168.1.1");
        node("n2", "InternalIP", "192.168.1.2");
        node("n3", "ExternalIP", "203.0.113.3");
        Optional<KubeRouter.Cluster> cluster = KubeRouter.ask(client, "n1", err);
        assertEquals(Optional.of(new KubeRouter.Cluster(List.of("192.168.1.2", "203.0.113.3"), 3)), cluster);
        assertEquals("consensus=3", KubeRouter.defaultInit(cluster));

        RouterConfig config = RouterOptions.parse(line("--kube", "10.0.0.9"), Map.of(), cluster.get().peers(), Optional.of(KubeRouter.defaultInit(cluster)));
        assertEquals(List.of("10.0.0.9", "192.168.1.2", "203.0.113.3"), config.peers());
        assertEquals(new InitMode.Consensus(3), config.allocation().init());
        RouterConfig chosen = RouterOptions.parse(line("--kube", "--ipalloc-init", "seed=00:00:00:00:00:01"), Map.of(), List.of(),
                Optional.of("consensus=3"));
        assertTrue(chosen.allocation().init() instanceof InitMode.Seed, "the operator's --ipalloc-init gave way to the default");
    }

    @Test
    void anApiServerThatDoesNotAnswerLeavesAnObserverWithNoPeersAndSaysWhy() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Config down = new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + closedPort).withConnectionTimeout(1000)
                .withRequestTimeout(1000).withRequestRetryBackoffLimit(0).build();
        try (KubernetesClient unreachable = new KubernetesClientBuilder().withConfig(down).build()) {
            long start = System.nanoTime();
            Optional<KubeRouter.Cluster> cluster = KubeRouter.ask(unreachable, "n1", err);
            assertEquals(Optional.empty(), cluster);
            assertTrue(System.nanoTime() - start < 30_000_000_000L, "the start waited too long for a down API server");
            assertEquals("observer", KubeRouter.defaultInit(cluster));
            assertEquals(new InitMode.Observer(), RouterOptions.parse(line("--kube"), Map.of(), List.of(), Optional.of("observer")).allocation().init());
        }
        String said = errBytes.toString(StandardCharsets.UTF_8);
        assertTrue(said.startsWith("weft router: the API server at http://127.0.0.1:" + closedPort + "/ did not list the Nodes ("), said);
        assertTrue(said.contains("as an observer of the allocation ring"), said);
    }

    @Test
    void theNodeNameComesFromTheOptionOrTheDownwardApiAndIsRequired() {
        assertEquals("n7", KubeRouter.nodeName(line("--kube"), Map.of("NODE_NAME", "n7")));
        assertEquals("n8", KubeRouter.nodeName(line("--kube", "--node-name", "n8"), Map.of("NODE_NAME", "n7")));
        var error = assertThrows(IllegalArgumentException.class, () -> KubeRouter.nodeName(line("--kube"), Map.of("NODE_NAME", " ")));
        assertTrue(error.getMessage().startsWith("--kube needs this host's Node name: set NODE_NAME"), error.getMessage());
    }

    @Test
    void theDaemonSetsVariablesSetTheRangeAndTheConnectionLimit() {
        RouterConfig config = RouterOptions.parse(line("--kube"), Map.of("IPALLOC_RANGE", "10.40.0.0/16", "CONN_LIMIT", "30"));
        assertEquals("10.40.0.0/16", config.overlayRange().toString());
        assertEquals(30, config.connectionLimit());
        RouterConfig options = RouterOptions.parse(line("--ipalloc-range", "10.50.0.0/16", "--conn-limit", "40"),
                Map.of("IPALLOC_RANGE", "10.40.0.0/16", "CONN_LIMIT", "30"));
        assertEquals("10.50.0.0/16", options.overlayRange().toString());
        assertEquals(40, options.connectionLimit());
        var error = assertThrows(IllegalArgumentException.class, () -> RouterOptions.parse(line(), Map.of("CONN_LIMIT", "lots")));
        assertEquals("invalid CONN_LIMIT 'lots': expected a whole number", error.getMessage());
    }
}

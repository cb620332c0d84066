package weft.kube.addon;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reclaiming a deleted node's ranges through an API server that takes one update of a version (fabric8's mock, CRUD). */
@EnableKubernetesMockClient(crud = true)
class NodeReclaimTest {
    KubernetesMockServer server;
    KubernetesClient client;

    private final ConcurrentLinkedQueue<String> takeovers = new ConcurrentLinkedQueue<>();

    private NodeReclaim router(KubernetesClient api, String peer, String node) {
        NodeReclaim reclaim = new NodeReclaim(api, "kube-system", peer, node, dead -> {
            takeovers.add(peer + " took " + dead);
            return "taken";
        });
        reclaim.register();
        return reclaim;
    }

    /** The entries by peer name, once every key is checked to be one the API server takes (the mock takes any). */
    private Map<String, String> recorded() {
        var map = client.configMaps().inNamespace("kube-system").withName(NodeReclaim.CONFIG_MAP).get();
        for (String key : map.getData().keySet()) {
            assertTrue(key.matches("[-._a-zA-Z0-9]+"), "the API server refuses the ConfigMap key " + key);
        }
        return NodeReclaim.peers(map);
    }

    @Test
    void eachRouterRecordsItsPeerUnderItsNode() {
        router(client, "aa:aa", "node-a");
        router(client, "bb:bb", "node-b");
        router(client, "aa:aa", "node-a"); // a restart records nothing new
        assertEquals(Map.of("aa:aa", "node-a", "bb:bb", "node-b"), recorded());
    }

    @Test
    void aDeletedNodesPeerIsTakenOverOnceAndADownNodeKeepsItsAddresses() throws Exception {
        NodeReclaim a = router(client, "aa:aa", "node-a");
        router(client, "bb:bb", "node-b");
        router(client, "cc:cc", "node-c");
        assertEquals(List.of(), a.reclaim(Set.of("node-a", "node-b", "node-c")), "node-c is only down while its Node object stays");
        assertEquals(List.of("cc:cc"), a.reclaim(Set.of("node-a", "node-b")));
        assertEquals(List.of("aa:aa took cc:cc"), List.copyOf(takeovers));
        assertEquals(Map.of("aa:aa", "node-a", "bb:bb", "node-b"), recorded());
        assertEquals(List.of(), a.reclaim(Set.of("node-a", "node-b")), "nothing is taken twice");
    }

    @Test
    void twoRoutersRacingForOneDeletedNodeTakeItOverExactlyOnce() throws Exception {
        router(client, "dd:dd", "node-d");
        List<NodeReclaim> racers = List.of(router(server.createClient(), "aa:aa", "node-a"), router(server.createClient(), "bb:bb", "node-b"),
                router(server.createClient(), "cc:cc", "node-c"));
        for (int round = 0; round < 20 && recorded().containsKey("dd:dd") ; round++) {
            CountDownLatch start = new CountDownLatch(1);
            try (ExecutorService pool = Executors.newFixedThreadPool(racers.size())) {
                List<Future<List<String>>> runs = racers.stream().map(r -> pool.submit(() -> {
                    start.await();
                    return r.reclaim(Set.of("node-a", "node-b", "node-c"));
                })).toList();
                start.countDown();
                for (Future<List<String>> run : runs) run.get();
            }
        }
        assertEquals(1, takeovers.size(), "taken over by more than one router, or by none: " + takeovers);
        assertTrue(takeovers.peek().endsWith(" took dd:dd"), takeovers.toString());
        assertEquals(Set.of("aa:aa", "bb:bb", "cc:cc"), recorded().keySet());
    }

    @Test
    void aClaimWhoseClaimerDiedIsTakenOverAgainOnceTheClaimersNodeIsGone() throws Exception {
        NodeReclaim a = router(client, "aa:aa", "node-a");
        router(client, "bb:bb", "node-b");
        // bb:bb claimed dd:dd and died before its takeover ended
        client.configMaps().inNamespace("kube-system").withName(NodeReclaim.CONFIG_MAP)
                .edit(cm -> { cm.getData().put(NodeReclaim.key("dd:dd"), "claimed-by:bb:bb"); return cm; });
        assertEquals(List.of(), a.reclaim(Set.of("node-a", "node-b")), "the claimer may still be working on it");
        assertEquals(List.of("bb:bb", "dd:dd"), a.reclaim(Set.of("node-a")));
        assertEquals(Map.of("aa:aa", "node-a"), recorded());
    }

    @Test
    void theApiServerRefusesAnUpdateOfAStaleVersionWhichIsWhatMakesAClaimExclusive() {
        router(client, "aa:aa", "node-a");
        var stale = client.configMaps().inNamespace("kube-system").withName(NodeReclaim.CONFIG_MAP).get();
        router(client, "bb:bb", "node-b"); // changes it
        stale.getData().put(NodeReclaim.key("zz:zz"), "node-z");
        var refused = org.junit.jupiter.api.Assertions.assertThrows(io.fabric8.kubernetes.client.KubernetesClientException.class,
                () -> client.configMaps().inNamespace("kube-system").resource(stale).update());
        assertEquals(409, refused.getCode());
    }
}

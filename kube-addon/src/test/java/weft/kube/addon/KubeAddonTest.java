package weft.kube.addon;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;
import weft.api.Attachment;
import weft.api.ConnectResult;
import weft.api.RouterApi;
import weft.api.StatusReport;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The addon against fabric8's mock API server (CRUD): peers from Nodes, new Nodes dialled, a deleted Node reclaimed. */
@EnableKubernetesMockClient(crud = true)
class KubeAddonTest {
    KubernetesMockServer server;
    KubernetesClient client;

    /** Records what the addon asks of the router. */
    private static final class Recorder implements RouterApi {
        final ConcurrentLinkedQueue<String> calls = new ConcurrentLinkedQueue<>();

        @Override public List<ConnectResult> connect(List<String> peers) {
            calls.add("connect " + peers);
            return peers.stream().map(p -> new ConnectResult(p, true, "connected")).toList();
        }

        @Override public String removePeer(String peer, boolean force) {
            calls.add("rmpeer " + peer + (force ? " --force" : ""));
            return "taken over";
        }

        @Override public StatusReport status() { throw new UnsupportedOperationException(); }
        @Override public List<String> forget(List<String> peers) { throw new UnsupportedOperationException(); }
        @Override public Attachment attach(String target, List<String> cidrs) { throw new UnsupportedOperationException(); }
        @Override public Attachment detach(String target, List<String> cidrs) { throw new UnsupportedOperationException(); }
        @Override public List<Attachment> attachments() { throw new UnsupportedOperationException(); }
        @Override public Attachment expose(List<String> cidrs) { throw new UnsupportedOperationException(); }
        @Override public Attachment hide(List<String> cidrs) { throw new UnsupportedOperationException(); }
        @Override public String adoptWinningRing() { throw new UnsupportedOperationException(); }
        @Override public String leave() { throw new UnsupportedOperationException(); }
        @Override public String primeAllocation() { throw new UnsupportedOperationException(); }
        @Override public String allocateAddress(String owner, java.util.Optional<String> subnet) { throw new UnsupportedOperationException(); }
        @Override public List<String> addressesOf(String owner) { return List.of("10.32.0.9"); }
        @Override public String claimAddress(String owner, String cidr) { throw new UnsupportedOperationException(); }
        @Override public List<String> releaseAddresses(String owner, java.util.Optional<String> cidr) { throw new UnsupportedOperationException(); }
        @Override public weft.api.DnsStatus dns() { throw new UnsupportedOperationException(); }
        @Override public List<weft.api.DnsStatus.Entry> dnsAdd(String name, List<String> addresses, java.util.Optional<String> owner) { throw new UnsupportedOperationException(); }
        @Override public List<weft.api.DnsStatus.Entry> dnsRemove(java.util.Optional<String> name, List<String> addresses, java.util.Optional<String> owner) { throw new UnsupportedOperationException(); }
        @Override public List<String> dnsLookup(String name) { throw new UnsupportedOperationException(); }
        @Override public weft.api.PolicyStatus policy() { throw new UnsupportedOperationException(); }
        @Override public weft.api.ApiReply.PolicyVerdict policyWhy(weft.api.ApiRequest.PolicyQuestion question) { throw new UnsupportedOperationException(); }
        @Override public String metrics() { throw new UnsupportedOperationException(); }
        @Override public void stop() { throw new UnsupportedOperationException(); }
    }

    private void node(String name, String internalIp) {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewStatus()
                .addNewAddress().withType("InternalIP").withAddress(internalIp).endAddress().endStatus().build()).create();
    }

    /** Polls {@code condition} until it holds or 10 s pass; informer events arrive on their own thread. */
    private static boolean eventually(BooleanSupplier condition) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) return false;
            LockSupport.parkNanos(20_000_000L);
        }
        return true;
    }

    @Test
    void dialsEveryOtherNodeAndNewOnesMarksItsNodeAndReclaimsADeletedOne() throws Exception {
        node("a", "10.0.0.1");
        node("b", "10.0.0.2");
        node("c", "10.0.0.3");
        new NodeReclaim(client, "kube-system", "cc:cc", "c", peer -> "unused").register(); // c's router ran once
        Recorder router = new Recorder();
        try (KubeAddon addon = new KubeAddon(client, router, "kube-system", "a", "aa:aa")) {
            addon.start();
            assertEquals("connect [10.0.0.2, 10.0.0.3]", router.calls.peek());
            Node self = client.nodes().withName("a").get();
            assertTrue(self.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("NetworkUnavailable")
                    && c.getStatus().equals("False") && c.getReason().equals("WeftIsUp")), self.getStatus().toString());

            node("d", "10.0.0.4");
            assertTrue(eventually(() -> router.calls.contains("connect [10.0.0.4]")), router.calls.toString());

            client.nodes().withName("c").delete();
            assertTrue(eventually(() -> router.calls.contains("rmpeer cc:cc")), router.calls.toString());
            assertEquals(1, router.calls.stream().filter(c -> c.startsWith("rmpeer")).count(), router.calls.toString());
            // the entry goes after the takeover, on the informer's thread: wait for it too
            assertTrue(eventually(() -> !client.configMaps().inNamespace("kube-system").withName(NodeReclaim.CONFIG_MAP).get()
                    .getData().containsKey(NodeReclaim.key("cc:cc"))), "the reclaimed peer's entry stayed");
        }
    }

    private static KubernetesMockServer crudServer() {
        return new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new io.fabric8.mockwebserver.MockWebServer(),
                new java.util.HashMap<>(), new io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher(), false);
    }

    private static void node(KubernetesClient api, String name, String internalIp) {
        api.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewStatus()
                .addNewAddress().withType("InternalIP").withAddress(internalIp).endAddress().endStatus().build()).create();
    }

    @Test
    void keepsFollowingTheNodesWhenItsWatchDropsAndTheApiServerComesBack() throws Exception {
        KubernetesMockServer first = crudServer();
        first.init(java.net.InetAddress.getLoopbackAddress(), 0);
        int port = first.getPort();
        Recorder router = new Recorder();
        KubernetesMockServer second = null;
        try (KubernetesClient api = first.createClient()) {
            node(api, "a", "10.0.0.1");
            node(api, "b", "10.0.0.2");
            try (KubeAddon addon = new KubeAddon(api, router, "kube-system", "a", "aa:aa")) {
                addon.start();
                assertEquals("connect [10.0.0.2]", router.calls.peek());
                first.destroy(); // the watch drops with the API server
                second = crudServer();
                second.init(java.net.InetAddress.getLoopbackAddress(), port);
                try (KubernetesClient restarted = second.createClient()) {
                    node(restarted, "a", "10.0.0.1");
                    node(restarted, "b", "10.0.0.2");
                    node(restarted, "e", "10.0.0.5"); // added while the watch was down
                }
                long deadline = System.nanoTime() + 30_000_000_000L; // fabric8 waits before it watches again
                while (!router.calls.contains("connect [10.0.0.5]") && System.nanoTime() - deadline < 0) LockSupport.parkNanos(50_000_000L);
                assertTrue(router.calls.contains("connect [10.0.0.5]"), "the Node added while the watch was down was never dialled: " + router.calls);
            }
        } finally {
            if (second != null) second.destroy();
        }
    }
}

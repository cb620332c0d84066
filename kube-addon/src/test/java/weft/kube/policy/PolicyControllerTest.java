package weft.kube.policy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import weft.api.ApiReply;
import weft.api.ApiRequest;
import weft.api.PolicyStatus;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.kube.policy.PolicyFixtures.from;
import static weft.kube.policy.PolicyFixtures.ingressPolicy;
import static weft.kube.policy.PolicyFixtures.namespace;
import static weft.kube.policy.PolicyFixtures.pod;
import static weft.kube.policy.PolicyFixtures.podsWith;
import static weft.kube.policy.PolicyFixtures.tcp;

/**
 * The controller against fabric8's mock API server in CRUD mode, with a kernel that records the tables: nothing is
 * applied before the first lists, a change in the API reaches the kernel, an unchanged table is not applied again, a
 * kernel that refuses leaves the status saying so, drops are counted per policy, and {@code why} answers from the
 * cluster as the informers see it.
 */
class PolicyControllerTest {
    private static final long DEADLINE_NANOS = 10_000_000_000L;

    /** Tables applied, in order; counters it reports; a refusal to throw on the next apply. */
    private static final class RecordingKernel implements PolicyKernel {
        final List<String> applied = new CopyOnWriteArrayList<>();
        final Map<String, Long> drops = new ConcurrentHashMap<>();
        volatile RuntimeException refuse;
        volatile String bypass = "";

        @Override
        public void apply(String text) {
            if (refuse != null) throw refuse;
            applied.add(text);
            drops.clear(); // a replaced table starts its counters at zero
        }

        @Override
        public Map<String, Long> drops() {
            return Map.copyOf(drops);
        }

        @Override
        public Optional<String> bypassed() {
            return bypass.isEmpty() ? Optional.empty() : Optional.of(bypass);
        }
    }

    private KubernetesMockServer server;
    private KubernetesClient client;
    private final RecordingKernel kernel = new RecordingKernel();
    private PolicyController controller;

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
        client.namespaces().resource(namespace("prod", Map.of("team", "payments"))).create();
        client.pods().inNamespace("prod").resource(pod("prod/db", "n1", "10.32.0.5", Map.of("app", "db"))).create();
        client.pods().inNamespace("prod").resource(pod("prod/web", "n2", "10.32.0.6", Map.of("app", "web"))).create();
        controller = new PolicyController(client, "n1", kernel, false);
    }

    @AfterEach
    void stop() {
        controller.close();
        client.close();
        server.destroy();
    }

    private static boolean eventually(BooleanSupplier condition) {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) return false;
            LockSupport.parkNanos(20_000_000);
        }
        return true;
    }

    /** Whether the controller has seen the pod: {@code why} refuses an end it does not know. */
    private boolean knows(String pod) {
        try {
            controller.why(new ApiRequest.PolicyQuestion(pod, "10.0.0.1", "TCP", 80));
            return true;
        } catch (IllegalArgumentException unknown) {
            return false;
        }
    }

    @Test
    void theFirstTableIsAppliedOnlyOnceTheClusterIsListedAndAChangeReachesTheKernel() throws InterruptedException {
        client.network().v1().networkPolicies().inNamespace("prod").resource(ingressPolicy("prod/db-ingress", Map.of("app", "db"),
                from(List.of(podsWith(Map.of("app", "web"))), tcp(5432)))).create();
        assertTrue(kernel.applied.isEmpty(), "applied before the controller started");
        controller.start();
        // start returns with the first table in the kernel: the existing policy is in it, never an empty table first
        assertEquals(1, kernel.applied.size());
        assertTrue(kernel.applied.getFirst().contains("10.32.0.5 : jump in-0"), kernel.applied.getFirst());
        assertTrue(kernel.applied.getFirst().contains("10.32.0.6"), "web's address is the peer: " + kernel.applied.getFirst());

        client.network().v1().networkPolicies().inNamespace("prod").withName("db-ingress").delete();
        assertTrue(eventually(() -> kernel.applied.size() == 2), "the deletion did not reach the kernel");
        assertFalse(kernel.applied.getLast().contains("jump in-"), kernel.applied.getLast());
        assertEquals("enforcing", controller.status().state());
    }

    @Test
    void aChangeThatLeavesThisNodesTableAsItWasAppliesNothing() throws InterruptedException {
        controller.start();
        assertEquals(1, kernel.applied.size());
        // a pod on another node, selected by nothing: the cluster changed, this node's table did not
        client.pods().inNamespace("prod").resource(pod("prod/cache", "n2", "10.32.0.7", Map.of("app", "cache"))).create();
        assertTrue(eventually(() -> knows("prod/cache")), "the new pod did not reach the controller");
        assertEquals(1, kernel.applied.size(), "an identical table was applied again");
    }

    @Test
    void aKernelThatRefusesLeavesThePreviousTableAndTheStatusSaysWhy() throws InterruptedException {
        controller.start();
        kernel.refuse = new IllegalStateException("nft (replacing the NetworkPolicy table) failed: Error: No such file or directory");
        client.network().v1().networkPolicies().inNamespace("prod").resource(ingressPolicy("prod/deny", Map.of())).create();
        assertTrue(eventually(() -> controller.status().lastApply().startsWith("the last change failed, the previous table stays")),
                controller.status().lastApply());
        assertEquals(1, kernel.applied.size());
        kernel.refuse = null;
        client.pods().inNamespace("prod").resource(pod("prod/db2", "n1", "10.32.0.8", Map.of("app", "db"))).create();
        assertTrue(eventually(() -> kernel.applied.size() == 2), "the next change did not apply the whole table");
        assertTrue(kernel.applied.getLast().contains("10.32.0.5 : jump") && kernel.applied.getLast().contains("10.32.0.8 : jump"));
    }

    @Test
    void dropsAreCountedForEachPolicyThatIsolatedThePodWhenTheyHappenedAcrossReplacedTables() throws InterruptedException {
        client.network().v1().networkPolicies().inNamespace("prod").resource(ingressPolicy("prod/deny", Map.of("app", "db"))).create();
        controller.start();
        kernel.drops.put("in-0", 5L);
        PolicyStatus status = controller.status();
        assertEquals(List.of(new PolicyStatus.Entry("prod/deny", List.of("Ingress"), List.of("prod/db"), 5)), status.policies());
        assertEquals(1, status.isolated());
        // a second policy replaces the table: the 5 drops so far stay prod/deny's, the new counter's 2 count for both
        // (prod/also did not isolate prod/db when the first 5 were dropped)
        client.network().v1().networkPolicies().inNamespace("prod").resource(ingressPolicy("prod/also", Map.of("app", "db"))).create();
        assertTrue(eventually(() -> kernel.applied.size() == 2));
        kernel.drops.put("in-0", 2L);
        Map<String, Long> drops = new HashMap<>();
        controller.status().policies().forEach(e -> drops.put(e.policy(), e.drops()));
        assertEquals(Map.of("prod/also", 2L, "prod/deny", 7L), drops);
    }

    @Test
    void whyAnswersFromTheClusterAndRefusesAnEndItDoesNotKnow() throws InterruptedException {
        client.network().v1().networkPolicies().inNamespace("prod").resource(ingressPolicy("prod/db-ingress", Map.of("app", "db"),
                from(List.of(podsWith(Map.of("app", "web"))), tcp(5432)))).create();
        controller.start();
        ApiReply.PolicyVerdict denied = controller.why(new ApiRequest.PolicyQuestion("prod/web", "prod/db", "TCP", 80));
        assertFalse(denied.allowed());
        assertEquals("denied: prod/db is selected for ingress by prod/db-ingress, which allows TCP 5432 from pods with app=web in prod"
                + "; none lets prod/web connect on TCP 80", denied.reason());
        assertTrue(controller.why(new ApiRequest.PolicyQuestion("10.32.0.6", "prod/db", "TCP", 5432)).allowed());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> controller.why(new ApiRequest.PolicyQuestion("prod/nobody", "prod/db", "TCP", 80)));
        assertTrue(unknown.getMessage().contains("no pod prod/nobody"), unknown.getMessage());
    }

    @Test
    void framesThatBypassTheTableAreSaidInTheStatusCheckedOnEveryChange() throws InterruptedException {
        controller.start();
        assertEquals("enforcing", controller.status().state());
        kernel.bypass = "br_netfilter is not loaded";
        // a change that leaves the table's text as it was still checks
        client.pods().inNamespace("prod").resource(pod("prod/cache", "n2", "10.32.0.7", Map.of("app", "cache"))).create();
        assertTrue(eventually(() -> controller.status().state().equals("NOT enforcing between pods on this node: br_netfilter is not loaded")),
                controller.status().state());
    }
}

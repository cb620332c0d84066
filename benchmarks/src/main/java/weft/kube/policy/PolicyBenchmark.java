package weft.kube.policy;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import weft.kernel.NetNamespace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The NetworkPolicy controller at cluster size: {@value #PODS} pods (all on the measured node: every pod has its
 * chains there, the worst case for one node) in {@value #NAMESPACES} namespaces and {@value #POLICIES} policies mixing
 * selectors, namespace selectors, ipBlocks with except, numbered, ranged and named ports, ingress and egress. Prints,
 * asserting nothing: the time to read the cluster and generate the table; the time to replace the table through
 * libnftables (the controller's way) and through one {@code nft -f} process per change (the way it avoids); and the
 * time from a change in the API (fabric8's CRUD mock server) to the new table in the kernel, for policies created,
 * pod labels changed and policies deleted. The kernel is a fresh anonymous network namespace's.
 *
 * <p>{@code sudo bench/policy.sh} runs it.
 */
public final class PolicyBenchmark {
    static final int PODS = 1000, NAMESPACES = 20, POLICIES = 200, ROUNDS = 10;
    private static final String NODE = "n1";

    private PolicyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        List<Namespace> namespaces = new ArrayList<>();
        for (int n = 0; n < NAMESPACES; n++) namespaces.add(namespace(n));
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < PODS; i++) pods.add(pod(i, "app-" + i % 50));
        List<NetworkPolicy> policies = new ArrayList<>();
        for (int j = 0; j < POLICIES; j++) policies.add(policy(j, "policy-" + j));

        long[] generation = new long[ROUNDS * 2];
        NftRuleset.Compiled compiled = null;
        for (int r = 0; r < generation.length; r++) {
            long start = System.nanoTime();
            compiled = NftRuleset.compile(KubePolicies.cluster(pods, namespaces, policies), NODE);
            generation[r] = System.nanoTime() - start;
        }
        String text = compiled.text();
        System.out.printf("cluster: %d pods on this node, %d namespaces, %d policies; table: %d lines, %d KiB, %d chains for %d pods%n",
                PODS, NAMESPACES, POLICIES, text.lines().count(), text.length() / 1024, compiled.chains().size(), compiled.isolatedPods());
        System.out.println("read + generate (ms): " + summary(Arrays.copyOfRange(generation, ROUNDS, generation.length)));

        try (NetNamespace namespace = NetNamespace.createAnonymous()) {
            ThreadPoolExecutor kernelThread = namespace.call(() -> {
                ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
                executor.prestartAllCoreThreads(); // its one thread is made here, in the namespace, and stays in it
                return executor;
            });
            try {
                NftPolicyKernel library = kernelThread.submit(NftPolicyKernel::new).get();
                String table = text;
                long[] viaLibrary = new long[ROUNDS], viaProcess = new long[ROUNDS];
                for (int r = 0; r < ROUNDS; r++) {
                    viaLibrary[r] = kernelThread.submit(() -> timed(() -> library.apply(table))).get();
                    viaProcess[r] = kernelThread.submit(() -> timed(() -> nftProcess(table))).get();
                }
                System.out.println("replace the table, libnftables in the router (ms): " + summary(viaLibrary));
                System.out.println("replace the table, one nft -f process per change (ms): " + summary(viaProcess));
                endToEnd(namespaces, pods, policies, library, kernelThread);
            } finally {
                kernelThread.shutdownNow();
            }
        }
    }

    /** From the API's answer to a change until the table with it is in the kernel, through the controller. */
    private static void endToEnd(List<Namespace> namespaces, List<Pod> pods, List<NetworkPolicy> policies, NftPolicyKernel library,
                                 ExecutorService kernelThread) throws Exception {
        AtomicLong applied = new AtomicLong(), lastApplied = new AtomicLong();
        PolicyKernel kernel = new PolicyKernel() {
            @Override
            public void apply(String text) {
                run(kernelThread, () -> library.apply(text));
                lastApplied.set(System.nanoTime());
                applied.incrementAndGet();
            }

            @Override
            public Map<String, Long> drops() {
                try {
                    return kernelThread.submit(library::drops).get();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public Optional<String> bypassed() {
                return Optional.empty();
            }
        };
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        try (KubernetesClient client = server.createClient()) {
            namespaces.forEach(n -> client.namespaces().resource(n).create());
            pods.forEach(p -> client.pods().inNamespace(p.getMetadata().getNamespace()).resource(p).create());
            policies.forEach(p -> client.network().v1().networkPolicies().inNamespace(p.getMetadata().getNamespace()).resource(p).create());
            try (PolicyController controller = new PolicyController(client, NODE, kernel, false)) {
                long started = System.nanoTime();
                controller.start();
                System.out.printf("controller start (list %d objects, first table): %.0f ms%n", PODS + NAMESPACES + POLICIES,
                        (System.nanoTime() - started) / 1e6);
                List<Long> created = new ArrayList<>(), relabelled = new ArrayList<>(), deleted = new ArrayList<>();
                for (int r = 0; r < ROUNDS; r++) {
                    NetworkPolicy extra = policy(r, "extra-" + r);
                    created.add(change(applied, lastApplied, () -> client.network().v1().networkPolicies()
                            .inNamespace(extra.getMetadata().getNamespace()).resource(extra).create()));
                    int index = r * 37 % PODS;
                    relabelled.add(change(applied, lastApplied, () -> client.pods().inNamespace(pods.get(index).getMetadata().getNamespace())
                            .withName(pods.get(index).getMetadata().getName()).edit(p -> pod(index, "moved-" + index))));
                    deleted.add(change(applied, lastApplied, () -> client.network().v1().networkPolicies()
                            .inNamespace(extra.getMetadata().getNamespace()).withName(extra.getMetadata().getName()).delete()));
                }
                System.out.println("API change to table in the kernel, policy created (ms): " + summary(created));
                System.out.println("API change to table in the kernel, pod relabelled (ms): " + summary(relabelled));
                System.out.println("API change to table in the kernel, policy deleted (ms): " + summary(deleted));
                System.out.println("controller's last apply: " + controller.status().lastApply());
            }
        } finally {
            server.destroy();
        }
    }

    private static long change(AtomicLong applied, AtomicLong lastApplied, Runnable change) throws InterruptedException {
        long before = applied.get();
        long start = System.nanoTime();
        change.run();
        long deadline = start + TimeUnit.SECONDS.toNanos(30);
        while (applied.get() == before) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("the change did not reach the kernel in 30 s");
            Thread.sleep(1); // a benchmark's poll: the 1 ms granularity is below what it measures
        }
        return lastApplied.get() - start;
    }

    private static void run(ExecutorService thread, Runnable work) {
        try {
            Future<?> done = thread.submit(work);
            done.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long timed(Runnable work) {
        long start = System.nanoTime();
        work.run();
        return System.nanoTime() - start;
    }

    private static void nftProcess(String table) {
        try {
            Process nft = new ProcessBuilder("nft", "-f", "-").redirectErrorStream(true).start();
            nft.getOutputStream().write(table.getBytes(StandardCharsets.UTF_8));
            nft.getOutputStream().close();
            String output = new String(nft.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (nft.waitFor() != 0) throw new IllegalStateException("nft -f failed: " + output);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String summary(long[] nanos) {
        return summary(Arrays.stream(nanos).boxed().toList());
    }

    private static String summary(List<Long> nanos) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        return String.format("median %.1f, min %.1f, max %.1f (%d runs)", sorted[sorted.length / 2] / 1e6, sorted[0] / 1e6,
                sorted[sorted.length - 1] / 1e6, sorted.length);
    }

    private static Namespace namespace(int n) {
        return new NamespaceBuilder().withNewMetadata().withName("ns-" + n).addToLabels("team", "t" + n % 5)
                .addToLabels("env", n % 2 == 0 ? "prod" : "dev").endMetadata().build();
    }

    /** Pod {@code i}: in namespace i mod 20, with {@code app}, a tier, and the named port http. */
    private static Pod pod(int i, String app) {
        String[] tiers = {"web", "api", "db"};
        return new PodBuilder().withNewMetadata().withName("pod-" + i).withNamespace("ns-" + i % NAMESPACES).addToLabels("app", app)
                .addToLabels("tier", tiers[i % 3]).endMetadata()
                .withNewSpec().withNodeName(NODE).addNewContainer().withName("main").addNewPort().withName("http").withContainerPort(8080)
                .endPort().endContainer().endSpec()
                .withNewStatus().withPhase("Running").withPodIP("10." + (32 + i / 65536) + "." + (i / 256 % 256) + "." + i % 256).endStatus().build();
    }

    /** Policy {@code j}: selects app-(j mod 50) in namespace j mod 20; ingress from web and api tiers of a team; some egress. */
    private static NetworkPolicy policy(int j, String name) {
        NetworkPolicyBuilder policy = new NetworkPolicyBuilder().withNewMetadata().withName(name).withNamespace("ns-" + j % NAMESPACES).endMetadata()
                .withNewSpec().withPodSelector(new LabelSelectorBuilder().addToMatchLabels("app", "app-" + j % 50).build())
                .addNewIngress()
                .addNewFrom().withPodSelector(new LabelSelectorBuilder().addNewMatchExpression().withKey("tier").withOperator("In")
                        .withValues("web", "api").endMatchExpression().build())
                .withNamespaceSelector(new LabelSelectorBuilder().addToMatchLabels("team", "t" + j % 5).build()).endFrom()
                .addNewPort().withProtocol("TCP").withPort(new IntOrString(80 + j % 10)).endPort()
                .addNewPort().withProtocol("UDP").withPort(new IntOrString(53)).endPort()
                .addNewPort().withProtocol("TCP").withPort(new IntOrString(9000)).withEndPort(9100).endPort()
                .endIngress()
                .endSpec();
        if (j % 5 == 0) {
            policy.editSpec().editFirstIngress().addNewPort().withProtocol("TCP").withPort(new IntOrString("http")).endPort().endIngress().endSpec();
        }
        if (j % 4 == 0) {
            policy.editSpec().addToPolicyTypes("Ingress", "Egress").addNewEgress().addNewTo().withNewIpBlock().withCidr("10.0.0.0/8")
                    .withExcept("10.1.0.0/16").endIpBlock().endTo().addNewPort().withProtocol("TCP").withPort(new IntOrString(443)).endPort()
                    .endEgress().endSpec();
        }
        return policy.build();
    }
}

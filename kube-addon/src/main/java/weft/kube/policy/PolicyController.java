package weft.kube.policy;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import weft.api.ApiReply;
import weft.api.ApiRequest;
import weft.api.PolicyService;
import weft.api.PolicyStatus;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Kubernetes NetworkPolicy for the pods of one node: informers follow Pods, Namespaces and NetworkPolicies (list,
 * then watch, resumed by fabric8), and every change schedules one rebuild, {@value #COALESCE_MILLIS} ms later, that
 * the changes arriving meanwhile join: it reads the informers' stores into a {@link PolicyCluster}, compiles this
 * node's table ({@link NftRuleset}) and, when the text changed, replaces the table in one transaction. Nothing is
 * applied before all three informers have listed, so a restarting controller leaves the previous table enforcing
 * until the new one replaces it whole; {@link #close} leaves it too (a router stopped for an upgrade opens no
 * window; {@code weft reset} removes it). A policy that cannot be read is refused in the status; the others stay.
 *
 * <p>Each dropped new connection is explained by the {@link DropLog} (who, what, which policies refused it), in the
 * log and in the status.
 *
 * <p>Thread rule: the informers' handlers only {@link #schedule}; the {@code weft-policy} thread owns the kernel,
 * the drop totals and the last compiled table; {@link #status} and {@link #why} read the volatile snapshot or ask
 * that thread.
 */
public final class PolicyController implements PolicyService, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PolicyController.class.getName());
    /** The nftables table ({@code ip} family) that holds the rules; {@code weft reset} removes it. */
    public static final String TABLE = NftRuleset.TABLE;
    static final long COALESCE_MILLIS = 50;
    private static final long RESYNC_MILLIS = 10 * 60_000;

    private final KubernetesClient client;
    private final String node;
    private final PolicyKernel kernel;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform()
            .name("weft-policy").daemon().unstarted(r));
    private final AtomicBoolean pending = new AtomicBoolean();
    private final List<SharedIndexInformer<?>> informers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean listed;
    private volatile PolicyCluster cluster = PolicyCluster.EMPTY;
    private volatile String lastApply = "nothing applied yet";
    private final boolean explainDrops;
    private final java.util.concurrent.atomic.AtomicReference<DropLog> dropLog = new java.util.concurrent.atomic.AtomicReference<>();
    private volatile boolean closed;
    private volatile String unexplained = "";
    private volatile String bypass = ""; // why frames between pods would not reach the table, when they would not
    // owned by the weft-policy thread
    private NftRuleset.Compiled applied;
    private final Map<NftRuleset.Signature, Long> dropTotals = new HashMap<>(); // packets counted before the last replace

    public PolicyController(KubernetesClient client, String node) {
        this(client, node, new NftPolicyKernel(), true);
    }

    PolicyController(KubernetesClient client, String node, PolicyKernel kernel, boolean explainDrops) {
        this.client = client;
        this.node = node;
        this.kernel = kernel;
        this.explainDrops = explainDrops;
    }

    /**
     * Lists and follows the three kinds, then enforces; returns once the first table is in the kernel (or failed,
     * logged). When the API server does not list them it throws, leaving nothing behind, and may be called again.
     */
    public void start() throws InterruptedException {
        ResourceEventHandler<Object> changed = new ResourceEventHandler<>() {
            @Override
            public void onAdd(Object object) {
                schedule();
            }

            @Override
            public void onUpdate(Object before, Object after) {
                schedule();
            }

            @Override
            public void onDelete(Object object, boolean finalStateUnknown) {
                schedule();
            }
        };
        try {
            informers.add(client.pods().inAnyNamespace().inform(cast(changed), RESYNC_MILLIS));
            informers.add(client.namespaces().inform(cast(changed), RESYNC_MILLIS));
            informers.add(client.network().v1().networkPolicies().inAnyNamespace().inform(cast(changed), RESYNC_MILLIS));
        } catch (RuntimeException e) { // the API server did not list: the caller tries again with a clean slate
            informers.forEach(SharedIndexInformer::close);
            informers.clear();
            throw e;
        }
        if (closed) { // closed while the lists came: nothing to enforce for
            informers.forEach(SharedIndexInformer::close);
            return;
        }
        listed = true;
        try {
            thread.submit(this::rebuild).get();
        } catch (ExecutionException e) {
            LOG.log(System.Logger.Level.WARNING, "the first NetworkPolicy table failed: " + e.getCause());
        }
        if (explainDrops) {
            try {
                dropLog.set(DropLog.start(() -> cluster));
                if (closed) Optional.ofNullable(dropLog.getAndSet(null)).ifPresent(DropLog::close); // closed while it started
            } catch (RuntimeException e) {
                unexplained = "drops are counted, not explained: " + e.getMessage();
                LOG.log(System.Logger.Level.WARNING, "NetworkPolicy " + unexplained);
            }
        }
    }

    /**
     * Removes the table an earlier run left, for a router that enforces no policies ({@code --no-network-policy}): it
     * would go on judging addresses that new pods take over. Says what it did, or why it could not, for the log.
     */
    public static String removeTable() {
        if (weft.kernel.Nftables.unavailable().isPresent()) return "no NetworkPolicy table: " + weft.kernel.Nftables.unavailable().get();
        try (weft.kernel.Nftables nft = weft.kernel.Nftables.open()) {
            return nft.removeTable("ip " + TABLE) ? "removed the NetworkPolicy table an earlier run left (ip " + TABLE + ")"
                    : "no NetworkPolicy table to remove";
        } catch (RuntimeException e) {
            return "could not remove the NetworkPolicy table ip " + TABLE + ": " + e.getMessage();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> ResourceEventHandler<T> cast(ResourceEventHandler<Object> handler) {
        return (ResourceEventHandler<T>) handler;
    }

    /** A change: one rebuild soon, shared by the changes until it runs. */
    void schedule() {
        if (listed && pending.compareAndSet(false, true)) thread.schedule(this::rebuild, COALESCE_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void rebuild() {
        pending.set(false);
        try {
            rebuildNow();
        } catch (RuntimeException e) { // a scheduled task's exception would vanish: the status and the log say it
            lastApply = "the last change could not be compiled, the previous table stays: " + e;
            LOG.log(System.Logger.Level.WARNING, "NetworkPolicy: " + lastApply);
        }
    }

    private void rebuildNow() {
        long started = System.nanoTime();
        // checked on every change, not only when the table's text does: br_netfilter can be switched off under us
        bypass = kernel.bypassed().orElse("");
        PolicyCluster now = KubePolicies.cluster(list(0, Pod.class), list(1, Namespace.class), list(2, NetworkPolicy.class));
        NftRuleset.Compiled compiled = NftRuleset.compile(now, node);
        long generated = System.nanoTime();
        if (applied != null && applied.text().equals(compiled.text())) {
            cluster = now;
            return;
        }
        try {
            Map<String, Long> drops = applied == null ? Map.of() : kernel.drops();
            kernel.apply(compiled.text());
            if (applied != null) drops.forEach((counter, packets) -> total(applied, counter, packets, dropTotals));
            applied = compiled;
            lastApply = String.format("%d lines, %d chains for %d pods in %.1f ms (generated in %.1f ms)%s",
                    compiled.text().lines().count(), compiled.chains().size(), compiled.isolatedPods(), (System.nanoTime() - generated) / 1e6,
                    (generated - started) / 1e6, bypass.isEmpty() ? "" : "; " + bypass);
            LOG.log(System.Logger.Level.INFO, "NetworkPolicy table replaced: " + lastApply + (now.refused().isEmpty() ? ""
                    : "; refused: " + String.join("; ", now.refused())));
        } catch (RuntimeException e) {
            lastApply = "the last change failed, the previous table stays: " + e.getMessage();
            LOG.log(System.Logger.Level.WARNING, "NetworkPolicy: " + lastApply);
        }
        cluster = now; // after the kernel has it (or refused it): why and status describe what was tried last
    }

    /** Adds a chain's counter to {@code totals}, under the chain's signature: its name changes from table to table. */
    private static void total(NftRuleset.Compiled table, String counter, long packets, Map<NftRuleset.Signature, Long> totals) {
        NftRuleset.Chain chain = table.chains().get(counter);
        if (chain != null) totals.merge(chain.signature(), packets, Long::sum);
    }

    private <T> List<T> list(int informer, Class<T> kind) {
        return informers.get(informer).getStore().list().stream().map(kind::cast).toList();
    }

    @Override
    public PolicyStatus status() {
        try {
            return thread.submit(this::statusNow).get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new IllegalStateException("the NetworkPolicy controller has stopped");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the NetworkPolicy controller did not answer: " + e);
        }
    }

    private PolicyStatus statusNow() {
        PolicyCluster now = cluster;
        Map<NftRuleset.Signature, Long> drops = new HashMap<>(dropTotals);
        if (applied != null) kernel.drops().forEach((counter, packets) -> total(applied, counter, packets, drops));
        Map<String, List<String>> selected = now.selected();
        List<PolicyStatus.Entry> entries = new ArrayList<>();
        for (Policy policy : now.policies()) {
            List<String> types = new ArrayList<>();
            if (policy.ingress()) types.add("Ingress");
            if (policy.egress()) types.add("Egress");
            long dropped = 0;
            for (Map.Entry<NftRuleset.Signature, Long> total : drops.entrySet()) {
                if (total.getKey().policies().contains(policy.id())) dropped += total.getValue();
            }
            entries.add(new PolicyStatus.Entry(policy.id(), types, selected.get(policy.id()), dropped));
        }
        entries.sort(java.util.Comparator.comparing(PolicyStatus.Entry::policy));
        String state = !listed ? "waiting for the API server's first lists" : applied == null ? "not enforcing: " + lastApply
                : bypass.isEmpty() ? "enforcing" : "NOT enforcing between pods on this node: " + bypass;
        int isolated = applied == null ? 0 : (int) applied.isolatedPods();
        DropLog log = dropLog.get();
        List<String> recent = log != null ? log.recent() : unexplained.isEmpty() ? List.of() : List.of(unexplained);
        return new PolicyStatus(state, node, entries, now.refused(), isolated, lastApply, recent);
    }

    @Override
    public ApiReply.PolicyVerdict why(ApiRequest.PolicyQuestion question) {
        PolicyCluster now = cluster;
        PolicyCluster.Verdict verdict = now.decide(address(now, question.source()), address(now, question.destination()),
                PolicyPort.Protocol.valueOf(question.protocol()), question.port());
        return new ApiReply.PolicyVerdict(verdict.allowed(), (verdict.allowed() ? "allowed: " : "denied: ") + verdict.reason());
    }

    /** An end of a question: an IPv4 address, or a pod as {@code namespace/name} or a name in {@code default}. */
    private static long address(PolicyCluster cluster, String end) {
        if (end.chars().allMatch(c -> c == '.' || Character.isDigit(c))) return Ipv4Ranges.address(end);
        int slash = end.indexOf('/');
        String namespace = slash < 0 ? "default" : end.substring(0, slash), name = end.substring(slash + 1);
        return cluster.pod(namespace, name).map(PolicyPod::address).orElseThrow(() -> new IllegalArgumentException(
                "no pod " + namespace + "/" + name + " with an address on the overlay is known (give namespace/name, or an address)"));
    }

    @Override
    public void close() {
        closed = true; // a start in progress closes what it makes after this
        informers.forEach(SharedIndexInformer::close);
        // closing twice, even from two threads (the retried start, then its owner), closes the socket once
        Optional.ofNullable(dropLog.getAndSet(null)).ifPresent(DropLog::close);
        thread.shutdownNow();
    }
}

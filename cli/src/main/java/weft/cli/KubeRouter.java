package weft.cli;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import weft.kube.addon.KubeAddon;
import weft.kube.addon.NodePeers;
import weft.kube.addon.RetriedStart;
import weft.kube.policy.PolicyController;
import weft.router.RouterConfig;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code weft router --kube}: the router as Weft's DaemonSet runs it, in a pod on the host's network. Before the
 * router starts it asks the API server for the cluster's Nodes: the other Nodes' addresses (InternalIP, else
 * ExternalIP) become its first peers and, unless {@code --ipalloc-init} says otherwise, their number (this one
 * included) is the consensus the allocation ring waits for, as weave-kube did. Once the router runs, the
 * {@link KubeAddon} follows the Nodes, reclaims deleted ones' addresses and marks this Node's network available,
 * started by a {@link RetriedStart}, so an API server that is down only delays it; so is the {@link PolicyController},
 * which enforces the cluster's NetworkPolicies on this Node's pods (unless {@code --no-network-policy}).
 *
 * <p>An API server that does not answer before the router starts leaves it nothing to count: the router then
 * starts as an observer of the allocation ring (unless {@code --ipalloc-init} is given), which never makes a ring of
 * its own, so it cannot split the cluster's addresses; a router with a ring in its data directory goes on with
 * it, and one without joins the ring of the peers it reaches once the addon has found them.
 */
final class KubeRouter {
    static final CommandLine.Option KUBE = new CommandLine.Option("kube", null, "run as a Kubernetes cluster's network (Weft's DaemonSet):"
            + " peers from the Nodes, deleted Nodes' addresses reclaimed, this Node's NetworkUnavailable=False; needs the Node's name"
            + " and the pod's service account (or $KUBECONFIG)");
    static final CommandLine.Option NODE_NAME = new CommandLine.Option("node-name", "NAME",
            "with --kube, this host's Node (default $NODE_NAME, which the DaemonSet sets from spec.nodeName)");
    static final CommandLine.Option NO_NETWORK_POLICY = new CommandLine.Option("no-network-policy", null,
            "with --kube, do not enforce the cluster's NetworkPolicies on this node's pods (a table an earlier run left is removed)");
    static final List<CommandLine.Option> OPTIONS = List.of(KUBE, NODE_NAME, NO_NETWORK_POLICY);
    /** Where the ConfigMap of peers lives when the pod does not say ($POD_NAMESPACE). */
    static final String DEFAULT_NAMESPACE = "kube-system";
    /** Bounds on each request, so a down API server delays the start by seconds, not minutes. */
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000, REQUEST_TIMEOUT_MILLIS = 10_000, RETRIES = 2;

    /** What the API server said about the cluster before the router started. */
    record Cluster(List<String> peers, int nodes) {
    }

    private KubeRouter() {
    }

    static int run(CommandLine line, Map<String, String> environment, PrintStream err) {
        String node = nodeName(line, environment);
        String namespace = Optional.ofNullable(environment.get("POD_NAMESPACE")).filter(text -> !text.isBlank()).orElse(DEFAULT_NAMESPACE);
        Config config = new ConfigBuilder(Config.autoConfigure(null)).withConnectionTimeout(CONNECT_TIMEOUT_MILLIS)
                .withRequestTimeout(REQUEST_TIMEOUT_MILLIS).withRequestRetryBackoffLimit(RETRIES).build();
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        Optional<Cluster> cluster = ask(client, node, err);
        RouterConfig routerConfig;
        try {
            routerConfig = RouterOptions.parse(line, environment, cluster.map(Cluster::peers).orElse(List.of()), Optional.of(defaultInit(cluster)));
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
        return RouterMain.runForeground(routerConfig, err, router -> {
            RetriedStart start = RetriedStart.inBackground(() -> {
                KubeAddon addon = new KubeAddon(client, router, namespace, node, router.status().peerName());
                try {
                    addon.start();
                } catch (Exception e) {
                    addon.close();
                    throw e;
                }
                return addon;
            });
            // served at once: until the API server answers, weft status policy says the controller waits for it
            Optional<PolicyController> policies = line.flag("no-network-policy") ? Optional.empty() : Optional.of(new PolicyController(client, node));
            if (policies.isEmpty()) System.getLogger(KubeRouter.class.getName()).log(System.Logger.Level.INFO, PolicyController.removeTable());
            policies.ifPresent(router::servePolicy);
            Optional<RetriedStart> enforcing = policies.map(controller -> RetriedStart.inBackground(() -> {
                controller.start();
                return controller;
            }));
            return () -> {
                enforcing.ifPresent(RetriedStart::close);
                policies.ifPresent(PolicyController::close);
                start.close();
                client.close();
            };
        });
    }

    /** From --node-name, else $NODE_NAME; the addon cannot record its peer or mark its Node without it. */
    static String nodeName(CommandLine line, Map<String, String> environment) {
        Optional<String> name = line.value("node-name").or(() -> Optional.ofNullable(environment.get("NODE_NAME")))
                .map(String::strip).filter(text -> !text.isEmpty());
        return name.orElseThrow(() -> new IllegalArgumentException("--kube needs this host's Node name: set NODE_NAME from the"
                + " downward API (fieldRef spec.nodeName), as Weft's DaemonSet does, or give --node-name"));
    }

    /** Consensus over the Nodes the API server listed, or an observer when it listed none (see the class comment). */
    static String defaultInit(Optional<Cluster> cluster) {
        return cluster.map(c -> "consensus=" + Math.max(1, c.nodes())).orElse("observer");
    }

    /** The cluster as the API server describes it now, or empty (and why, on {@code err}) when it does not answer. */
    static Optional<Cluster> ask(KubernetesClient client, String node, PrintStream err) {
        try {
            List<Node> nodes = client.nodes().list().getItems();
            return Optional.of(new Cluster(NodePeers.of(nodes, node), nodes.size()));
        } catch (RuntimeException e) {
            err.println("weft router: the API server at " + client.getMasterUrl() + " did not list the Nodes (" + e.getMessage()
                    + "); starting without the other nodes' addresses, as an observer of the allocation ring unless --ipalloc-init"
                    + " says otherwise, and asking the API server again once the router runs");
            return Optional.empty();
        }
    }
}

package weft.kube.addon;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import weft.api.RouterApi;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The router in a Kubernetes cluster: it connects to every other Node (their InternalIP, else ExternalIP) and to
 * each new one as it appears, records its peer under its node, gives a deleted Node's ranges to exactly one surviving
 * router ({@link NodeReclaim}), and marks its own Node {@code NetworkUnavailable=False} once it runs. Nodes come from
 * an informer (list, then watch, resumed by fabric8 when the watch drops). Talks to the router through
 * {@link RouterApi}, so it runs in the router's process or beside it.
 *
 * <p>Thread rule: the informer's events arrive on fabric8's single event thread, which owns {@link #dialled}; the
 * start runs before the informer does.
 */
public final class KubeAddon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KubeAddon.class.getName());

    private final KubernetesClient client;
    private final RouterApi router;
    private final String selfNode;
    private final NodeReclaim reclaim;
    private final Set<String> dialled = new HashSet<>(); // informer thread
    private SharedIndexInformer<Node> informer;

    public KubeAddon(KubernetesClient client, RouterApi router, String namespace, String selfNode, String selfPeer) {
        this.client = client;
        this.router = router;
        this.selfNode = selfNode;
        this.reclaim = new NodeReclaim(client, namespace, selfPeer, selfNode, peer -> router.removePeer(peer, false));
    }

    /** Records this peer, dials the other Nodes, marks this Node's network available, and follows Nodes from now on. */
    public void start() throws Exception {
        reclaim.register();
        dial(NodePeers.of(client.nodes().list().getItems(), selfNode));
        markNetworkAvailable();
        informer = client.nodes().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node node) {
                changed();
            }

            @Override
            public void onUpdate(Node before, Node after) {
                changed();
            }

            @Override
            public void onDelete(Node node, boolean finalStateUnknown) {
                LOG.log(System.Logger.Level.INFO, "node " + node.getMetadata().getName() + " was deleted");
                changed();
            }
        }, 60_000);
    }

    /** A Node came, changed or went: dial the new addresses, reclaim what deleted nodes held. */
    private void changed() {
        List<Node> nodes = informer == null ? client.nodes().list().getItems() : informer.getStore().list();
        try {
            dial(NodePeers.of(nodes, selfNode));
            Set<String> live = nodes.stream().map(n -> n.getMetadata().getName()).collect(Collectors.toSet());
            for (String peer : reclaim.reclaim(live)) LOG.log(System.Logger.Level.INFO, "took over the ranges of peer " + peer + ", whose node was deleted");
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "following the cluster's nodes failed (tried again on the next change): " + e.getMessage());
        }
    }

    private void dial(List<String> peers) throws Exception {
        List<String> fresh = new ArrayList<>();
        for (String peer : peers) if (dialled.add(peer)) fresh.add(peer);
        if (!fresh.isEmpty()) router.connect(fresh);
    }

    /** {@code NetworkUnavailable=False} on this Node, as network plugins say they are ready. */
    private void markNetworkAvailable() {
        NodeCondition ready = new NodeConditionBuilder().withType("NetworkUnavailable").withStatus("False").withReason("WeftIsUp")
                .withMessage("Weft is running on this node").withLastTransitionTime(Instant.now().toString())
                .withLastHeartbeatTime(Instant.now().toString()).build();
        client.nodes().withName(selfNode).editStatus(node -> {
            List<NodeCondition> conditions = new ArrayList<>(node.getStatus().getConditions() == null ? List.of() : node.getStatus().getConditions());
            conditions.removeIf(c -> "NetworkUnavailable".equals(c.getType()));
            conditions.add(ready);
            node.getStatus().setConditions(conditions);
            return node;
        });
    }

    @Override
    public void close() {
        if (informer != null) informer.close();
    }
}

package weft.kube.addon;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Gives the address ranges of a router whose Kubernetes Node was deleted to exactly one surviving router, as
 * weave-kube did: each router records its peer name under its node name in the ConfigMap {@value #CONFIG_MAP}, and
 * when a recorded node is no longer in the API, the routers race to claim its peer by an update that carries the
 * ConfigMap's resourceVersion. The API server lets one update through (optimistic concurrency, 409 for the others),
 * and only that router runs the takeover ({@code rmpeer}). A node that is merely down keeps its Node object and so
 * its addresses.
 *
 * <p>The ConfigMap's keys are the peer names with {@code -} for {@code :}, since the API server takes only
 * {@code [-._a-zA-Z0-9]} in a key; {@link #peers} and {@link #write} translate, so the rest of this class speaks
 * peer names.
 *
 * <p>A claim is written first ({@code claimed-by:PEER}), the takeover runs, and then the entry goes. A router that
 * dies between the two leaves the claim: it is taken over again by another router once the claimer's own node is
 * gone, and a takeover that runs twice takes nothing the second time. Not thread-safe: one caller (the addon's loop).
 */
public final class NodeReclaim {
    public static final String CONFIG_MAP = "weft-peers";
    private static final String CLAIMED = "claimed-by:";
    private static final int ATTEMPTS = 10;

    /** The router's takeover of a dead peer's ranges ({@code weft rmpeer}); returns what it did, in words. */
    @FunctionalInterface
    public interface Takeover {
        String takeOver(String peerName) throws Exception;
    }

    private final KubernetesClient client;
    private final String namespace;
    private final String selfPeer;
    private final String selfNode;
    private final Takeover takeover;

    public NodeReclaim(KubernetesClient client, String namespace, String selfPeer, String selfNode, Takeover takeover) {
        this.client = client;
        this.namespace = namespace;
        this.selfPeer = selfPeer;
        this.selfNode = selfNode;
        this.takeover = takeover;
    }

    /** Records this router's peer under its node, creating the ConfigMap when there is none. */
    public void register() {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<ConfigMap> current = read();
            if (current.isPresent() && selfNode.equals(peers(current.get()).get(selfPeer))) return;
            Map<String, String> data = new HashMap<>(current.map(NodeReclaim::peers).orElse(Map.of()));
            data.put(selfPeer, selfNode);
            if (write(current, data)) return;
        }
        throw new IllegalStateException("could not record peer " + selfPeer + " in ConfigMap " + namespace + "/" + CONFIG_MAP
                + " after " + ATTEMPTS + " attempts: other routers kept changing it");
    }

    /**
     * Claims and takes over every recorded peer whose node is not in {@code liveNodes} (and every claim whose
     * claimer's node is gone). Returns the peers this router took over; the other routers took over the rest.
     */
    public List<String> reclaim(Set<String> liveNodes) throws Exception {
        List<String> taken = new ArrayList<>();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<ConfigMap> current = read();
            if (current.isEmpty()) return taken;
            Map<String, String> data = peers(current.get());
            Optional<String> orphan = data.entrySet().stream().filter(e -> !e.getKey().equals(selfPeer) && orphaned(e.getValue(), data, liveNodes))
                    .map(Map.Entry::getKey).sorted().findFirst();
            if (orphan.isEmpty()) return taken;
            Map<String, String> claimed = new HashMap<>(data);
            claimed.put(orphan.get(), CLAIMED + selfPeer);
            if (!write(current, claimed)) continue; // another router changed it first: read again, maybe it claimed this one
            takeover.takeOver(orphan.get());
            taken.add(orphan.get());
            forget(orphan.get());
            attempt = 0; // one claim made progress: the next orphan gets its own attempts
        }
        return taken;
    }

    /**
     * Whether the entry {@code value} names a node that is gone, or is a claim whose claimer's node is gone, or a
     * claim of ours whose takeover failed (it is tried again).
     */
    private boolean orphaned(String value, Map<String, String> data, Set<String> liveNodes) {
        if (!value.startsWith(CLAIMED)) return !liveNodes.contains(value);
        String claimer = value.substring(CLAIMED.length());
        if (claimer.equals(selfPeer)) return true;
        String claimerNode = data.get(claimer);
        return claimerNode == null || (!claimerNode.startsWith(CLAIMED) && !liveNodes.contains(claimerNode));
    }

    /** Removes {@code peer}'s entry after its takeover. */
    private void forget(String peer) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<ConfigMap> current = read();
            if (current.isEmpty() || !peers(current.get()).containsKey(peer)) return;
            Map<String, String> data = new HashMap<>(peers(current.get()));
            data.remove(peer);
            if (write(current, data)) return;
        }
    }

    private Optional<ConfigMap> read() {
        return Optional.ofNullable(client.configMaps().inNamespace(namespace).withName(CONFIG_MAP).get());
    }

    /** The ConfigMap's entries by peer name. */
    static Map<String, String> peers(ConfigMap map) {
        Map<String, String> peers = new HashMap<>();
        if (map.getData() != null) map.getData().forEach((key, value) -> peers.put(key.replace('-', ':'), value));
        return peers;
    }

    /** The ConfigMap key of a peer name (which is hex digits and colons). */
    static String key(String peer) {
        return peer.replace(':', '-');
    }

    /** Writes {@code peers} over {@code current} if nobody changed it since it was read; false on a conflict. */
    private boolean write(Optional<ConfigMap> current, Map<String, String> peers) {
        Map<String, String> data = new HashMap<>();
        peers.forEach((peer, value) -> data.put(key(peer), value));
        try {
            if (current.isEmpty()) {
                client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder().withNewMetadata().withName(CONFIG_MAP)
                        .withNamespace(namespace).endMetadata().withData(data).build()).create();
            } else {
                client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder(current.get()).withData(data).build()).update();
            }
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) return false;
            throw e;
        }
    }
}

package weft.kube.addon;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The peers a router on node {@code self} connects to: every other Node's InternalIP, or its ExternalIP when it has
 * none, as weave-kube found its peers. A node with neither (it has not reported yet) is left out until it does; the
 * addon's watch of Nodes asks again on each change. Pure and stateless.
 */
public final class NodePeers {
    private NodePeers() {
    }

    /** The addresses to dial, sorted, without duplicates and without {@code selfNode}'s own. */
    public static List<String> of(List<Node> nodes, String selfNode) {
        TreeSet<String> peers = new TreeSet<>();
        for (Node node : nodes) {
            if (node.getMetadata() == null || Objects.equals(node.getMetadata().getName(), selfNode)) continue;
            address(node).ifPresent(peers::add);
        }
        return List.copyOf(peers);
    }

    /** The node's InternalIP, else its ExternalIP. */
    static Optional<String> address(Node node) {
        List<NodeAddress> addresses = node.getStatus() == null || node.getStatus().getAddresses() == null ? List.of()
                : node.getStatus().getAddresses();
        return first(addresses, "InternalIP").or(() -> first(addresses, "ExternalIP"));
    }

    private static Optional<String> first(List<NodeAddress> addresses, String type) {
        return addresses.stream().filter(a -> type.equals(a.getType()) && a.getAddress() != null && !a.getAddress().isBlank())
                .map(NodeAddress::getAddress).findFirst();
    }
}

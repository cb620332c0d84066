package weft.kube.addon;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which addresses a router dials, from the Nodes the API lists. */
class NodePeersTest {
    private static Node node(String name, String... typeAndAddress) {
        NodeBuilder builder = new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewStatus().endStatus();
        for (int i = 0; i < typeAndAddress.length; i += 2) {
            builder.editStatus().addNewAddress().withType(typeAndAddress[i]).withAddress(typeAndAddress[i + 1]).endAddress().endStatus();
        }
        return builder.build();
    }

    @Test
    void everyOtherNodesInternalAddressElseItsExternalOneAndNotOurOwn() {
        List<Node> nodes = List.of(
                node("self", "InternalIP", "10.0.0.1"),
                node("b", "Hostname", "b", "ExternalIP", "203.0.113.2", "InternalIP", "10.0.0.2"),
                node("c", "ExternalIP", "203.0.113.3"),
                node("d", "Hostname", "d"),
                node("e", "InternalIP", "10.0.0.2"));
        assertEquals(List.of("10.0.0.2", "203.0.113.3"), NodePeers.of(nodes, "self"));
    }
}

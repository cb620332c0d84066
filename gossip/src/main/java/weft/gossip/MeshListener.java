package weft.gossip;

import java.util.List;
import weft.gossip.topology.Routes;

/**
 * What the layer above hears from the {@link Mesh}. For each peer, connected and disconnected
 * strictly alternate, starting with connected.
 *
 * <p>Called on the mesh loop thread only, one call at a time; implementations must not block.
 */
public interface MeshListener {
    /** {@code peer} has an established connection (it may be a new incarnation of a peer seen before). */
    void onPeerConnected(ConnectedPeer peer);

    /** The connection to {@code peer} is gone; {@code reason} is one line for the log. */
    void onPeerDisconnected(PeerName peer, String reason);

    /**
     * The routes after a topology change (debounced, so a burst of changes is one call), and once
     * right after start.
     */
    void onRoutesChanged(Routes routes);

    /** These peers were unreachable for long enough to be forgotten (drop their MACs and claims). */
    void onPeersForgotten(List<PeerName> peers);
}

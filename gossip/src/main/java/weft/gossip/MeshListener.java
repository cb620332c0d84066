package weft.gossip;

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
}

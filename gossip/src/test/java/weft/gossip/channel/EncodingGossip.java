package weft.gossip.channel;

import weft.gossip.PeerName;

/**
 * A channel's send side that does with what it is given what the mesh does first, encode it, and then drops it: for
 * tests of a gossiper alone, where the encoding of what it sends is what could fail. Stateless.
 */
public final class EncodingGossip implements Gossip {
    public static final EncodingGossip INSTANCE = new EncodingGossip();

    private EncodingGossip() {
    }

    @Override
    public void unicast(PeerName to, byte[] payload) {
        // already bytes
    }

    @Override
    public void broadcast(GossipData data) {
        data.encode();
    }

    @Override
    public void gossip(GossipData data) {
        data.encode();
    }
}

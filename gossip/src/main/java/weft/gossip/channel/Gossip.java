package weft.gossip.channel;

import weft.gossip.PeerName;

/**
 * A module's send side of one channel, returned by {@link GossipChannels#register}. Must be called
 * on the mesh loop (modules on other threads hop onto it first).
 */
public interface Gossip {
    /**
     * Sends to one peer, relayed hop by hop along unicast routes; best effort. Dropped if it is unreachable or the
     * queue to its next hop is full, and then the channel's {@link Gossiper#onUnicastRefused} hears of it.
     */
    void unicast(PeerName to, byte[] payload);

    /** Sends to every reachable peer once, along our broadcast tree. */
    void broadcast(GossipData data);

    /** Sends to a few random neighbours; receivers pass on only what was new to them. */
    void gossip(GossipData data);
}

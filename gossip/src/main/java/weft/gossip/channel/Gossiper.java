package weft.gossip.channel;

import weft.gossip.PeerName;

/**
 * A module's receive side of one channel (IPAM, DNS). Called on the mesh loop; must not block.
 * Payloads are untrusted bytes: a gossiper that cannot decode one returns null and counts it.
 */
public interface Gossiper {
    /** A unicast addressed to us from {@code from}. */
    void onUnicast(PeerName from, byte[] payload);

    /** A broadcast that originated at {@code from}; returns what it received, to relay on, or null. */
    GossipData onBroadcast(PeerName from, byte[] payload);

    /** Everything this channel knows, for periodic gossip. */
    GossipData completeState();

    /** Gossip from a neighbour; returns the part that was new to us (to pass on), or null if nothing was. */
    GossipData onGossip(byte[] payload);

    /**
     * A unicast this channel sent to {@code to} was dropped before it left this peer: {@code to} is unreachable,
     * or the queue to its next hop is full; {@code reason} says which. Called from within
     * {@link Gossip#unicast}, so it must not send on this channel. Unicasts are best effort either way (one can
     * still be lost on a connection that closes); this says when we know at once. The default ignores it: the
     * refusal is counted by the mesh all the same.
     */
    default void onUnicastRefused(PeerName to, byte[] payload, String reason) {}
}

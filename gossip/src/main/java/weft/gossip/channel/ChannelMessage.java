package weft.gossip.channel;

import weft.gossip.PeerName;

/**
 * What gossip channels send between neighbours. Encoded by {@link ChannelCodec}.
 *
 * <p>Immutable values (the payload arrays are not copied: do not mutate them); thread-safe.
 */
public sealed interface ChannelMessage {
    /** The channel the message belongs to. */
    String channel();

    /** A unicast from {@code source} on its way to {@code destination}. */
    record Unicast(String channel, PeerName source, PeerName destination, byte[] payload) implements ChannelMessage {}

    /** A broadcast that originated at {@code source}, relayed along source's tree. */
    record Broadcast(String channel, PeerName source, byte[] payload) implements ChannelMessage {}

    /** Gossip from the neighbour that sends it. */
    record Gossip(String channel, byte[] payload) implements ChannelMessage {}
}

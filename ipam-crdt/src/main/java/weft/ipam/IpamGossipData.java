package weft.ipam;

import weft.gossip.channel.GossipData;

/**
 * The {@code ipam} channel's gossip value: a ring and consensus state, merged as the CRDTs they are, so a
 * slow connection holds one merged value instead of a backlog.
 *
 * <p>Immutable value; thread-safe.
 */
public record IpamGossipData(IpamMessage.State state) implements GossipData {
    @Override
    public byte[] encode() {
        return IpamCodec.encode(state);
    }

    @Override
    public GossipData merge(GossipData other) {
        if (!(other instanceof IpamGossipData(IpamMessage.State theirs))) {
            throw new IllegalStateException("ipam channel merged with " + other.getClass().getName());
        }
        return new IpamGossipData(new IpamMessage.State(state.ring().merge(theirs.ring()).ring(),
                state.consensus().merge(theirs.consensus())));
    }
}

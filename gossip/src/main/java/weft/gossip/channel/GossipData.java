package weft.gossip.channel;

/**
 * State a channel gossips: a CRDT value. {@code merge} must be commutative, associative and
 * idempotent, because pending data for a slow connection is merged instead of queued.
 *
 * <p>Implementations say their thread rule; the gossip core calls them on the mesh loop.
 */
public interface GossipData {
    /** The bytes the receiving {@link Gossiper} decodes. */
    byte[] encode();

    /** This merged with {@code other}; may return this, mutated, or a new value. */
    GossipData merge(GossipData other);
}

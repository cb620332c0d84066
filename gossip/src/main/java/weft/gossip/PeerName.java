package weft.gossip;

/** Placeholder so the module compiles; replaced below. */
public record PeerName(long value) {}

package weft.gossip.connect;

import weft.gossip.PeerName;

/**
 * How the first attempt for a new target ended.
 *
 * <p>Immutable values; thread-safe.
 */
public sealed interface ConnectOutcome {
    /** The target is the peer {@code peer}, now connected. */
    record Connected(PeerName peer, String nickname) implements ConnectOutcome {}

    /** The attempt failed; the target stays and is retried unless the reason rules that out. */
    record Failed(String reason) implements ConnectOutcome {}
}

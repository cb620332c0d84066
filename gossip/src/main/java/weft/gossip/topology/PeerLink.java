package weft.gossip.topology;

import java.util.Objects;
import weft.gossip.PeerName;

/**
 * One connection as its owner reports it in its {@link PeerRecord}.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param peer          the peer at the other end
 * @param remoteAddress the other end's TCP address as {@code ip:port}, at most 255 bytes of UTF-8
 * @param outbound      whether the owner dialled it
 * @param established   whether the data path to that peer works (heartbeats flow); only links that
 *                      both ends report established carry unicast and broadcast traffic
 */
public record PeerLink(PeerName peer, String remoteAddress, boolean outbound, boolean established) {
    public PeerLink {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(remoteAddress, "remoteAddress");
    }
}

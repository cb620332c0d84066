package weft.gossip;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * A peer with an established mesh connection, as its hello announced it.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param remoteAddress the peer's end of the TCP connection
 * @param udpPort       the peer's sleeve UDP port, announced in its hello
 * @param outbound      true if we dialled the connection
 * @param encrypted     whether the control connection is sealed (both sides have the password)
 * @param sleeveKeys    present iff this pair's data must be sealed (sleeve datagrams, and kernel ESP on
 *                      the fast path): both sides have the password and they do not both trust each
 *                      other's address
 * @param heartbeatKeys present iff the connection is encrypted: what authenticates the pair's fast-path heartbeats
 */
public record ConnectedPeer(PeerName name, String nickname, long incarnation, InetSocketAddress remoteAddress,
        int udpPort, boolean outbound, boolean encrypted, Optional<SleeveKeys> sleeveKeys,
        Optional<HeartbeatKeys> heartbeatKeys) {
    /** Where to send the peer sleeve datagrams: its TCP address with its announced UDP port. */
    public InetSocketAddress udpAddress() {
        return new InetSocketAddress(remoteAddress.getAddress(), udpPort);
    }

    @Override
    public String toString() {
        return name.label(nickname) + " at " + remoteAddress.getAddress().getHostAddress() + ":"
                + remoteAddress.getPort() + (outbound ? ", outbound" : ", inbound")
                + (encrypted ? ", encrypted" : ", unencrypted")
                + (encrypted && sleeveKeys.isEmpty() ? " (sleeve in the clear: trusted)" : "");
    }
}

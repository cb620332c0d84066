package weft.gossip;

import java.net.InetSocketAddress;

/**
 * A peer with an established mesh connection, as its hello announced it.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param remoteAddress the peer's end of the TCP connection
 * @param udpPort       the peer's sleeve UDP port, announced in its hello
 * @param outbound      true if we dialled the connection
 */
public record ConnectedPeer(PeerName name, String nickname, long incarnation, InetSocketAddress remoteAddress,
        int udpPort, boolean outbound) {
    /** Where to send the peer sleeve datagrams: its TCP address with its announced UDP port. */
    public InetSocketAddress udpAddress() {
        return new InetSocketAddress(remoteAddress.getAddress(), udpPort);
    }

    @Override
    public String toString() {
        return name + "(" + nickname + ") at " + remoteAddress.getAddress().getHostAddress() + ":"
                + remoteAddress.getPort() + (outbound ? ", outbound" : ", inbound");
    }
}

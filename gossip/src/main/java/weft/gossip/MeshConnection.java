package weft.gossip;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Optional;
import weft.gossip.topology.PeerLink;
import weft.gossip.wire.Hello;

/**
 * One mesh connection: its channel, which way it was made, the target it was dialled for, both hellos,
 * and where it is in its life.
 *
 * <p>Threads: created on the Netty event loop (accepted) or on the mesh loop (dialled) and handed to the
 * mesh loop through its queue. The final fields may be read anywhere; the others are read and written on
 * the mesh loop only.
 */
final class MeshConnection {
    final Channel channel;
    final boolean outbound;
    final String target; // the target it was dialled for; null if inbound
    final InetSocketAddress remoteAddress;
    final Hello ours;
    Hello theirs; // null until the handshake succeeded
    boolean encrypted;
    Optional<SleeveKeys> sleeveKeys = Optional.empty();
    Optional<HeartbeatKeys> heartbeatKeys = Optional.empty();
    MeshStatus.State state = MeshStatus.State.HANDSHAKING;
    Instant since;
    boolean settled; // its target has been told the attempt's outcome

    MeshConnection(Channel channel, boolean outbound, String target, InetSocketAddress remoteAddress, Hello ours,
            Instant since) {
        this.channel = channel;
        this.outbound = outbound;
        this.target = target;
        this.remoteAddress = remoteAddress;
        this.ours = ours;
        this.since = since;
    }

    /** The peer as the listener hears of it. Only once the handshake succeeded. */
    ConnectedPeer peer() {
        return new ConnectedPeer(theirs.name(), theirs.nickname(), theirs.incarnation(), remoteAddress,
                theirs.udpPort(), outbound, encrypted, sleeveKeys, heartbeatKeys);
    }

    /** What {@link Admission} judges. Only once the handshake succeeded. */
    Admission.Candidate candidate() {
        return new Admission.Candidate(theirs.name(), theirs.incarnation(), remoteAddress.getAddress(), outbound,
                ours.connectionId() ^ theirs.connectionId());
    }

    /** This connection in our own peer record. Only once established. */
    PeerLink link() {
        return new PeerLink(theirs.name(), hostAndPort(remoteAddress), outbound, true);
    }

    /** Whether the peer on this connection listens at {@code address}: its IP, and the port its hello announced. */
    boolean listensAt(InetSocketAddress address) {
        return remoteAddress.getAddress().equals(address.getAddress()) && theirs.udpPort() == address.getPort();
    }

    MeshStatus.Connection status() {
        Optional<Hello> hello = Optional.ofNullable(theirs);
        return new MeshStatus.Connection(hello.map(Hello::name), hello.map(Hello::nickname), remoteAddress,
                outbound, state, since, encrypted, sleeveKeys.isPresent());
    }

    /** For the log: {@code name(nickname) at ip:port, outbound, encrypted}, or just the address before the hello. */
    String describe() {
        String address = hostAndPort(remoteAddress);
        String who = theirs == null ? address : theirs.name().label(theirs.nickname()) + " at " + address;
        return who + (outbound ? ", outbound" : ", inbound")
                + (theirs == null ? "" : encrypted ? ", encrypted" : ", unencrypted")
                + (encrypted && sleeveKeys.isEmpty() ? " (sleeve in the clear: trusted both ways)" : "");
    }

    /** {@code ip:port}: how links, discovered targets and log lines spell an address. */
    static String hostAndPort(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }
}

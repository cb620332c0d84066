package weft.gossip;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A snapshot of the mesh transport for the status API.
 *
 * <p>Immutable value; thread-safe.
 */
public record MeshStatus(PeerIdentity self, List<Connection> connections,
        List<ConnectionMaker.TargetStatus> targets) {
    public MeshStatus {
        connections = List.copyOf(connections);
        targets = List.copyOf(targets);
    }

    /** Where a connection is in its life. */
    public enum State {
        /** TCP connect or hello exchange in progress. */
        HANDSHAKING,
        /** Hellos exchanged and admitted; heartbeats flow. */
        ESTABLISHED
    }

    /**
     * One connection. {@code peer} and {@code nickname} are empty until the peer's hello arrives.
     *
     * @param since when the connection entered {@code state}
     */
    public record Connection(Optional<PeerName> peer, Optional<String> nickname, InetSocketAddress remoteAddress,
            boolean outbound, State state, Instant since) {}

    /** The established connections. */
    public List<Connection> established() {
        return connections.stream().filter(c -> c.state() == State.ESTABLISHED).toList();
    }
}

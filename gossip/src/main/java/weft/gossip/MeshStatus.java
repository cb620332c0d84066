package weft.gossip;

import weft.gossip.connect.ConnectionMaker;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import weft.gossip.topology.PeerRecord;
import weft.gossip.topology.Routes;

/**
 * A snapshot of the mesh transport for the status API.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param peers     the topology: every peer record we hold, sorted by name, ours included
 * @param routes    the routes computed from it
 * @param encrypted whether a password is configured (every connection is then encrypted)
 * @param inbound   counters of inbound connections refused before their handshake, of failed handshakes and of
 *                  bans, by label ({@code inbound-refused-busy}, ...), sorted
 */
public record MeshStatus(PeerIdentity self, List<Connection> connections,
        List<ConnectionMaker.TargetStatus> targets, List<PeerRecord> peers, Routes routes, boolean encrypted,
        Map<String, Long> inbound) {
    public MeshStatus {
        connections = List.copyOf(connections);
        targets = List.copyOf(targets);
        peers = List.copyOf(peers);
        inbound = Collections.unmodifiableSortedMap(new TreeMap<>(inbound));
    }

    /** Where a connection is in its life. */
    public enum State {
        /** TCP connect or handshake in progress. */
        HANDSHAKING,
        /** Handshake done and admitted; heartbeats flow. */
        ESTABLISHED
    }

    /**
     * One connection. {@code peer} and {@code nickname} are empty until the peer's hello arrives.
     *
     * @param since         when the connection entered {@code state}
     * @param encrypted     whether the control connection is sealed; false until established
     * @param dataEncrypted whether the sleeve seals this peer's datagrams; false until established
     */
    public record Connection(Optional<PeerName> peer, Optional<String> nickname, InetSocketAddress remoteAddress,
            boolean outbound, State state, Instant since, boolean encrypted, boolean dataEncrypted) {}

    /** The established connections. */
    public List<Connection> established() {
        return connections.stream().filter(c -> c.state() == State.ESTABLISHED).toList();
    }
}

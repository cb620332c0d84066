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
 * @param refused   what the mesh refused to stay within its bounds
 * @param inbound   counters of inbound connections refused before their handshake, of failed handshakes and of
 *                  bans, by label ({@code inbound-refused-busy}, ...), sorted
 */
public record MeshStatus(PeerIdentity self, List<Connection> connections,
        List<ConnectionMaker.TargetStatus> targets, List<PeerRecord> peers, Routes routes, boolean encrypted,
        Refusals refused, Map<String, Long> inbound) {
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

    /**
     * What the mesh refused so that its queues and state stay bounded, counted since start. A count that grows
     * means overload or a peer sending more than a mesh needs; each bound is documented where it is enforced.
     *
     * @param loopTasks       tasks the mesh loop's full queue refused ({@link MeshLoop}): API calls failed, and a
     *                        connection whose message was refused is closed ("mesh loop overloaded")
     * @param topologyRecords records of new peers refused because the topology held
     *                        {@link weft.gossip.topology.Topology#MAX_PEERS} peers
     * @param topologyFull    whether it holds that many now: peers beyond them are unknown here
     * @param discoveryAddresses links discovery would not dial: unspecified, multicast or broadcast addresses,
     *                        loopback or link-local ones while we use none ({@link Discovery}); counted each
     *                        time discovery looks
     * @param discoveryOverLimit links discovery left out because it held as many discovered targets as the
     *                        connection limit; counted each time discovery looks
     * @param channelUnicasts gossip channel unicasts (ours or relayed) refused because the queue to their next
     *                        hop held {@link weft.gossip.channel.GossipChannels#MAX_PENDING_UNICAST_BYTES} bytes or
     *                        {@link weft.gossip.channel.GossipChannels#MAX_PENDING_UNICASTS} messages; the channel
     *                        of one of ours is told
     */
    public record Refusals(long loopTasks, long topologyRecords, boolean topologyFull, long discoveryAddresses,
            long discoveryOverLimit, long channelUnicasts) {}

    /** The established connections. */
    public List<Connection> established() {
        return connections.stream().filter(c -> c.state() == State.ESTABLISHED).toList();
    }
}

package weft.gossip;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import weft.crypto.SessionKeys;
import weft.gossip.connect.ConnectOutcome;
import weft.gossip.connect.ConnectionMaker;
import weft.gossip.topology.PeerLink;
import weft.gossip.wire.CloseReason;
import weft.gossip.wire.Hello;

/**
 * The mesh's connections through their lives: registers each one as it is dialled or accepted, admits or
 * refuses it when its handshake succeeds ({@link Admission}), settles the attempt of the target it was
 * dialled for (the {@link ConnectionMaker} and the {@code connect} futures waiting on the target hear how it
 * went), tells {@link Peers} of peers gained and lost, and keeps the maker's count of connections in use: the
 * established ones. Inbound connections in their handshake do not use the connection limit (they have a budget of
 * their own, {@link InboundHandshakes}), so connections that never authenticate cannot hold back our dials; an
 * inbound connection that authenticates when the limit is reached is refused then.
 *
 * <p>Invariant: at most one established connection per peer name, and every established connection is
 * registered; a connection that is no longer registered is not the mesh's any more, and its events are
 * ignored.
 *
 * <p>Owned by the mesh loop: every method runs there.
 */
final class MeshConnections {
    // the mesh's logger: operators set one level for all of the mesh's connection lines
    private static final System.Logger LOG = System.getLogger(Mesh.class.getName());
    /** Why {@link #closeAll} closes connections; such closes are not failures. */
    private static final String MESH_CLOSING = "mesh closing";

    /** What peers gained and lost mean to the rest of the mesh. Called on the mesh loop. */
    interface Peers {
        /** {@code connection} was admitted: its peer is connected. */
        void onConnected(MeshConnection connection);

        /** {@code old} was closed for {@code reason}: a newer connection to the same peer replaces it. */
        void onReplaced(MeshConnection old, String reason);

        /** The established {@code connection} is closed: its peer is lost. */
        void onLost(MeshConnection connection, String reason);
    }

    private enum Settlement { CONNECTED, FAILED, GIVE_UP }

    private final PeerIdentity self;
    private final int connectionLimit;
    private final InstantSource clock;
    private final ConnectionMaker maker;
    private final Peers peers;
    private final Map<Channel, MeshConnection> connections = new LinkedHashMap<>();
    private final Map<PeerName, MeshConnection> established = new HashMap<>();
    private final Map<String, List<CompletableFuture<ConnectOutcome>>> awaitingOutcome = new HashMap<>();

    MeshConnections(PeerIdentity self, int connectionLimit, InstantSource clock, ConnectionMaker maker, Peers peers) {
        this.self = self;
        this.connectionLimit = connectionLimit;
        this.clock = clock;
        this.maker = maker;
        this.peers = peers;
    }

    // ---- the connections ----

    /** The registered connection on {@code channel}, if it still is one. */
    Optional<MeshConnection> of(Channel channel) {
        return Optional.ofNullable(connections.get(channel));
    }

    /** Every registered connection, oldest first. */
    Collection<MeshConnection> all() {
        return connections.values();
    }

    /** The established connection to {@code peer}, if any. */
    Optional<MeshConnection> to(PeerName peer) {
        return Optional.ofNullable(established.get(peer));
    }

    Set<PeerName> connectedPeers() {
        return established.keySet();
    }

    /** Whether {@code connection} is established and still its peer's connection (not replaced). */
    boolean isCurrent(MeshConnection connection) {
        return connection.state == MeshStatus.State.ESTABLISHED && established.get(connection.theirs.name()) == connection;
    }

    /** Our links for our own record: the established connections. */
    List<PeerLink> links() {
        List<PeerLink> links = new ArrayList<>(established.size());
        for (MeshConnection c : established.values()) {
            links.add(c.link());
        }
        return links;
    }

    // ---- their lives ----

    void onDialled(MeshConnection connection) {
        connections.put(connection.channel, connection);
        reportConnectionsInUse();
    }

    void onAccepted(MeshConnection connection) {
        connections.put(connection.channel, connection);
    }

    void onEstablished(MeshConnection connection, Hello theirs, Optional<SessionKeys> keys) {
        connection.theirs = theirs;
        connection.encrypted = keys.isPresent();
        // the sleeve may skip sealing only when both ends trust each other's address
        boolean bothTrust = connection.ours.trustsYou() && theirs.trustsYou();
        boolean espRollover = connection.ours.versions().agree(theirs.versions()).orElse(0) >= SleeveKeys.ESP_ROLLOVER_VERSION;
        connection.sleeveKeys = keys.filter(k -> !bothTrust)
                .map(k -> new SleeveKeys(k.sleeveSend(), k.sleeveReceive(), k.espSend(), k.espReceive(), espRollover));
        connection.heartbeatKeys = keys.map(k -> new HeartbeatKeys(k.heartbeatSend(), k.heartbeatReceive()));
        Optional<MeshConnection> current = Optional.ofNullable(established.get(theirs.name()));
        if (!connection.outbound && current.isEmpty() && connectionsInUse() >= connectionLimit) {
            // our dials were counted before they were made; an inbound connection only now that it has authenticated
            CloseReason.close(connection.channel, "too many connections (limit " + connectionLimit + ")");
            return;
        }
        Admission.Verdict verdict = Admission.judge(self, connection.candidate(), current.map(MeshConnection::candidate));
        switch (verdict) {
            case Admission.Verdict.Refuse(String reason, boolean permanent) -> {
                LOG.log(Level.WARNING, "refused connection with {0}: {1}", connection.describe(), reason);
                settle(connection, permanent ? Settlement.GIVE_UP : Settlement.FAILED, reason);
                CloseReason.close(connection.channel, reason);
            }
            case Admission.Verdict.Duplicate() -> {
                LOG.log(Level.DEBUG, "closing duplicate connection with {0}", connection.describe());
                settle(connection, Settlement.CONNECTED, "duplicate connection");
                CloseReason.close(connection.channel, "duplicate connection");
            }
            case Admission.Verdict.Admit(Optional<String> replacedBecause) -> {
                current.ifPresent(old -> {
                    String reason = replacedBecause.orElseThrow();
                    established.remove(theirs.name());
                    connections.remove(old.channel); // no longer the peer's connection: its close is quiet
                    CloseReason.close(old.channel, reason);
                    LOG.log(Level.INFO, "disconnected from {0}: {1}", old.describe(), reason);
                    peers.onReplaced(old, reason);
                });
                connection.state = MeshStatus.State.ESTABLISHED;
                connection.since = clock.instant();
                established.put(theirs.name(), connection);
                settle(connection, Settlement.CONNECTED, null);
                LOG.log(Level.INFO, "connected to {0}", connection.describe());
                peers.onConnected(connection);
            }
        }
        reportConnectionsInUse();
    }

    /** The connection is closed for {@code reason}. Returns false if it was no longer registered. */
    boolean onClosed(MeshConnection connection, String reason) {
        if (connections.remove(connection.channel) == null) {
            return false;
        }
        if (connection.state == MeshStatus.State.ESTABLISHED) {
            established.remove(connection.theirs.name());
            LOG.log(Level.INFO, "disconnected from {0}: {1}", connection.describe(), reason);
            peers.onLost(connection, reason);
        } else if (!connection.settled && connection.target != null) {
            MeshConnection keeper = establishedAt(connection.remoteAddress);
            if (keeper != null) {
                // both ends dialled; the peer kept the other connection and closed ours before our side of the
                // handshake finished: the target is connected, by that one
                connection.settled = true;
                maker.onConnected(connection.target, keeper.theirs.name());
                complete(connection.target, new ConnectOutcome.Connected(keeper.theirs.name(), keeper.theirs.nickname()));
            } else {
                // a refused handshake (password mismatch, one-sided password) is an ordinary failed
                // attempt: the target waits the normal backoff, never less
                LOG.log(Level.WARNING, "connection to {0} failed: {1}", connection.target, reason);
                settle(connection, Settlement.FAILED, reason);
            }
        } else if (connection.target == null && !reason.equals(CloseReason.CLOSED_BY_PEER)
                && !reason.equals(MESH_CLOSING)) {
            LOG.log(Level.WARNING, "connection from {0} failed: {1}", MeshConnection.hostAndPort(connection.remoteAddress),
                    reason);
        }
        reportConnectionsInUse();
        return true;
    }

    /** Closes the attempts in flight for {@code target} and fails its waiting futures: the target is forgotten. */
    void abandon(String target) {
        for (MeshConnection c : connections.values()) {
            if (target.equals(c.target) && c.state == MeshStatus.State.HANDSHAKING) {
                c.settled = true;
                CloseReason.close(c.channel, "target forgotten");
            }
        }
        complete(target, new ConnectOutcome.Failed("target forgotten"));
    }

    /** Closes every connection because the mesh closes; the futures complete once they are closed. */
    List<ChannelFuture> closeAll() {
        return connections.keySet().stream().map(channel -> CloseReason.close(channel, MESH_CLOSING)).toList();
    }

    // ---- the futures waiting on targets ----

    /** {@code outcome} completes with the outcome of {@code target}'s next attempt. */
    void await(String target, CompletableFuture<ConnectOutcome> outcome) {
        awaitingOutcome.computeIfAbsent(target, t -> new ArrayList<>()).add(outcome);
    }

    /** Completes the futures waiting on {@code target}. */
    void complete(String target, ConnectOutcome outcome) {
        List<CompletableFuture<ConnectOutcome>> waiting = awaitingOutcome.remove(target);
        if (waiting != null) {
            waiting.forEach(f -> f.complete(outcome));
        }
    }

    /** Completes every waiting future. */
    void completeAll(ConnectOutcome outcome) {
        awaitingOutcome.keySet().stream().toList().forEach(target -> complete(target, outcome));
    }

    /** Tells the connection's target (if any) the outcome of its attempt, once. */
    private void settle(MeshConnection connection, Settlement settlement, String reason) {
        if (connection.settled || connection.target == null) {
            return;
        }
        connection.settled = true;
        switch (settlement) {
            case CONNECTED -> {
                maker.onConnected(connection.target, connection.theirs.name());
                complete(connection.target,
                        new ConnectOutcome.Connected(connection.theirs.name(), connection.theirs.nickname()));
            }
            case FAILED -> {
                maker.onAttemptFailed(connection.target, reason);
                complete(connection.target, new ConnectOutcome.Failed(reason));
            }
            case GIVE_UP -> {
                maker.onGaveUp(connection.target, reason);
                complete(connection.target, new ConnectOutcome.Failed(reason));
            }
        }
    }

    /** The established connection with the peer that listens at {@code target} (its address, its announced port), or null. */
    private MeshConnection establishedAt(InetSocketAddress target) {
        for (MeshConnection c : established.values()) {
            if (c.listensAt(target)) return c;
        }
        return null;
    }

    private int connectionsInUse() {
        // the maker counts its own dials in flight, and inbound handshakes have their own budget
        return established.size();
    }

    private void reportConnectionsInUse() {
        maker.connectionsInUse(connectionsInUse());
    }
}

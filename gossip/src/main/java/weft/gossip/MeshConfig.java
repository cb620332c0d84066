package weft.gossip;

import weft.gossip.connect.ConnectionMaker;
import weft.gossip.wire.VersionRange;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import weft.crypto.PasswordKey;

/**
 * Settings of the mesh transport. Start from {@link #DEFAULT} and change what differs.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param bind              where to listen for peers (port 0 picks a free one)
 * @param udpPort           our sleeve UDP port, announced to peers in the hello
 * @param handshakeTimeout  limit for TCP connect and for the handshake of the connections we dial
 * @param heartbeatInterval a heartbeat goes out after this long without writing
 * @param silenceLimit      a connection with nothing read for this long is closed
 * @param connections       retry and limit settings of the {@link ConnectionMaker}
 * @param tick              how often the mesh loop gives the connection maker and the gossip cores a turn
 * @param password          when present, peers must have the same password; the control plane and
 *                          (unless both sides trust each other) the sleeve are encrypted
 * @param trustedSubnets    peers whose address is in one of these need no sleeve encryption from us
 * @param discovery         whether to dial peers learned from the topology
 * @param inbound           limits on inbound connections until they have authenticated, their handshake timeout
 *                          among them
 * @param protocols         the mesh protocol versions we speak; a higher minimum than {@link VersionRange#SUPPORTED}'s
 *                          refuses routers of older releases
 */
public record MeshConfig(InetSocketAddress bind, int udpPort, Duration handshakeTimeout, Duration heartbeatInterval,
        Duration silenceLimit, ConnectionMaker.Settings connections, Duration tick, Optional<PasswordKey> password,
        List<Cidr> trustedSubnets, boolean discovery, InboundLimits inbound, VersionRange protocols) {
    /** Weave's port for both control TCP and sleeve UDP. */
    public static final int DEFAULT_PORT = 6783;
    private static final Duration HEARTBEAT = Duration.ofSeconds(5);
    /**
     * Listen on 0.0.0.0:6783, 5 s heartbeats, closed after 3 silent intervals, 10 s for a dial and its handshake,
     * {@link InboundLimits#DEFAULT} for inbound connections.
     */
    public static final MeshConfig DEFAULT = new MeshConfig(new InetSocketAddress(DEFAULT_PORT), DEFAULT_PORT,
            Duration.ofSeconds(10), HEARTBEAT, HEARTBEAT.multipliedBy(3), ConnectionMaker.Settings.DEFAULT,
            Duration.ofMillis(100), Optional.empty(), List.of(), true, InboundLimits.DEFAULT, VersionRange.SUPPORTED);

    public MeshConfig {
        trustedSubnets = List.copyOf(trustedSubnets);
        if (udpPort < 1 || udpPort > 0xffff) {
            throw new IllegalArgumentException("bad sleeve UDP port " + udpPort);
        }
        if (silenceLimit.compareTo(heartbeatInterval) <= 0) {
            throw new IllegalArgumentException("silence limit " + silenceLimit
                    + " must exceed the heartbeat interval " + heartbeatInterval);
        }
    }

    public MeshConfig withBind(InetSocketAddress newBind) {
        return new MeshConfig(newBind, udpPort, handshakeTimeout, heartbeatInterval, silenceLimit, connections, tick, password,
                trustedSubnets, discovery, inbound, protocols);
    }

    public MeshConfig withUdpPort(int newUdpPort) {
        return new MeshConfig(bind, newUdpPort, handshakeTimeout, heartbeatInterval, silenceLimit, connections, tick, password,
                trustedSubnets, discovery, inbound, protocols);
    }

    /** Heartbeats every {@code interval}, silence limit three intervals. */
    public MeshConfig withHeartbeat(Duration interval) {
        return new MeshConfig(bind, udpPort, handshakeTimeout, interval, interval.multipliedBy(3), connections, tick,
                password, trustedSubnets, discovery, inbound, protocols);
    }

    public MeshConfig withHandshakeTimeout(Duration timeout) {
        return new MeshConfig(bind, udpPort, timeout, heartbeatInterval, silenceLimit, connections, tick, password,
                trustedSubnets, discovery, inbound, protocols);
    }

    public MeshConfig withConnections(ConnectionMaker.Settings settings) {
        return new MeshConfig(bind, udpPort, handshakeTimeout, heartbeatInterval, silenceLimit, settings, tick, password,
                trustedSubnets, discovery, inbound, protocols);
    }

    public MeshConfig withTick(Duration newTick) {
        return new MeshConfig(bind, udpPort, handshakeTimeout, heartbeatInterval, silenceLimit, connections, newTick, password,
                trustedSubnets, discovery, inbound, protocols);
    }

    /** Requires peers to share this password (empty: no password, plaintext control plane). */
    public MeshConfig withPassword(Optional<PasswordKey> newPassword) {
        return new MeshConfig(bind, udpPort, handshakeTimeout, heartbeatInterval, silenceLimit, connections, tick,
                newPassword, trustedSubnets, discovery, inbound, protocols);
    }

    public MeshConfig withTrustedSubnets(List<Cidr> subnets) {
        return new MeshConfig(bind, udpPort, handshakeTimeout, heartbeatInterval, silenceLimit, connections, tick,
                password, subnets, discovery, inbound, protocols);
    }

    public MeshConfig withDiscovery(boolean newDiscovery) {
        return new MeshConfig(bind, udpPort, handshakeTimeout, heartbeatInterval, silenceLimit, connections, tick,
                password, trustedSubnets, newDiscovery, inbound, protocols);
    }

    public MeshConfig withInbound(InboundLimits newInbound) {
        return new MeshConfig(bind, udpPort, handshakeTimeout, heartbeatInterval, silenceLimit, connections, tick,
                password, trustedSubnets, discovery, newInbound, protocols);
    }

    /**
     * Speaks only protocol {@code min} and later.
     *
     * @throws IllegalArgumentException if this release does not speak {@code min}
     */
    public MeshConfig withMinProtocol(int min) {
        if (min < VersionRange.SUPPORTED.min() || min > VersionRange.SUPPORTED.max()) {
            throw new IllegalArgumentException("mesh protocol " + min + " is not spoken by this release, which speaks "
                    + VersionRange.SUPPORTED);
        }
        return new MeshConfig(bind, udpPort, handshakeTimeout, heartbeatInterval, silenceLimit, connections, tick,
                password, trustedSubnets, discovery, inbound, VersionRange.SUPPORTED.withMin(min));
    }

    /** Whether {@code address} is in one of our trusted subnets. */
    public boolean trusts(InetAddress address) {
        return trustedSubnets.stream().anyMatch(subnet -> subnet.contains(address));
    }
}

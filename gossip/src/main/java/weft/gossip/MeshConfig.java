package weft.gossip;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Settings of the mesh transport. Start from {@link #DEFAULT} and change what differs.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param bind              where to listen for peers (port 0 picks a free one)
 * @param udpPort           our sleeve UDP port, announced to peers in the hello
 * @param handshakeTimeout  limit for TCP connect and for the hello exchange
 * @param heartbeatInterval a heartbeat goes out after this long without writing
 * @param silenceLimit      a connection with nothing read for this long is closed
 * @param connections       retry and limit settings of the {@link ConnectionMaker}
 * @param tick              how often the mesh loop gives the connection maker a turn
 */
public record MeshConfig(InetSocketAddress bind, int udpPort, Duration handshakeTimeout, Duration heartbeatInterval,
        Duration silenceLimit, ConnectionMaker.Settings connections, Duration tick) {
    /** Weave's port for both control TCP and sleeve UDP. */
    public static final int DEFAULT_PORT = 6783;
    private static final Duration HEARTBEAT = Duration.ofSeconds(5);
    /** Listen on 0.0.0.0:6783, 5 s heartbeats, closed after 3 silent intervals, 10 s handshakes. */
    public static final MeshConfig DEFAULT = new MeshConfig(new InetSocketAddress(DEFAULT_PORT), DEFAULT_PORT,
            Duration.ofSeconds(10), HEARTBEAT, HEARTBEAT.multipliedBy(3), ConnectionMaker.Settings.DEFAULT,
            Duration.ofMillis(100));

    public MeshConfig {
        if (udpPort < 1 || udpPort > 0xffff) {
            throw new IllegalArgumentException("bad sleeve UDP port " + udpPort);
        }
        if (silenceLimit.compareTo(heartbeatInterval) <= 0) {
            throw new IllegalArgumentException("silence limit " + silenceLimit
                    + " must exceed the heartbeat interval " + heartbeatInterval);
        }
    }

    public MeshConfig withBind(InetSocketAddress newBind) {
        return new MeshConfig(newBind, udpPort, handshakeTimeout, heartbeatInterval, silenceLimit, connections, tick);
    }

    public MeshConfig withUdpPort(int newUdpPort) {
        return new MeshConfig(bind, newUdpPort, handshakeTimeout, heartbeatInterval, silenceLimit, connections, tick);
    }

    /** Heartbeats every {@code interval}, silence limit three intervals. */
    public MeshConfig withHeartbeat(Duration interval) {
        return new MeshConfig(bind, udpPort, handshakeTimeout, interval, interval.multipliedBy(3), connections, tick);
    }

    public MeshConfig withHandshakeTimeout(Duration timeout) {
        return new MeshConfig(bind, udpPort, timeout, heartbeatInterval, silenceLimit, connections, tick);
    }

    public MeshConfig withConnections(ConnectionMaker.Settings settings) {
        return new MeshConfig(bind, udpPort, handshakeTimeout, heartbeatInterval, silenceLimit, settings, tick);
    }

    public MeshConfig withTick(Duration newTick) {
        return new MeshConfig(bind, udpPort, handshakeTimeout, heartbeatInterval, silenceLimit, connections, newTick);
    }
}

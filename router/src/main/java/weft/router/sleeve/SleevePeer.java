package weft.router.sleeve;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A connected peer as the sleeve sees it: its 48-bit name, where its sleeve listens, how the datagrams exchanged
 * with it are sealed, and their counts ({@link PeerTraffic}). Immutable but for those counters, so thread-safe; a peer
 * that moves or gets new keys is replaced by a new one.
 *
 * <p>A class rather than a record because it also keeps its endpoint as two ints, in the form
 * {@link SleeveSocket#receive} reports a datagram's source in, so that the receiving thread can tell whether a
 * datagram came from the peer without allocating.
 */
public final class SleevePeer {
    /** The port kept for an endpoint that is not IPv4: no datagram's source port (-1 to 65535) matches it. */
    private static final int NOT_IPV4 = -2;

    private final long name;
    private final String label;
    private final InetSocketAddress endpoint;
    private final SleeveCipher cipher;
    private final PeerTraffic traffic = new PeerTraffic();
    private final int endpointAddress, endpointPort;

    /**
     * @param name     the peer's name as the low 48 bits of a long, as carried in {@link SleeveHeader}
     * @param label    how the peer appears in logs and status, {@code name(nickname)}
     * @param endpoint the peer's sleeve UDP address
     * @param cipher   seals and opens the datagrams exchanged with the peer; null when they travel in clear
     */
    public SleevePeer(long name, String label, InetSocketAddress endpoint, SleeveCipher cipher) {
        this.name = name;
        this.label = Objects.requireNonNull(label, "label");
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.cipher = cipher;
        if (endpoint.getAddress() instanceof Inet4Address ip) {
            byte[] octets = ip.getAddress();
            endpointAddress = (octets[0] & 0xff) << 24 | (octets[1] & 0xff) << 16 | (octets[2] & 0xff) << 8 | octets[3] & 0xff;
            endpointPort = endpoint.getPort();
        } else {
            endpointAddress = 0;
            endpointPort = NOT_IPV4;
        }
    }

    /** A neighbour whose datagrams travel in clear (no password, or both ends trust each other's subnet). */
    public SleevePeer(long name, String label, InetSocketAddress endpoint) {
        this(name, label, endpoint, null);
    }

    public long name() {
        return name;
    }

    public String label() {
        return label;
    }

    public InetSocketAddress endpoint() {
        return endpoint;
    }

    public SleeveCipher cipher() {
        return cipher;
    }

    /** The datagrams and bytes exchanged with this peer by the sleeve. */
    public PeerTraffic traffic() {
        return traffic;
    }

    public boolean sealed() {
        return cipher != null;
    }

    /** Whether a datagram from {@code address:port}, as {@link SleeveSocket#receive} reports them, came from the endpoint. */
    boolean isEndpoint(int address, int port) {
        return port == endpointPort && address == endpointAddress;
    }

    /** Whether a datagram from {@code address}, any port, came from the endpoint's host. */
    boolean isEndpointHost(int address) {
        return endpointPort != NOT_IPV4 && address == endpointAddress;
    }

    @Override
    public String toString() {
        return label + " at " + endpoint + (sealed() ? ", sealed" : ", in clear");
    }
}

package weft.router.sleeve;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A connected peer as the sleeve sees it: its 48-bit name and where its sleeve listens.
 *
 * @param name     the peer's name as the low 48 bits of a long, as carried in {@link SleeveHeader}
 * @param label    how the peer appears in logs and status, {@code name(nickname)}
 * @param endpoint the peer's sleeve UDP address
 * @param cipher   seals and opens the datagrams exchanged with the peer; null when they travel in clear
 */
public record SleevePeer(long name, String label, InetSocketAddress endpoint, SleeveCipher cipher) {
    public SleevePeer {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(endpoint, "endpoint");
    }

    /** A neighbour whose datagrams travel in clear (no password, or both ends trust each other's subnet). */
    public SleevePeer(long name, String label, InetSocketAddress endpoint) {
        this(name, label, endpoint, null);
    }

    public boolean sealed() {
        return cipher != null;
    }
}

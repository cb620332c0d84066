package weft.router.sleeve;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A connected peer as the sleeve sees it: its 48-bit name and where its sleeve listens.
 *
 * @param name     the peer's name as the low 48 bits of a long, as carried in {@link SleeveHeader}
 * @param label    how the peer appears in logs and status, {@code name(nickname)}
 * @param endpoint the peer's sleeve UDP address
 */
public record SleevePeer(long name, String label, InetSocketAddress endpoint) {
    public SleevePeer {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(endpoint, "endpoint");
    }
}

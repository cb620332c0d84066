package weft.dns;

import java.net.Inet4Address;
import java.util.List;

/**
 * What the DNS server answers from: the names known on the mesh at one moment. Names are fully qualified, in lower
 * case, with the trailing dot ({@code db.weft.local.}).
 *
 * <p>Implementations are immutable snapshots, so the server's threads read one without locks while the mesh loop
 * publishes the next.
 */
public interface NameLookup {
    /** The addresses of {@code name} (lower case, trailing dot), in no particular order; empty when it is unknown. */
    List<Inet4Address> addresses(String name);

    /** The names that have {@code address}, for PTR answers; empty when none has. */
    List<String> names(Inet4Address address);
}

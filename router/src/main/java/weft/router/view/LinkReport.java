package weft.router.view;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import weft.gossip.PeerName;

/**
 * Every connection one router (the origin) has, at one version of that router's, as gossiped on the
 * {@value LinkChannel#CHANNEL} channel. Only the origin makes its reports and each new one has a higher version, so
 * the higher version is the newer report whichever router relays it; versions start from the origin's wall clock, so
 * a restarted router's reports beat those from before its restart.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param version between 1 and {@link #MAX_VERSION}
 * @param links   at most {@link #MAX_LINKS}, one per peer, none to the origin itself; kept sorted by peer
 */
public record LinkReport(PeerName origin, long version, List<LinkState> links) {
    /** The most connections one report carries: as many as a topology holds peers. */
    public static final int MAX_LINKS = 4096;
    /**
     * The highest version taken, far past any clock in milliseconds: an origin that hears of a version of its own it
     * did not make raises its version past it by one, which must not overflow.
     */
    public static final long MAX_VERSION = Long.MAX_VALUE / 2;
    /** A total order of links, so that two different reports at one version rank the same way everywhere. */
    private static final Comparator<LinkState> ORDER = Comparator.comparing(LinkState::peer)
            .thenComparing(LinkState::fast).thenComparing(LinkState::encrypted).thenComparingInt(LinkState::pathMtu)
            .thenComparingLong(LinkState::sentBytesPerSecond).thenComparingLong(LinkState::receivedBytesPerSecond);

    public LinkReport {
        Objects.requireNonNull(origin, "origin");
        if (version < 1 || version > MAX_VERSION) throw new IllegalArgumentException("links of " + origin + " at version " + version);
        if (links.size() > MAX_LINKS) throw new IllegalArgumentException(links.size() + " links of " + origin + ", more than " + MAX_LINKS);
        List<LinkState> sorted = new ArrayList<>(links);
        sorted.sort(Comparator.comparing(LinkState::peer));
        for (int i = 0; i < sorted.size(); i++) {
            PeerName peer = sorted.get(i).peer();
            if (peer.equals(origin)) throw new IllegalArgumentException("a link of " + origin + " to itself");
            if (i > 0 && peer.equals(sorted.get(i - 1).peer())) throw new IllegalArgumentException("two links of " + origin + " to " + peer);
        }
        links = List.copyOf(sorted);
    }

    /**
     * Whether this is newer than {@code other} (the same origin's): a higher version; and between two different
     * reports at one version (a relay that dropped what it did not understand, or an origin restarted within a
     * millisecond) the one whose links sort later, so that every router keeps the same one.
     */
    boolean supersedes(LinkReport other) {
        if (version != other.version) return version > other.version;
        Iterator<LinkState> i = links.iterator(), j = other.links.iterator();
        while (i.hasNext() && j.hasNext()) {
            int c = ORDER.compare(i.next(), j.next());
            if (c != 0) return c > 0;
        }
        return i.hasNext() && !j.hasNext();
    }
}

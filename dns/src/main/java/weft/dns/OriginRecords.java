package weft.dns;

import java.util.Iterator;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.Collections;
import weft.gossip.PeerName;

/**
 * Every name one peer (the origin) has put on the mesh, at one version of that peer's. Only the origin changes its
 * names, and each change raises its version, so the higher version is the newer set, whichever peer relays it:
 * a name deleted at version 7 cannot come back from a peer that still holds version 6, and no clock is involved.
 * A peer that is forgotten (gone from the topology for good) leaves a tombstone: its last version, {@code removed},
 * no names; at the same version the tombstone wins. If the origin comes back, it raises its version past the
 * tombstone ({@link NameChannel}).
 *
 * <p>Immutable value; thread-safe.
 */
public record OriginRecords(PeerName origin, long version, boolean removed, SortedSet<NameRecord> records) {
    public OriginRecords {
        if (version < 0) throw new IllegalArgumentException("negative version " + version + " of " + origin);
        if (removed && !records.isEmpty()) throw new IllegalArgumentException("a tombstone of " + origin + " with names");
        records = Collections.unmodifiableSortedSet(new TreeSet<>(records));
    }

    static OriginRecords empty(PeerName origin) {
        return new OriginRecords(origin, 0, false, new TreeSet<>());
    }

    OriginRecords with(long newVersion, Set<NameRecord> newRecords) {
        return new OriginRecords(origin, newVersion, false, new TreeSet<>(newRecords));
    }

    OriginRecords tombstone() {
        return new OriginRecords(origin, version, true, new TreeSet<>());
    }

    /**
     * Whether this is newer than {@code other} (the same origin's): a higher version; at the same version a
     * tombstone; and between two different sets at one version (only after an origin lost its data directory, which
     * it then mends) the one whose names sort later, so that every peer keeps the same one.
     */
    boolean supersedes(OriginRecords other) {
        if (version != other.version) return version > other.version;
        if (removed != other.removed) return removed;
        return compareRecords(records, other.records) > 0;
    }

    private static int compareRecords(SortedSet<NameRecord> a, SortedSet<NameRecord> b) {
        Iterator<NameRecord> i = a.iterator(), j = b.iterator();
        while (i.hasNext() && j.hasNext()) {
            int c = i.next().compareTo(j.next());
            if (c != 0) return c;
        }
        return Boolean.compare(i.hasNext(), j.hasNext());
    }
}

package weft.ipam;

import java.util.Comparator;
import weft.gossip.PeerName;

/**
 * One token of the ring: the addresses from {@code token} up to the next token belong to {@code owner}.
 * Only the owner writes a new version of its entry; between two versions of one token the higher
 * version wins, and {@link #ORDER} breaks ties (which only a bug or an admin takeover can cause) the
 * same way on every peer.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param token   first address of the range
 * @param owner   the peer that may allocate in it
 * @param version bumped by the owner on every change
 * @param free    how many of its addresses the owner last reported free; advisory (donor choice)
 */
public record RingEntry(long token, PeerName owner, long version, long free) {
    /** The total order among entries for the same token: the greatest wins a merge. */
    public static final Comparator<RingEntry> ORDER = Comparator.comparingLong(RingEntry::version)
            .thenComparing(RingEntry::owner)
            .thenComparingLong(RingEntry::free);

    public RingEntry {
        if (token < 0 || token >= AddressRange.SPACE || version < 0 || free < 0) {
            throw new IllegalArgumentException("bad ring entry: " + token + " " + version + " " + free);
        }
    }
}

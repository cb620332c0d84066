package weft.gossip.topology;

import java.util.List;
import java.util.Objects;
import weft.gossip.PeerName;

/**
 * What one peer says about itself: who it is, which incarnation, and its connections. Only the
 * peer itself ever produces a record about itself, so (name, incarnation, version) identifies the
 * content: two records with the same triple are equal. Merge relies on that invariant.
 *
 * <p>A record with version 0 is a placeholder: a peer we know only because someone links to it.
 * Placeholders never go on the wire.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param name        the peer
 * @param nickname    for humans, at most 255 bytes of UTF-8
 * @param incarnation random per process start; 0 only in placeholders
 * @param version     bumped by the owner on every change of its links or short id; 0 only in placeholders
 * @param shortId     12-bit id for the fast path, 1..4095; 0 only in placeholders
 * @param links       the owner's connections
 */
public record PeerRecord(PeerName name, String nickname, long incarnation, long version, int shortId,
        List<PeerLink> links) {
    /** Short ids are 12 bits; 0 means "none yet". */
    public static final int MAX_SHORT_ID = 4095;

    public PeerRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(nickname, "nickname");
        links = List.copyOf(links);
        if (version < 0) {
            throw new IllegalArgumentException("negative version " + version + " for " + name);
        }
        if (shortId < 0 || shortId > MAX_SHORT_ID) {
            throw new IllegalArgumentException("short id " + shortId + " of " + name + " is not 12 bits");
        }
    }

    /** Knowledge that {@code name} exists, and nothing else. */
    public static PeerRecord placeholder(PeerName name) {
        return new PeerRecord(name, "", 0, 0, 0, List.of());
    }

    /** Whether this is a {@linkplain #placeholder(PeerName) placeholder}. */
    public boolean isPlaceholder() {
        return version == 0;
    }

    /**
     * The merge order: a higher version wins; at equal versions the higher incarnation wins (a
     * restarted peer then bumps its version past the old incarnation's, so this tie-break only
     * matters briefly). Equal in both: neither supersedes the other.
     */
    public boolean supersedes(long otherVersion, long otherIncarnation) {
        return version > otherVersion || (version == otherVersion && incarnation > otherIncarnation);
    }

    /** {@link #supersedes(long, long)} against another record of the same peer. */
    public boolean supersedes(PeerRecord other) {
        return supersedes(other.version, other.incarnation);
    }

    /** The digest entry that summarises this record. */
    public DigestEntry digestEntry() {
        return new DigestEntry(name, version, incarnation);
    }

    PeerRecord withVersion(long newVersion) {
        return new PeerRecord(name, nickname, incarnation, newVersion, shortId, links);
    }

    PeerRecord withShortId(int newShortId, long newVersion) {
        return new PeerRecord(name, nickname, incarnation, newVersion, newShortId, links);
    }
}

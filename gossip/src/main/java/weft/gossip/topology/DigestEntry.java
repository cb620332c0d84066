package weft.gossip.topology;

import weft.gossip.PeerName;

/**
 * The version of one record, without its content: what anti-entropy compares.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param name        the peer
 * @param version     its record's version
 * @param incarnation its record's incarnation
 */
public record DigestEntry(PeerName name, long version, long incarnation) {
    /** The number of bytes an entry takes on the wire: name, version, incarnation. */
    public static final int WIRE_BYTES = PeerName.BYTES + Long.BYTES + Long.BYTES;

    /** The merge order of {@link PeerRecord#supersedes(long, long)}, on versions alone. */
    public boolean supersedes(long otherVersion, long otherIncarnation) {
        return version > otherVersion || (version == otherVersion && incarnation > otherIncarnation);
    }
}

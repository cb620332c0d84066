package weft.gossip.wire;

import java.util.OptionalInt;

/**
 * The mesh protocol versions a router speaks, both ends inclusive, each 1..255 (one byte on the wire).
 *
 * <p>Immutable value; thread-safe.
 */
public record VersionRange(int min, int max) {
    /**
     * What this build speaks: 2 added hello flags, the public key and sealed frames; 3 goes with version 2 of the
     * sleeve datagram (segments sealed whole, fragment tokens, batches of small frames), which a version-2 router
     * would drop, so the two refuse each other at the handshake and say why; 4 replaces the password input of the key
     * schedule with CPace (see {@link HandshakeHandler}) and changes nothing else, so 3 is still spoken to routers of
     * the previous release; 5 says that the ends roll their fast path's ESP keys over (see {@code SleeveKeys}), which
     * changes no message. 1 and 2 are not spoken.
     */
    public static final VersionRange SUPPORTED = new VersionRange(3, 5);

    public VersionRange {
        if (min < 1 || max > 255 || min > max) {
            throw new IllegalArgumentException("bad protocol version range " + min + ".." + max);
        }
    }

    /** The highest version both ranges contain, or empty if they do not overlap. */
    public OptionalInt agree(VersionRange theirs) {
        int version = Math.min(max, theirs.max);
        return version >= Math.max(min, theirs.min) ? OptionalInt.of(version) : OptionalInt.empty();
    }

    /** This range without the versions below {@code newMin}. */
    public VersionRange withMin(int newMin) {
        return new VersionRange(newMin, max);
    }

    @Override
    public String toString() {
        return min + ".." + max;
    }
}

package weft.gossip;

import java.time.Duration;

/**
 * Limits on inbound connections before they have authenticated, when the peer has proved nothing: how many may be
 * in their handshake, how long a handshake may take, and when failed handshakes get their source refused for a
 * while. Established connections and our own dials are not limited here but by the connection limit, which these
 * connections therefore cannot use up.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param handshakeTimeout    an inbound connection not established within this long is closed; only the hellos and
 *                            the initiator's confirmation cross in that time, a round trip and a half
 * @param handshakes          inbound connections in their handshake at once, at most; more are closed at once
 * @param handshakesPerSource of those, from one {@link SourceAddress} (an IPv4 address or an IPv6 /64)
 * @param bans                when failed handshakes get a source refused
 */
public record InboundLimits(Duration handshakeTimeout, int handshakes, int handshakesPerSource, Bans bans) {
    /** 5 s handshakes, 16 at once and 2 per source, and {@link Bans#DEFAULT}. */
    public static final InboundLimits DEFAULT = new InboundLimits(Duration.ofSeconds(5), 16, 2, Bans.DEFAULT);

    public InboundLimits {
        if (!handshakeTimeout.isPositive() || handshakes < 1 || handshakesPerSource < 1
                || handshakesPerSource > handshakes) {
            throw new IllegalArgumentException("bad inbound limits: timeout " + handshakeTimeout + ", " + handshakes
                    + " handshakes, " + handshakesPerSource + " per source");
        }
    }

    public InboundLimits withHandshakeTimeout(Duration timeout) {
        return new InboundLimits(timeout, handshakes, handshakesPerSource, bans);
    }

    /**
     * When failed handshakes get their source refused: {@code failures} of them within {@code window} refuse every
     * new connection from it for {@code firstBan}, each further ban lasts twice the one before up to
     * {@code longestBan}, and a source with neither a failure nor a ban for {@code forgetAfter} is forgotten, so that
     * its next ban is a first one again.
     *
     * @param sources sources remembered at most, so that many of them cannot make the table grow
     */
    public record Bans(int failures, Duration window, Duration firstBan, Duration longestBan, Duration forgetAfter,
            int sources) {
        /**
         * 5 failures within a minute: refused for a minute, then 2, 4 ... up to an hour; forgotten after an hour of
         * quiet; 4096 sources.
         */
        public static final Bans DEFAULT = new Bans(5, Duration.ofMinutes(1), Duration.ofMinutes(1),
                Duration.ofHours(1), Duration.ofHours(1), 4096);

        public Bans {
            if (failures < 1 || !window.isPositive() || !firstBan.isPositive() || longestBan.compareTo(firstBan) < 0
                    || !forgetAfter.isPositive() || sources < 1) {
                throw new IllegalArgumentException("bad ban settings: " + failures + " failures within " + window
                        + ", bans " + firstBan + ".." + longestBan + ", forgotten after " + forgetAfter + ", "
                        + sources + " sources");
            }
        }
    }
}

package weft.router.view;

import java.util.Objects;
import weft.gossip.PeerName;

/**
 * One connection of a router as that router sees it: the path its data takes ({@code fast}: kernel VXLAN; else the
 * sleeve, userspace UDP), whether that data is encrypted, the underlay path MTU the sleeve's probes found towards the
 * peer, and the bytes per second the sleeve sent to and received from it. The kernel carries a fast link's frames
 * without the router counting them, so a fast link's rates are {@link #NOT_COUNTED}.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param pathMtu                the underlay's IP path MTU towards {@code peer}, 0 when not known
 * @param sentBytesPerSecond     sleeve payload bytes a second to {@code peer}, or {@link #NOT_COUNTED}
 * @param receivedBytesPerSecond sleeve payload bytes a second from {@code peer}, or {@link #NOT_COUNTED}
 */
public record LinkState(PeerName peer, boolean fast, boolean encrypted, int pathMtu, long sentBytesPerSecond,
                        long receivedBytesPerSecond) {
    /** A rate the router does not know: the kernel carries the link's frames. */
    public static final long NOT_COUNTED = -1;
    /** The largest path MTU: an IP packet's length field. */
    public static final int MAX_PATH_MTU = 0xffff;

    public LinkState {
        Objects.requireNonNull(peer, "peer");
        if (pathMtu < 0 || pathMtu > MAX_PATH_MTU) throw new IllegalArgumentException("path MTU " + pathMtu + " towards " + peer);
        if (sentBytesPerSecond < NOT_COUNTED || receivedBytesPerSecond < NOT_COUNTED) {
            throw new IllegalArgumentException("rates " + sentBytesPerSecond + " and " + receivedBytesPerSecond + " B/s with " + peer
                    + ": a rate is at least 0, or " + NOT_COUNTED + " when not counted");
        }
    }
}

package weft.router.sleeve;

/**
 * Sleeps until the first queue of the port or the socket has something, so that one thread can serve both: in
 * production one {@code poll(2)} over the TAP queue's and the UDP socket's descriptors ({@link weft.kernel.Readiness}).
 * Used by that one thread only.
 */
@FunctionalInterface
public interface LaneWake {
    /** Waits up to {@code timeoutMillis}; whether the queue or the socket may have something now. */
    boolean await(int timeoutMillis);
}

package weft.router.sleeve;

/**
 * Where the sleeve sends a frame next: the neighbour on the way to a peer, and the neighbours a broadcast from a
 * given origin goes on to. Implementations are immutable snapshots, replaced whole when the topology changes, so
 * the forwarding threads read them without locks.
 */
public interface SleeveRoutes {
    /** The neighbour to send a frame for {@code destination} to, or null when it is unreachable. */
    SleevePeer nextHop(long destination);

    /**
     * The neighbours to pass a broadcast that started at {@code origin} on to; on a stable topology every peer
     * receives each broadcast exactly once.
     */
    SleevePeer[] broadcastHops(long origin);

    /** Every peer a frame can be sent to, neighbours and beyond; the caller must not modify the array. */
    long[] destinations();
}

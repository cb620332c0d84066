package weft.ipam;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The conflicts the allocator has seen, for its status: the newest {@link Allocator#MAX_CONFLICTS}, each
 * kept and logged once however often it arrives again (the same conflict comes with every gossip).
 *
 * <p>Owned by the mesh loop, like the {@link Allocator} that creates it.
 */
final class ConflictLog {
    private static final System.Logger LOG = System.getLogger(Allocator.class.getName());

    private final ArrayDeque<RingConflict> conflicts = new ArrayDeque<>();

    /** Keeps {@code c} and logs it, unless it is already kept; drops the oldest when full. */
    void add(RingConflict c) {
        if (conflicts.contains(c)) {
            return; // the same conflict arrives with every gossip; keep one line
        }
        if (conflicts.size() == Allocator.MAX_CONFLICTS) {
            conflicts.removeFirst();
        }
        conflicts.addLast(c);
        LOG.log(System.Logger.Level.WARNING, "ipam: " + c.detail());
    }

    /** The kept conflicts, oldest first. */
    List<RingConflict> list() {
        return List.copyOf(conflicts);
    }
}

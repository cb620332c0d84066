package weft.ipam;

import java.util.List;
import weft.gossip.PeerName;

/**
 * What {@link Allocator#adminTakeover} did.
 *
 * <p>Immutable values; thread-safe.
 */
public sealed interface TakeoverResult {
    /** We now own {@code ranges} that were {@code dead}'s; empty when it owned nothing (already done). */
    record TookOver(PeerName dead, List<AddressRange> ranges, long addresses) implements TakeoverResult {
        public TookOver {
            ranges = List.copyOf(ranges);
        }
    }

    /** Nothing changed, because of {@code reason}. */
    record Refused(String reason) implements TakeoverResult {}
}

package weft.ipam;

import java.util.List;

/**
 * The outcome of {@link Ring#merge}: the merged ring and what the merge had to refuse or repair.
 *
 * <p>Immutable value; thread-safe.
 */
public record RingMerge(Ring ring, List<RingConflict> conflicts) {
    public RingMerge {
        conflicts = List.copyOf(conflicts);
    }
}

package weft.gossip.channel;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Which entries of a channel's complete state go into one gossip message: all of them while they fit in the budget,
 * else as many as fit, starting where the last share stopped, so that every entry goes out within a few rounds.
 *
 * <p>Owned by its channel, on the mesh loop; not thread-safe.
 */
public final class ShareInTurns {
    private final int budget;
    private int next; // where the next share starts among the entries, when they do not all fit

    /** @param budget bytes one share may take, by the {@code size} given to {@link #share} */
    public ShareInTurns(int budget) {
        this.budget = budget;
    }

    /** {@code all} when it fits in the budget; else the next share of it, in the order of {@code all}, from where the last ended. */
    public <T> List<T> share(List<T> all, ToIntFunction<T> size) {
        int total = all.stream().mapToInt(size).sum();
        if (total <= budget) return all;
        List<T> share = new ArrayList<>();
        int bytes = 0;
        for (int i = 0; i < all.size(); i++) {
            T entry = all.get((next + i) % all.size());
            bytes += size.applyAsInt(entry);
            if (bytes > budget) break;
            share.add(entry);
        }
        next = (next + share.size()) % all.size();
        return share;
    }
}

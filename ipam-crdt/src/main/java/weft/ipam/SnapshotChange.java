package weft.ipam;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What changed from one {@link Snapshot} of a peer to the next: the content of one {@link JournalCodec journal}
 * record. The ring and the acceptor state are small and change seldom, so they are carried whole when they
 * changed; the allocations, which grow to thousands, as the addresses released and the addresses taken (or
 * given to another owner).
 *
 * <p>Immutable value; thread-safe.
 *
 * @param ring     the new ring, when it changed
 * @param acceptor the new acceptor state, when it changed
 * @param removed  addresses no longer allocated, ascending
 * @param put      addresses newly allocated or held by another owner now, to their owner id
 */
public record SnapshotChange(Optional<Ring> ring, Optional<AcceptorState> acceptor, List<Long> removed,
        SortedMap<Long, String> put) {
    public SnapshotChange {
        removed = List.copyOf(removed);
        put = Collections.unmodifiableSortedMap(new TreeMap<>(put));
    }

    /**
     * The change from {@code before} to {@code after}, of the same peer. One pass over both allocation maps
     * (sorted by address); owner ids are compared by reference first, as an unchanged allocation keeps its string.
     */
    public static SnapshotChange between(Snapshot before, Snapshot after) {
        if (!before.self().equals(after.self())) {
            throw new IllegalArgumentException("snapshots of two peers: " + before.self() + ", " + after.self());
        }
        List<Long> removed = new ArrayList<>();
        TreeMap<Long, String> put = new TreeMap<>();
        Iterator<Map.Entry<Long, String>> old = before.allocations().entrySet().iterator();
        Iterator<Map.Entry<Long, String>> now = after.allocations().entrySet().iterator();
        Map.Entry<Long, String> a = old.hasNext() ? old.next() : null;
        Map.Entry<Long, String> b = now.hasNext() ? now.next() : null;
        while (a != null || b != null) {
            int order = a == null ? 1 : b == null ? -1 : Long.compare(a.getKey(), b.getKey());
            if (order < 0) {
                removed.add(a.getKey());
                a = old.hasNext() ? old.next() : null;
            } else if (order > 0) {
                put.put(b.getKey(), b.getValue());
                b = now.hasNext() ? now.next() : null;
            } else {
                if (a.getValue() != b.getValue() && !a.getValue().equals(b.getValue())) {
                    put.put(b.getKey(), b.getValue());
                }
                a = old.hasNext() ? old.next() : null;
                b = now.hasNext() ? now.next() : null;
            }
        }
        Optional<Ring> ring = before.ring() == after.ring() || before.ring().equals(after.ring())
                ? Optional.empty() : Optional.of(after.ring());
        Optional<AcceptorState> acceptor = Objects.equals(before.acceptor(), after.acceptor())
                ? Optional.empty() : Optional.of(after.acceptor());
        return new SnapshotChange(ring, acceptor, removed, put);
    }

    /** Whether the two snapshots were the same. */
    public boolean isEmpty() {
        return ring.isEmpty() && acceptor.isEmpty() && removed.isEmpty() && put.isEmpty();
    }
}

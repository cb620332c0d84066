package weft.ipam;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;
import weft.gossip.PeerName;

/**
 * Every acceptor's state as far as we know it: a state CRDT (per peer, the newer state by
 * {@link AcceptorState#ORDER}) gossiped with the ring until a ring exists.
 *
 * <p>Immutable value; thread-safe.
 */
public record ConsensusState(SortedMap<PeerName, AcceptorState> acceptors) {
    /** Most acceptors a decoded state may list. */
    public static final int MAX_ACCEPTORS = 4096;
    public static final ConsensusState EMPTY = new ConsensusState(new TreeMap<>());

    public ConsensusState {
        acceptors = Collections.unmodifiableSortedMap(new TreeMap<>(acceptors));
    }

    public AcceptorState of(PeerName peer) {
        return acceptors.getOrDefault(peer, AcceptorState.INITIAL);
    }

    /** This state with {@code peer}'s entry replaced (only {@code peer} itself does that). */
    public ConsensusState with(PeerName peer, AcceptorState state) {
        TreeMap<PeerName, AcceptorState> copy = new TreeMap<>(acceptors);
        copy.put(peer, state);
        return new ConsensusState(copy);
    }

    public ConsensusState merge(ConsensusState other) {
        TreeMap<PeerName, AcceptorState> copy = new TreeMap<>(acceptors);
        other.acceptors.forEach((peer, state) -> copy.merge(peer, state,
                (a, b) -> AcceptorState.ORDER.compare(a, b) >= 0 ? a : b));
        ConsensusState merged = new ConsensusState(copy);
        return merged.equals(this) ? this : merged;
    }
}

package weft.ipam;

import java.util.Comparator;
import java.util.List;
import weft.gossip.PeerName;

/**
 * One peer's Paxos acceptor state, as it gossips it. Written only by that peer; both ballots only grow
 * and {@code accepted <= promised}, so of two versions the greater by {@link #ORDER} is the newer.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param promised the highest ballot this peer promised not to go below
 * @param accepted the ballot of the value it accepted, or {@link Ballot#NONE}
 * @param value    the accepted seed list (sorted), empty when nothing was accepted
 */
public record AcceptorState(Ballot promised, Ballot accepted, List<PeerName> value) {
    /** A peer that has taken part in nothing yet. */
    public static final AcceptorState INITIAL = new AcceptorState(Ballot.NONE, Ballot.NONE, List.of());

    /** Newer versions of one peer's state compare greater; ties broken by value for determinism. */
    public static final Comparator<AcceptorState> ORDER = Comparator.comparing(AcceptorState::promised)
            .thenComparing(AcceptorState::accepted)
            .thenComparing(AcceptorState::value, (a, b) -> {
                for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
                    int c = a.get(i).compareTo(b.get(i));
                    if (c != 0) {
                        return c;
                    }
                }
                return Integer.compare(a.size(), b.size());
            });

    public AcceptorState {
        value = List.copyOf(value);
        if (accepted.compareTo(promised) > 0) {
            throw new IllegalArgumentException("accepted " + accepted + " above promised " + promised);
        }
    }
}

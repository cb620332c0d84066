package weft.ipam;

import weft.gossip.PeerName;

/**
 * A consensus proposal number: round first, the proposer's name breaks ties, so two proposers never
 * use the same ballot.
 *
 * <p>Immutable value; thread-safe.
 */
public record Ballot(long round, PeerName proposer) implements Comparable<Ballot> {
    /** Below every real ballot: "nothing promised", "nothing accepted". */
    public static final Ballot NONE = new Ballot(0, new PeerName(0));

    @Override
    public int compareTo(Ballot other) {
        int c = Long.compare(round, other.round);
        return c != 0 ? c : proposer.compareTo(other.proposer);
    }

    @Override
    public String toString() {
        return round + "/" + proposer;
    }
}

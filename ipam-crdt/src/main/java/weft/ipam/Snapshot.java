package weft.ipam;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;
import weft.gossip.PeerName;

/**
 * What a peer persists so that a restart neither forgets an address it handed out nor a Paxos promise
 * it made: the ring (with its identity), this peer's allocations and its acceptor state.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param self        the peer this belongs to; a snapshot of another name is ignored on start
 * @param ring        the ring as this peer last knew it
 * @param acceptor    this peer's consensus acceptor state
 * @param allocations address to the owner id (container id) holding it, for addresses in our ranges
 */
public record Snapshot(PeerName self, Ring ring, AcceptorState acceptor, SortedMap<Long, String> allocations) {
    public Snapshot {
        allocations = Collections.unmodifiableSortedMap(new TreeMap<>(allocations));
    }
}

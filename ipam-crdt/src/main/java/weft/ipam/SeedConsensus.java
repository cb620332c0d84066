package weft.ipam;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import weft.gossip.PeerName;

/**
 * Single-decree Paxos over gossip that chooses the seed list of a new ring, in the way of Weave's
 * {@code consensus} mode but with a quorum the operator states (the number of initial peers) instead
 * of one guessed from the peer list, and a status that names what is missing.
 *
 * <p>Every voting peer is acceptor and learner; a peer becomes a proposer once triggered (its first
 * allocation, {@link Allocator#prime()}, or an observer's request). Messages are the gossiped
 * {@link ConsensusState}:
 * <ul>
 *   <li>acceptor: promises the highest ballot anyone has promised; accepts a value when the proposer of
 *       the ballot it promised shows that value accepted under that ballot (that is the phase-2 message);
 *   <li>proposer: promises its own fresh ballot; once a quorum shows that ballot promised, accepts the
 *       value of the highest ballot any of them accepted, or else every voter it has heard of;
 *   <li>learner: a value is chosen when a quorum shows it accepted under one ballot.
 * </ul>
 * Safety needs each acceptor to remember its state across restarts: {@link #own()} is part of the
 * allocator's snapshot and is persisted before it is gossiped. A proposer that sees no progress for a
 * random 2–5 ticks retries with a higher round, so duelling proposers separate.
 *
 * <p>Safe if at most {@code 2 * quorum - 1} peers vote; peers added after the initial ones should be
 * started as observers. Owned by the allocator's thread.
 */
public final class SeedConsensus {
    /** A chosen seed list and the ballot that chose it. */
    public record Decision(Ballot ballot, List<PeerName> seeds) {
        /**
         * The ring identity, from the seeds alone: Paxos fixes the value, not the ballot (a later ballot may
         * choose the same value again), and every learner must derive the same identity.
         */
        public RingId ringId() {
            return new RingId(1, seeds.getFirst(), seeds);
        }
    }

    private final PeerName self;
    private final int initialPeers;
    private final int quorum;
    private final RandomGenerator random;
    private ConsensusState state;
    private Ballot myBallot;
    private boolean triggered;
    private int ticksSinceChange;
    private int patience;

    /**
     * @param initialPeers how many peers take part initially (every one must be given the same number)
     * @param own          this peer's persisted acceptor state, or {@link AcceptorState#INITIAL}
     */
    public SeedConsensus(PeerName self, int initialPeers, RandomGenerator random, AcceptorState own) {
        if (initialPeers < 1) {
            throw new IllegalArgumentException("consensus needs at least one initial peer, got " + initialPeers);
        }
        this.self = self;
        this.initialPeers = initialPeers;
        this.quorum = initialPeers / 2 + 1;
        this.random = random;
        this.state = ConsensusState.EMPTY.with(self, own);
    }

    public int quorum() {
        return quorum;
    }

    public ConsensusState state() {
        return state;
    }

    public AcceptorState own() {
        return state.of(self);
    }

    public boolean triggered() {
        return triggered;
    }

    /** Makes this peer a proposer from its next tick. */
    public void trigger() {
        triggered = true;
    }

    /** Merges gossiped state and acts on it; returns whether our state changed. */
    public boolean onState(ConsensusState incoming) {
        ConsensusState before = state;
        state = state.merge(incoming);
        act();
        if (!state.equals(before)) {
            ticksSinceChange = 0;
            return true;
        }
        return false;
    }

    /** Advances time by one tick: a triggered proposer without progress starts a new ballot. */
    public boolean tick() {
        if (!triggered || decision().isPresent()) {
            return false;
        }
        ticksSinceChange++;
        if (myBallot != null && ticksSinceChange < patience) {
            return false;
        }
        long round = 0;
        for (AcceptorState a : state.acceptors().values()) {
            round = Math.max(round, a.promised().round());
        }
        myBallot = new Ballot(round + 1, self);
        patience = 2 + random.nextInt(4);
        ticksSinceChange = 0;
        AcceptorState own = own();
        state = state.with(self, new AcceptorState(myBallot, own.accepted(), own.value()));
        act();
        return true;
    }

    private void act() {
        for (boolean changed = true; changed; ) {
            changed = acceptorStep() | proposerStep();
        }
    }

    private boolean acceptorStep() {
        AcceptorState own = own();
        Ballot highest = own.promised();
        for (AcceptorState a : state.acceptors().values()) {
            if (a.promised().compareTo(highest) > 0) {
                highest = a.promised();
            }
        }
        Ballot accepted = own.accepted();
        List<PeerName> value = own.value();
        AcceptorState proposer = state.of(highest.proposer());
        if (highest.compareTo(Ballot.NONE) > 0 && proposer.accepted().equals(highest) && accepted.compareTo(highest) < 0) {
            accepted = highest;
            value = proposer.value();
        }
        AcceptorState next = new AcceptorState(highest, accepted, value);
        if (next.equals(own)) {
            return false;
        }
        state = state.with(self, next);
        return true;
    }

    private boolean proposerStep() {
        AcceptorState own = own();
        if (myBallot == null || !own.promised().equals(myBallot) || own.accepted().equals(myBallot)) {
            return false;
        }
        int promises = 0;
        Ballot bestAccepted = Ballot.NONE;
        List<PeerName> bestValue = List.of();
        for (AcceptorState a : state.acceptors().values()) {
            if (a.promised().equals(myBallot)) {
                promises++;
                if (a.accepted().compareTo(bestAccepted) > 0) {
                    bestAccepted = a.accepted();
                    bestValue = a.value();
                }
            }
        }
        if (promises < quorum) {
            return false;
        }
        List<PeerName> value = bestAccepted.equals(Ballot.NONE) ? List.copyOf(state.acceptors().keySet()) : bestValue;
        state = state.with(self, new AcceptorState(myBallot, myBallot, value));
        return true;
    }

    /** The chosen seed list, once a quorum accepted one value under one ballot. */
    public Optional<Decision> decision() {
        Map<Ballot, Integer> counts = new TreeMap<>();
        for (AcceptorState a : state.acceptors().values()) {
            if (!a.accepted().equals(Ballot.NONE) && counts.merge(a.accepted(), 1, Integer::sum) >= quorum) {
                return Optional.of(new Decision(a.accepted(), a.value()));
            }
        }
        return Optional.empty();
    }

    /**
     * Whether a vote is under way: this peer wants a ring, or some peer has proposed a ballot. Peers that merely
     * exchanged their initial acceptor states (they do on connecting) are not voting: consensus is lazy.
     */
    public boolean voting() {
        return triggered || state.acceptors().values().stream().anyMatch(a -> !a.promised().equals(Ballot.NONE));
    }

    /** What consensus waits for, in one line: the quorum, whom we heard from, what is missing. */
    public String waitingFor() {
        List<PeerName> heard = List.copyOf(state.acceptors().keySet());
        if (!voting()) {
            return "idle: consensus starts on the first allocation (quorum " + quorum + " of " + initialPeers
                    + " initial peers; heard from " + heard.size() + ")";
        }
        if (heard.size() < quorum) {
            return "awaiting consensus: quorum " + quorum + " of " + initialPeers + " initial peers; heard from "
                    + heard.size() + " " + heard + "; need " + (quorum - heard.size()) + " more";
        }
        Ballot highest = Ballot.NONE;
        for (AcceptorState a : state.acceptors().values()) {
            highest = a.promised().compareTo(highest) > 0 ? a.promised() : highest;
        }
        final Ballot ballot = highest;
        List<PeerName> promised = state.acceptors().entrySet().stream()
                .filter(e -> e.getValue().promised().equals(ballot)).map(Map.Entry::getKey).toList();
        List<PeerName> accepted = state.acceptors().entrySet().stream()
                .filter(e -> e.getValue().accepted().equals(ballot)).map(Map.Entry::getKey).toList();
        return "awaiting consensus: quorum " + quorum + " of " + initialPeers + " initial peers; ballot " + ballot
                + " promised by " + promised + ", accepted by " + accepted + "; heard from " + heard;
    }
}

package weft.gossip;


import java.net.InetAddress;
import java.util.Optional;

/**
 * Decides whether a connection whose hello has arrived joins the mesh, given the connection already
 * established to the same peer name, if any. Pure and stateless.
 *
 * <p>Duplicates: of two connections between the same pair, both ends keep the one dialled by the
 * peer with the lower name, and if one peer dialled both, the one with the lower connection uid
 * (the XOR of both hellos' connection ids, so both ends compute the same). Both ends therefore
 * close the same connection, whichever order the hellos arrived in.
 *
 * <p>Thread-safe (no state).
 */
final class Admission {
    private Admission() {}

    /** What the hello told us about a connection. */
    record Candidate(PeerName peer, long incarnation, InetAddress remoteIp, boolean outbound, long connectionUid) {}

    sealed interface Verdict {
        /** Admit the newcomer; {@code replaced} (the current connection) closes for {@code reason}. */
        record Admit(Optional<String> replacedBecause) implements Verdict {}

        /** The current connection to the same peer incarnation wins: close the newcomer, peer is connected. */
        record Duplicate() implements Verdict {}

        /** Close the newcomer; {@code permanent} if retrying the same target cannot help. */
        record Refuse(String reason, boolean permanent) implements Verdict {}
    }

    static Verdict judge(PeerIdentity self, Candidate newcomer, Optional<Candidate> current) {
        if (newcomer.peer().equals(self.name())) {
            return newcomer.incarnation() == self.incarnation()
                    ? new Verdict.Refuse("connected to self", true)
                    : new Verdict.Refuse("name collision: peer at " + newcomer.remoteIp().getHostAddress()
                            + " uses our name " + self.name(), false);
        }
        if (current.isEmpty()) {
            return new Verdict.Admit(Optional.empty());
        }
        Candidate existing = current.get();
        if (existing.incarnation() != newcomer.incarnation()) {
            if (existing.remoteIp().equals(newcomer.remoteIp())) {
                // same host, new incarnation: the peer restarted and its old connection is not dead yet
                return new Verdict.Admit(Optional.of("peer restarted"));
            }
            return new Verdict.Refuse("name collision: " + newcomer.peer() + " is already connected from "
                    + existing.remoteIp().getHostAddress() + " with another incarnation", false);
        }
        return prefer(self.name(), newcomer, existing)
                ? new Verdict.Admit(Optional.of("replaced by a preferred duplicate connection"))
                : new Verdict.Duplicate();
    }

    /** True if {@code a} is kept over {@code b}; see the class comment. */
    private static boolean prefer(PeerName self, Candidate a, Candidate b) {
        int byInitiator = initiator(self, a).compareTo(initiator(self, b));
        if (byInitiator != 0) {
            return byInitiator < 0;
        }
        // equal uids (chance 2^-64) keep the existing connection; the ends might then disagree and
        // close both, after which the connection maker redials
        return Long.compareUnsigned(a.connectionUid(), b.connectionUid()) < 0;
    }

    private static PeerName initiator(PeerName self, Candidate c) {
        return c.outbound() ? self : c.peer();
    }
}

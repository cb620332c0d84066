package weft.gossip;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdmissionTest {
    static final InetAddress IP_A = InetAddress.ofLiteral("10.0.0.1");
    static final InetAddress IP_B = InetAddress.ofLiteral("10.0.0.2");
    static final PeerIdentity A = new PeerIdentity(PeerName.parse("02:00:00:00:00:0a"), 11, "a");
    static final PeerIdentity B = new PeerIdentity(PeerName.parse("02:00:00:00:00:0b"), 22, "b");

    /** The same connection as seen from {@code self}, whose peer is {@code other}. */
    static Admission.Candidate seenBy(PeerIdentity other, InetAddress otherIp, boolean outbound, long uid) {
        return new Admission.Candidate(other.name(), other.incarnation(), otherIp, outbound, uid);
    }

    @Test
    void shouldKeepTheSameConnectionOnBothEndsWhateverTheArrivalOrder() {
        // connection 1 dialled by A (lower name), connection 2 dialled by B
        var aSees1 = seenBy(B, IP_B, true, 5);
        var aSees2 = seenBy(B, IP_B, false, 3);
        var bSees1 = seenBy(A, IP_A, false, 5);
        var bSees2 = seenBy(A, IP_A, true, 3);
        // A got 1 first, B got 2 first
        assertEquals(new Admission.Verdict.Duplicate(), Admission.judge(A, aSees2, Optional.of(aSees1)));
        assertInstanceOf(Admission.Verdict.Admit.class, Admission.judge(B, bSees1, Optional.of(bSees2)));
        // and the other way round
        assertInstanceOf(Admission.Verdict.Admit.class, Admission.judge(A, aSees1, Optional.of(aSees2)));
        assertEquals(new Admission.Verdict.Duplicate(), Admission.judge(B, bSees2, Optional.of(bSees1)));
    }

    @Test
    void shouldBreakTiesBetweenTwoConnectionsDialledByTheSamePeerByUid() {
        var aSeesLow = seenBy(B, IP_B, true, 1);
        var aSeesHigh = seenBy(B, IP_B, true, -1); // unsigned: the highest
        var bSeesLow = seenBy(A, IP_A, false, 1);
        var bSeesHigh = seenBy(A, IP_A, false, -1);
        assertEquals(new Admission.Verdict.Duplicate(), Admission.judge(A, aSeesHigh, Optional.of(aSeesLow)));
        assertEquals(new Admission.Verdict.Duplicate(), Admission.judge(B, bSeesHigh, Optional.of(bSeesLow)));
    }

    @Test
    void shouldRefuseSelfForGoodAndACollisionForNow() {
        assertEquals(new Admission.Verdict.Refuse("connected to self", true),
                Admission.judge(A, seenBy(A, IP_A, true, 1), Optional.empty()));
        var impostor = new PeerIdentity(A.name(), 99, "x");
        var verdict = Admission.judge(A, seenBy(impostor, IP_B, false, 1), Optional.empty());
        assertEquals(new Admission.Verdict.Refuse("name collision: peer at 10.0.0.2 uses our name 02:00:00:00:00:0a",
                false), verdict);
    }

    @Test
    void shouldRefuseTheSameNameWithAnotherIncarnationFromAnotherAddress() {
        var restartedElsewhere = new PeerIdentity(B.name(), 33, "b2");
        var verdict = Admission.judge(A, seenBy(restartedElsewhere, IP_A, false, 1),
                Optional.of(seenBy(B, IP_B, true, 2)));
        assertEquals(new Admission.Verdict.Refuse("name collision: 02:00:00:00:00:0b is already connected from "
                + "10.0.0.2 with another incarnation", false), verdict);
    }

    @Test
    void shouldReplaceAnOldIncarnationFromTheSameAddress() {
        var restarted = new PeerIdentity(B.name(), 33, "b");
        assertEquals(new Admission.Verdict.Admit(Optional.of("peer restarted")),
                Admission.judge(A, seenBy(restarted, IP_B, false, 1), Optional.of(seenBy(B, IP_B, true, 2))));
    }
}

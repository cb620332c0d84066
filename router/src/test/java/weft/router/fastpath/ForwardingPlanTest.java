package weft.router.fastpath;

import org.junit.jupiter.api.Test;
import weft.kernel.MacAddress;
import weft.kernel.NetlinkAbi;
import weft.kernel.Neighbour;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ForwardingPlanTest {
    private static final int PORT = 5;
    private static final InetAddress B = address("192.0.2.2"), C = address("192.0.2.3");
    private static final FastPathTable.Peer PEER_B = new FastPathTable.Peer(0xBL, "b", B, Optional.empty(), Optional.empty(), Optional.empty());
    private static final FastPathTable.Peer PEER_C = new FastPathTable.Peer(0xCL, "c", C, Optional.empty(), Optional.empty(), Optional.empty());
    private static final MacAddress HEARTBEAT_B = new MacAddress(FastHeartbeat.heartbeatMac(0xBL));
    private static final MacAddress HEARTBEAT_C = new MacAddress(FastHeartbeat.heartbeatMac(0xCL));
    private static final MacAddress CONTAINER = MacAddress.parse("02:00:00:00:aa:01");

    private static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Neighbour self(MacAddress mac, InetAddress remote, int state) {
        return new Neighbour(7, PORT, remote, mac, state, NetlinkAbi.NTF_SELF);
    }

    @Test
    void anEmptyTableGetsHeartbeatEntriesForCandidatesAndFloodEntriesForFastPeers() {
        ForwardingPlan plan = ForwardingPlan.of(List.of(PEER_B, PEER_C), List.of(PEER_B), PORT, List.of());
        assertEquals(List.of(new ForwardingPlan.Entry(HEARTBEAT_B, B), new ForwardingPlan.Entry(HEARTBEAT_C, C),
                new ForwardingPlan.Entry(MacAddress.ZERO, B)), plan.addToDevice());
        assertEquals(List.of(), plan.removeFromDevice());
    }

    @Test
    void aPeerThatLeftTheFastPathLosesItsFloodEntryAndWhatTheDeviceLearntFromIt() {
        List<Neighbour> table = List.of(
                self(HEARTBEAT_B, B, NetlinkAbi.NUD_PERMANENT), self(HEARTBEAT_C, C, NetlinkAbi.NUD_PERMANENT),
                self(MacAddress.ZERO, B, NetlinkAbi.NUD_PERMANENT), self(MacAddress.ZERO, C, NetlinkAbi.NUD_PERMANENT),
                self(CONTAINER, C, 0x02), // learnt (NUD_REACHABLE) from C
                new Neighbour(7, PORT, null, CONTAINER, 0x02, 0), // the bridge's own entry: not ours to touch
                new Neighbour(7, PORT + 1, B, CONTAINER, 0x02, NetlinkAbi.NTF_SELF)); // another port's
        ForwardingPlan plan = ForwardingPlan.of(List.of(PEER_B, PEER_C), List.of(PEER_B), PORT, table);
        assertEquals(List.of(), plan.addToDevice());
        assertEquals(List.of(new ForwardingPlan.Entry(MacAddress.ZERO, C), new ForwardingPlan.Entry(CONTAINER, C)), plan.removeFromDevice());
        assertTrue(plan.removedLearnt(), "the bridge must forget the learnt MAC too");
    }

    @Test
    void aDisconnectedPeerLosesItsHeartbeatEntryWithoutCountingAsLearnt() {
        List<Neighbour> table = List.of(self(HEARTBEAT_C, C, NetlinkAbi.NUD_PERMANENT), self(CONTAINER, B, 0x02));
        ForwardingPlan plan = ForwardingPlan.of(List.of(PEER_B), List.of(PEER_B), PORT, table);
        assertEquals(List.of(new ForwardingPlan.Entry(HEARTBEAT_C, C)), plan.removeFromDevice());
        assertFalse(plan.removedLearnt(), "what was learnt from a fast peer stays");
    }
}

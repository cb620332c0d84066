package weft.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import weft.gossip.connect.ConnectionMaker;
import weft.gossip.topology.PeerLink;
import weft.gossip.topology.PeerRecord;

class DiscoveryTest {
    private static final PeerName SELF = new PeerName(0x10);
    private static final PeerName B = new PeerName(0x20);
    private static final PeerName C = new PeerName(0x30);
    private static final PeerName D = new PeerName(0x40);
    private static final InetSocketAddress LOCAL = new InetSocketAddress("10.0.0.1", 6783);

    final Discovery discovery = new Discovery(SELF);

    private static PeerRecord record(PeerName name, PeerLink... links) {
        return new PeerRecord(name, "n" + name.value(), 1, 1, 1, List.of(links));
    }

    private static PeerLink dialled(PeerName peer, String address) {
        return new PeerLink(peer, address, true, true);
    }

    private static PeerLink accepted(PeerName peer, String address) {
        return new PeerLink(peer, address, false, true);
    }

    private static ConnectionMaker.TargetStatus target(String target, ConnectionMaker.State state) {
        String[] hostPort = target.split(":");
        return new ConnectionMaker.TargetStatus(target, new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])),
                state, Optional.empty(), Optional.empty(), Optional.<Instant>empty(), 1);
    }

    private static List<String> targets(List<Discovery.Found> found) {
        return found.stream().map(Discovery.Found::target).toList();
    }

    @Test
    void shouldDialTheAddressALinkOwnerDialledAndTheDefaultPortOfAnAcceptedPeer() {
        PeerRecord b = record(B, dialled(C, "10.0.0.3:7000"), accepted(D, "10.0.0.4:51234"));
        List<Discovery.Found> found = discovery.discover(List.of(b), Set.of(B), List.of(), LOCAL);
        assertEquals(List.of(new Discovery.Found("10.0.0.3:7000", new InetSocketAddress("10.0.0.3", 7000), C, b),
                new Discovery.Found("10.0.0.4:6783", new InetSocketAddress("10.0.0.4", 6783), D, b)), found);
    }

    @Test
    void shouldSkipOurselvesConnectedPeersOurOwnAddressAndNamesThatWouldNeedALookup() {
        PeerRecord own = record(SELF, dialled(C, "10.0.0.3:6783"));
        PeerRecord b = record(B, accepted(SELF, "10.0.0.9:6783"), dialled(B, "10.0.0.2:6783"),
                dialled(C, "10.0.0.1:6783"), dialled(C, "peer-c.example:6783"), dialled(D, "10.0.0.4:99999"));
        assertEquals(List.of(), discovery.discover(List.of(own, b), Set.of(B), List.of(), LOCAL));
    }

    @Test
    void shouldDiscoverEachPeerOnceAndTryItsNextLinkWhenTheMakerHasTheTarget() {
        PeerRecord b = record(B, dialled(C, "10.0.0.3:6783"), dialled(C, "10.0.0.33:6783"));
        PeerRecord d = record(D, dialled(C, "10.0.0.34:6783"));
        List<ConnectionMaker.TargetStatus> known = List.of(target("10.0.0.3:6783", ConnectionMaker.State.WAITING));
        assertEquals(List.of("10.0.0.33:6783"), targets(discovery.discover(List.of(b, d), Set.of(), known, LOCAL)));
        assertEquals(List.of(), discovery.discover(List.of(b, d), Set.of(), known, LOCAL), "already discovered");
    }

    @Test
    void shouldDropADiscoveredTargetOnceItsPeerIsConnectedAnotherWay() {
        PeerRecord b = record(B, dialled(C, "10.0.0.3:6783"), dialled(D, "10.0.0.4:6783"));
        discovery.discover(List.of(b), Set.of(), List.of(), LOCAL);

        List<ConnectionMaker.TargetStatus> targets = List.of(target("10.0.0.3:6783", ConnectionMaker.State.CONNECTING),
                target("10.0.0.4:6783", ConnectionMaker.State.CONNECTED));
        assertEquals(List.of(), discovery.superseded(Set.of(), targets), "nobody connected yet");
        assertEquals(List.of("10.0.0.3:6783"), discovery.superseded(Set.of(C, D), targets),
                "D is connected by its discovered target, which stays");
        assertEquals(List.of(), discovery.superseded(Set.of(C, D), targets), "dropped once");
    }

    @Test
    void shouldDropTheTargetsOfForgottenPeersAndDiscoverThemAgainLater() {
        PeerRecord b = record(B, dialled(C, "10.0.0.3:6783"), dialled(D, "10.0.0.4:6783"));
        discovery.discover(List.of(b), Set.of(), List.of(), LOCAL);

        assertEquals(List.of("10.0.0.4:6783"), discovery.forgotten(List.of(D)));
        assertEquals(List.of("10.0.0.4:6783"), targets(discovery.discover(List.of(b), Set.of(),
                List.of(target("10.0.0.3:6783", ConnectionMaker.State.WAITING)), LOCAL)));
    }
}

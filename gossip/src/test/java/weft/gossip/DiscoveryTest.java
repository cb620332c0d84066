package weft.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
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
    private static final Set<InetAddress> OURS = Set.of(LOCAL.getAddress());
    private static final PeerName E = new PeerName(0x50);
    private static final PeerName F = new PeerName(0x60);

    final Discovery discovery = new Discovery(SELF, 100);

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
        List<Discovery.Found> found = discovery.discover(List.of(b), Set.of(B), List.of(), LOCAL, OURS);
        assertEquals(List.of(new Discovery.Found("10.0.0.3:7000", new InetSocketAddress("10.0.0.3", 7000), C, b),
                new Discovery.Found("10.0.0.4:6783", new InetSocketAddress("10.0.0.4", 6783), D, b)), found);
    }

    @Test
    void shouldSkipOurselvesConnectedPeersOurOwnAddressAndNamesThatWouldNeedALookup() {
        PeerRecord own = record(SELF, dialled(C, "10.0.0.3:6783"));
        PeerRecord b = record(B, accepted(SELF, "10.0.0.9:6783"), dialled(B, "10.0.0.2:6783"),
                dialled(C, "10.0.0.1:6783"), dialled(C, "peer-c.example:6783"), dialled(D, "10.0.0.4:99999"));
        assertEquals(List.of(), discovery.discover(List.of(own, b), Set.of(B), List.of(), LOCAL, OURS));
    }

    @Test
    void shouldDiscoverEachPeerOnceAndTryItsNextLinkWhenTheMakerHasTheTarget() {
        PeerRecord b = record(B, dialled(C, "10.0.0.3:6783"), dialled(C, "10.0.0.33:6783"));
        PeerRecord d = record(D, dialled(C, "10.0.0.34:6783"));
        List<ConnectionMaker.TargetStatus> known = List.of(target("10.0.0.3:6783", ConnectionMaker.State.WAITING));
        assertEquals(List.of("10.0.0.33:6783"), targets(discovery.discover(List.of(b, d), Set.of(), known, LOCAL, OURS)));
        assertEquals(List.of(), discovery.discover(List.of(b, d), Set.of(), known, LOCAL, OURS), "already discovered");
    }

    @Test
    void shouldDropADiscoveredTargetOnceItsPeerIsConnectedAnotherWay() {
        PeerRecord b = record(B, dialled(C, "10.0.0.3:6783"), dialled(D, "10.0.0.4:6783"));
        discovery.discover(List.of(b), Set.of(), List.of(), LOCAL, OURS);

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
        discovery.discover(List.of(b), Set.of(), List.of(), LOCAL, OURS);

        assertEquals(List.of("10.0.0.4:6783"), discovery.forgotten(List.of(D)));
        assertEquals(List.of("10.0.0.4:6783"), targets(discovery.discover(List.of(b), Set.of(),
                List.of(target("10.0.0.3:6783", ConnectionMaker.State.WAITING)), LOCAL, OURS)));
    }

    @Test
    void shouldNotDialAddressesThatMakeNoSenseForAPeerAndCountThem() {
        PeerRecord b = record(B, dialled(C, "0.0.0.0:6783"), dialled(C, "224.0.0.1:6783"), dialled(D, "255.255.255.255:6783"),
                dialled(E, "127.0.0.1:6783"), dialled(F, "169.254.10.1:6783"));
        assertEquals(List.of(), discovery.discover(List.of(b), Set.of(), List.of(), LOCAL, OURS));
        assertEquals(5, discovery.addressesRefused());
    }

    @Test
    void shouldDialLoopbackAndLinkLocalAddressesOnlyWhenWeUseSuchAddressesToo() {
        PeerRecord b = record(B, dialled(E, "127.0.0.5:6783"), dialled(F, "169.254.10.1:6783"));
        var loopbackOnly = Set.of(InetAddress.getLoopbackAddress());
        assertEquals(List.of("127.0.0.5:6783"), targets(discovery.discover(List.of(b), Set.of(), List.of(),
                new InetSocketAddress("127.0.0.1", 6783), loopbackOnly)));
        assertEquals(1, discovery.addressesRefused());
        var linkLocalToo = Set.of(InetAddress.ofLiteral("0.0.0.0"), InetAddress.ofLiteral("169.254.1.1"));
        assertEquals(List.of("169.254.10.1:6783"), targets(discovery.discover(List.of(b), Set.of(), List.of(),
                new InetSocketAddress(6783), linkLocalToo)));
    }

    @Test
    void shouldHoldAtMostItsLimitOfDiscoveredTargetsAndCountWhatItLeavesOut() {
        Discovery bounded = new Discovery(SELF, 2);
        PeerRecord b = record(B, dialled(C, "10.0.0.3:6783"), dialled(D, "10.0.0.4:6783"), dialled(E, "10.0.0.5:6783"),
                dialled(F, "10.0.0.6:6783"));
        assertEquals(List.of("10.0.0.3:6783", "10.0.0.4:6783"),
                targets(bounded.discover(List.of(b), Set.of(), List.of(), LOCAL, OURS)));
        assertEquals(2, bounded.targetsOverLimit());

        assertEquals(List.of("10.0.0.4:6783"), bounded.forgotten(List.of(D)));
        assertEquals(List.of("10.0.0.5:6783"), targets(bounded.discover(List.of(b), Set.of(D), List.of(), LOCAL, OURS)),
                "room for one again, taken by the next peer not connected yet");
        assertEquals(3, bounded.targetsOverLimit());
    }
}

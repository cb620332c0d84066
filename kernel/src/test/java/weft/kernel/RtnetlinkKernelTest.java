package weft.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each test builds its world in a fresh anonymous network namespace, which vanishes with its thread. */
@EnabledIf("weft.kernel.KernelAccess#available")
class RtnetlinkKernelTest {

    private static InetAddress ip(String text) throws Exception {
        return InetAddress.getByName(text);
    }

    @Test
    void freshNamespaceHoldsOnlyLoopback() throws Exception {
        List<Link> links = NetNamespace.callInAnonymous(() -> {
            try (Rtnetlink rtnl = Rtnetlink.open()) {
                return rtnl.links();
            }
        });
        assertEquals(List.of("lo"), links.stream().map(Link::name).toList());
    }

    @Test
    void bridgeVethAndVxlanAreCreatedConfiguredAndDeleted() throws Exception {
        NetNamespace.callInAnonymous(() -> {
            try (Rtnetlink rtnl = Rtnetlink.open()) {
                rtnl.createBridge("weft");
                rtnl.createVeth("vethwe-a", "vethwe-b");
                rtnl.createVxlan("vxlan-6784", 42, 6784, (Inet4Address) ip("127.0.0.1"), false, true);
                rtnl.setMtu("vethwe-a", 1376);
                rtnl.setMacAddress("weft", MacAddress.parse("02:00:00:00:00:01"));
                rtnl.setMaster("vethwe-a", "weft");
                rtnl.setMaster("vxlan-6784", "weft");
                rtnl.setBridgePortIsolated("vxlan-6784", true);
                for (String name : List.of("weft", "vethwe-a", "vethwe-b", "vxlan-6784")) rtnl.setUp(name);

                Map<String, Link> links = rtnl.links().stream().collect(Collectors.toMap(Link::name, Function.identity()));
                Link bridge = links.get("weft"), veth = links.get("vethwe-a"), vxlan = links.get("vxlan-6784");
                assertEquals("bridge", bridge.kind());
                assertEquals(MacAddress.parse("02:00:00:00:00:01"), bridge.mac());
                assertEquals("veth", veth.kind());
                assertEquals(1376, veth.mtu());
                assertEquals(bridge.index(), veth.masterIndex());
                assertFalse(veth.isolated());
                assertEquals("vxlan", vxlan.kind());
                assertEquals(bridge.index(), vxlan.masterIndex());
                assertTrue(vxlan.isolated());
                assertTrue(veth.up() && bridge.up() && vxlan.up());

                rtnl.setBridgePortIsolated("vxlan-6784", false);
                rtnl.setNoMaster("vethwe-a");
                rtnl.setDown("vethwe-a");
                Link after = rtnl.link("vethwe-a").orElseThrow();
                assertEquals(0, after.masterIndex());
                assertFalse(after.up());
                assertFalse(rtnl.link("vxlan-6784").orElseThrow().isolated());

                rtnl.deleteLink("vethwe-a"); // takes its peer with it
                assertTrue(rtnl.link("vethwe-a").isEmpty());
                assertTrue(rtnl.link("vethwe-b").isEmpty());
                return null;
            }
        });
    }

    @Test
    void creatingAnExistingLinkOrAddressIsEexistNamingTheOperation() throws Exception {
        NetNamespace.callInAnonymous(() -> {
            try (Rtnetlink rtnl = Rtnetlink.open()) {
                rtnl.createBridge("weft");
                NativeCallException link = assertThrows(NativeCallException.class, () -> rtnl.createBridge("weft"));
                assertEquals(Errno.EEXIST, link.errno());
                assertTrue(link.getMessage().startsWith("RTM_NEWLINK bridge weft failed: File exists (errno 17)"), link.getMessage());

                rtnl.addAddress("weft", ip("10.32.0.1"), 12);
                NativeCallException address = assertThrows(NativeCallException.class, () -> rtnl.addAddress("weft", ip("10.32.0.1"), 12));
                assertEquals(Errno.EEXIST, address.errno());
                assertTrue(address.getMessage().startsWith("RTM_NEWADDR 10.32.0.1/12 on weft failed: File exists (errno 17)"),
                        address.getMessage());

                NativeCallException missing = assertThrows(NativeCallException.class, () -> rtnl.deleteLink("nope"));
                assertEquals(Errno.ENODEV, missing.errno());
                assertEquals("no link named 'nope' in this network namespace", missing.getMessage());
                return null;
            }
        });
    }

    @Test
    void addressesAreAddedListedAndDeleted() throws Exception {
        NetNamespace.callInAnonymous(() -> {
            try (Rtnetlink rtnl = Rtnetlink.open()) {
                rtnl.createBridge("weft");
                rtnl.addAddress("weft", ip("10.32.0.1"), 12);
                rtnl.addAddress("weft", ip("fd00:77::1"), 64);
                int index = rtnl.index("weft");
                List<AssignedAddress> addresses = rtnl.addresses("weft");
                assertTrue(addresses.contains(new AssignedAddress(index, ip("10.32.0.1"), 12)), addresses.toString());
                assertTrue(addresses.contains(new AssignedAddress(index, ip("fd00:77::1"), 64)), addresses.toString());

                rtnl.deleteAddress("weft", ip("10.32.0.1"), 12);
                rtnl.deleteAddress("weft", ip("fd00:77::1"), 64);
                assertEquals(List.of(), rtnl.addresses("weft").stream()
                        .filter(a -> !a.address().isLinkLocalAddress()).toList());
                return null;
            }
        });
    }

    @Test
    void routesOntoALinkAndViaAGatewayAreAddedAndDeleted() throws Exception {
        NetNamespace.callInAnonymous(() -> {
            try (Rtnetlink rtnl = Rtnetlink.open()) {
                rtnl.createVeth("r0", "r1");
                rtnl.setUp("r0");
                rtnl.setUp("r1");
                rtnl.addAddress("r0", ip("192.168.50.1"), 24);
                rtnl.addRoute(ip("10.99.0.0"), 16, "r0", null);
                rtnl.addRoute(ip("10.98.0.0"), 16, "r0", ip("192.168.50.2"));
                int r0 = rtnl.index("r0");
                List<Route> routes = rtnl.routes("r0");
                assertTrue(routes.contains(new Route(ip("10.99.0.0"), 16, r0, null, NetlinkAbi.RT_TABLE_MAIN,
                        NetlinkAbi.RTPROT_STATIC, NetlinkAbi.RT_SCOPE_LINK, 0, null)), routes.toString());
                assertTrue(routes.contains(new Route(ip("10.98.0.0"), 16, r0, ip("192.168.50.2"), NetlinkAbi.RT_TABLE_MAIN,
                        NetlinkAbi.RTPROT_STATIC, NetlinkAbi.RT_SCOPE_UNIVERSE, 0, null)), routes.toString());
                Route lookedUp = rtnl.routeTo(ip("10.98.1.2")).orElseThrow();
                assertEquals(r0, lookedUp.outputIndex(), lookedUp.toString());
                assertEquals(ip("192.168.50.2"), lookedUp.gateway(), lookedUp.toString());
                assertEquals(ip("192.168.50.1"), lookedUp.preferredSource(), "the source the kernel would send from");
                assertEquals(Optional.empty(), rtnl.routeTo(ip("172.31.9.9")), "no route there, and no default route");

                rtnl.deleteRoute(ip("10.99.0.0"), 16, "r0", null);
                rtnl.deleteRoute(ip("10.98.0.0"), 16, "r0", ip("192.168.50.2"));
                assertTrue(rtnl.routes("r0").stream().noneMatch(r -> r.protocol() == NetlinkAbi.RTPROT_STATIC));
                return null;
            }
        });
    }

    @Test
    void permanentNeighboursAreAddedReplacedAndDeleted() throws Exception {
        NetNamespace.callInAnonymous(() -> {
            try (Rtnetlink rtnl = Rtnetlink.open()) {
                rtnl.createVeth("n0", "n1");
                rtnl.setUp("n0");
                InetAddress peer = ip("192.168.60.7");
                rtnl.addNeighbour("n0", peer, MacAddress.parse("02:00:00:00:00:07"));
                rtnl.addNeighbour("n0", peer, MacAddress.parse("02:00:00:00:00:08"));
                List<Neighbour> entries = rtnl.neighbours("n0").stream().filter(n -> peer.equals(n.address())).toList();
                assertEquals(1, entries.size(), entries.toString());
                assertEquals(MacAddress.parse("02:00:00:00:00:08"), entries.getFirst().mac());
                assertEquals(NetlinkAbi.NUD_PERMANENT, entries.getFirst().state());

                rtnl.deleteNeighbour("n0", peer);
                assertTrue(rtnl.neighbours("n0").stream().noneMatch(n -> peer.equals(n.address())));
                return null;
            }
        });
    }

    @Test
    void vxlanForwardingEntriesPointAtRemotes() throws Exception {
        NetNamespace.callInAnonymous(() -> {
            try (Rtnetlink rtnl = Rtnetlink.open()) {
                rtnl.createVxlan("vx0", 7, 4789, null, true, false);
                MacAddress container = MacAddress.parse("02:00:00:00:aa:01");
                rtnl.addFdb("vx0", MacAddress.ZERO, ip("192.168.1.2"));
                rtnl.addFdb("vx0", MacAddress.ZERO, ip("192.168.1.3"));
                rtnl.addFdb("vx0", container, ip("192.168.1.2"));
                List<Neighbour> fdb = rtnl.fdb("vx0");
                assertTrue(fdb.stream().anyMatch(n -> container.equals(n.mac()) && ipEquals(n.address(), "192.168.1.2")), fdb.toString());
                assertEquals(2, fdb.stream().filter(n -> MacAddress.ZERO.equals(n.mac())).count(), fdb.toString());
                assertTrue(fdb.stream().allMatch(n -> n.family() == Linux.AF_BRIDGE));

                rtnl.deleteFdb("vx0", container, ip("192.168.1.2"));
                rtnl.deleteFdb("vx0", MacAddress.ZERO, ip("192.168.1.3"));
                List<Neighbour> left = rtnl.fdb("vx0");
                assertTrue(left.stream().noneMatch(n -> container.equals(n.mac())), left.toString());
                assertEquals(1, left.stream().filter(n -> MacAddress.ZERO.equals(n.mac())).count(), left.toString());
                return null;
            }
        });
    }

    @Test
    void staticBridgeEntriesPointAtAPortAndSurviveAFlushOfIt() throws Exception {
        NetNamespace.callInAnonymous(() -> {
            try (Rtnetlink rtnl = Rtnetlink.open()) {
                rtnl.createBridge("br0");
                rtnl.createVxlan("vx0", 7, 6784, null, true, true);
                rtnl.setMaster("vx0", "br0");
                MacAddress peer = MacAddress.parse("02:00:00:00:bb:01");
                rtnl.addBridgeFdb("vx0", peer);
                rtnl.addBridgeFdb("vx0", peer); // replacing: the reconciler may repeat itself
                rtnl.flushBridgePort("vx0");
                List<Neighbour> entries = rtnl.fdb("vx0").stream().filter(n -> peer.equals(n.mac())).toList();
                assertEquals(1, entries.size(), entries.toString());
                assertEquals(0, entries.getFirst().flags() & NetlinkAbi.NTF_SELF, "the bridge's entry, not the VXLAN device's");
                assertEquals(NetlinkAbi.NUD_NOARP, entries.getFirst().state() & NetlinkAbi.NUD_NOARP);

                rtnl.deleteBridgeFdb("vx0", peer);
                assertTrue(rtnl.fdb("vx0").stream().noneMatch(n -> peer.equals(n.mac())));
                return null;
            }
        });
    }

    private static boolean ipEquals(InetAddress address, String expected) {
        try {
            return address != null && address.equals(InetAddress.getByName(expected));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void renamedVethEndMovesIntoAnotherNamespace() throws Exception {
        try (NetNamespace container = NetNamespace.createAnonymous()) {
            // looked at while the first namespace lives: when it goes, its end of the veth takes the other with it
            Link moved = NetNamespace.callInAnonymous(() -> {
                try (Rtnetlink rtnl = Rtnetlink.open()) {
                    rtnl.createVeth("vethwepl1", "vethwepg1");
                    rtnl.rename("vethwepg1", "ethwe");
                    rtnl.moveToNamespace("ethwe", container.fd());
                    assertTrue(rtnl.link("ethwe").isEmpty());
                    assertTrue(rtnl.link("vethwepl1").isPresent());
                    return container.call(() -> {
                        try (Rtnetlink inside = Rtnetlink.open()) {
                            return inside.link("ethwe").orElseThrow();
                        }
                    });
                }
            });
            assertEquals("veth", moved.kind());
        }
    }

    @Test
    void workThrowingInsideANamespaceRethrowsToTheCaller() throws Exception {
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> NetNamespace.callInAnonymous(() -> { throw new IllegalStateException("inside"); }));
        assertEquals("inside", thrown.getMessage());
    }

    @Test
    void ownProcessNamespaceOpensByPid() throws Exception {
        try (NetNamespace own = NetNamespace.ofPid(Linux.getpid())) {
            assertTrue(own.fd() >= 0);
            assertTrue(own.call(() -> {
                try (Rtnetlink rtnl = Rtnetlink.open()) {
                    return rtnl.link("lo").orElseThrow().up();
                }
            }));
        }
    }

    @Test
    void missingNamedNamespaceSaysWhichAndWhere() throws Exception {
        NativeCallException e = assertThrows(NativeCallException.class, () -> NetNamespace.named("no-such-ns-xyz"));
        assertEquals("network namespace 'no-such-ns-xyz' not found (/run/netns/no-such-ns-xyz)", e.getMessage());
        assertEquals(Errno.ENOENT, e.errno());
    }
}

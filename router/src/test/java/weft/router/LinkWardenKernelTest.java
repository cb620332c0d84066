package weft.router;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import weft.api.Attachment;
import weft.kernel.Link;
import weft.kernel.NetNamespace;
import weft.kernel.Rtnetlink;
import weft.kernel.TapDevice;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The warden in a fresh anonymous namespace holding a bridge, a TAP port, a container's port and an exposed address. */
@EnabledIf("weft.kernel.KernelAccess#available")
class LinkWardenKernelTest {
    private static final String BRIDGE = "weft", TAP = "weft-sleeve", PORT = "vethwl0001";

    @Test
    void whatWasTakenDownOrDeletedIsPutBackAndADeletedTapFailsTheRouter() throws Exception {
        NetNamespace.callInAnonymous(() -> {
            StopSignal stop = new StopSignal();
            List<Attachment> attachments = List.of(
                    new Attachment("pid:1", "/proc/1/ns/net", PORT, "02:00:00:00:00:01", List.of("10.32.0.5/12")),
                    new Attachment(Attachment.EXPOSE, "", BRIDGE, "02:00:00:00:00:02", List.of("10.32.0.254/12")));
            LinkWarden warden = new LinkWarden(Rtnetlink::open, BRIDGE, TAP, 1410, () -> attachments, stop);
            try (Rtnetlink rtnl = Rtnetlink.open(); TapDevice tap = TapDevice.create(TAP, Set.of(TapDevice.Flag.VNET_HDR))) {
                rtnl.createBridge(BRIDGE);
                rtnl.createVeth(PORT, "vethwp0001");
                for (String port : List.of(TAP, PORT)) {
                    rtnl.setMaster(port, BRIDGE);
                    rtnl.setUp(port);
                }
                rtnl.setBridgePortIsolated(TAP, true);
                rtnl.setUp(BRIDGE);
                rtnl.addAddress(BRIDGE, InetAddress.ofLiteral("10.32.0.254"), 12);
                assertEquals(List.of(), warden.check(), "nothing amiss");

                rtnl.deleteLink(BRIDGE);
                List<String> repaired = warden.check();
                assertTrue(repaired.contains("bridge weft was gone: made again"), repaired.toString());
                Link bridge = rtnl.link(BRIDGE).orElseThrow();
                assertTrue(bridge.up());
                assertEquals(1410, bridge.mtu());
                Link tapLink = rtnl.link(TAP).orElseThrow(), port = rtnl.link(PORT).orElseThrow();
                assertEquals(bridge.index(), tapLink.masterIndex());
                assertTrue(tapLink.isolated(), "the TAP port must stay isolated from the VXLAN port");
                assertEquals(bridge.index(), port.masterIndex());
                assertTrue(rtnl.addresses(BRIDGE).stream().anyMatch(a -> a.address().getHostAddress().equals("10.32.0.254")),
                        "the exposed address is back");

                rtnl.setDown(TAP);
                assertEquals(List.of(TAP + " was down: up again"), warden.check());
                assertTrue(rtnl.link(TAP).orElseThrow().up());
                assertFalse(stop.failure().isPresent());
            }
            // the TAP device went with its file descriptor
            warden.check();
            assertEquals("the sleeve's TAP port weft-sleeve was deleted, and the sleeve's queues went with it", stop.failure().orElseThrow());
            return null;
        });
    }
}

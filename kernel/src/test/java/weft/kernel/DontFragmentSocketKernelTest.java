package weft.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.lang.foreign.Arena;
import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A veth pair in a fresh namespace stands for the path; its MTU is what the kernel knows of it. */
@EnabledIf("weft.kernel.KernelAccess#available")
class DontFragmentSocketKernelTest {

    @Test
    void theCurrentPathMtuFollowsTheRouteWhereTheCachedOneWouldNotAndTooBigIsRefused() throws Exception {
        NetNamespace.callInAnonymous(() -> {
            try (Rtnetlink rtnl = Rtnetlink.open(); Arena arena = Arena.ofConfined()) {
                rtnl.createVeth("path0", "path1");
                rtnl.setMtu("path0", 1400);
                rtnl.addAddress("path0", InetAddress.getByName("192.0.2.1"), 24);
                rtnl.setUp("path0");
                rtnl.setUp("path1");
                try (DontFragmentSocket socket = DontFragmentSocket.connect(new InetSocketAddress("192.0.2.2", 6783))) {
                    assertEquals(1400, socket.currentPathMtu());
                    assertTrue(socket.send(arena.allocate(1500), 1400 - 28 + 1) > 0, "a datagram past the path is refused with the MTU");

                    rtnl.setMtu("path0", 1300);
                    assertEquals(1300, socket.currentPathMtu(), "looked up afresh");
                }
                return null;
            }
        });
    }
}

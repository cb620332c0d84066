package weft.router.fastpath;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import weft.kernel.NetNamespace;
import weft.kernel.Rtnetlink;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The guard in a fresh anonymous namespace, with datagrams over loopback from two source addresses. */
@EnabledIf("weft.kernel.KernelAccess#available")
class VxlanGuardKernelTest {
    private static final int PORT = 46784;

    @Test
    void onlyAllowedPeersReachThePortAndTheOthersAreCountedAndTheTableGoesWithTheGuard() throws Exception {
        NetNamespace.callInAnonymous(() -> {
            try (Rtnetlink rtnl = Rtnetlink.open()) {
                rtnl.setUp("lo");
            }
            try (DatagramChannel port = DatagramChannel.open(StandardProtocolFamily.INET)) {
                port.bind(new InetSocketAddress("127.0.0.1", PORT));
                port.configureBlocking(false);
                assertTrue(arrives(port, "127.0.0.2"), "nothing guards the port yet");
                try (VxlanGuard guard = VxlanGuard.install(PORT)) {
                    assertFalse(arrives(port, "127.0.0.2"), "nobody allowed yet");
                    guard.allow(List.of((Inet4Address) InetAddress.ofLiteral("127.0.0.2")));
                    assertEquals(Set.of("127.0.0.2"), guard.allowed());
                    assertTrue(arrives(port, "127.0.0.2"), "an allowed peer");
                    assertFalse(arrives(port, "127.0.0.3"), "anyone else");
                    assertEquals(2, guard.dropped());
                    guard.allow(List.of());
                    assertFalse(arrives(port, "127.0.0.2"), "a peer no longer allowed");
                    try (VxlanGuard again = VxlanGuard.install(PORT)) {
                        assertEquals(0, again.dropped(), "a new guard replaces what an earlier router left");
                    }
                }
                assertTrue(arrives(port, "127.0.0.3"), "the table is gone with the guard");
            }
            return null;
        });
    }

    /** Sends one datagram to the port from {@code source}; whether it arrives within 300 ms. */
    private static boolean arrives(DatagramChannel port, String source) throws IOException {
        try (DatagramChannel sender = DatagramChannel.open(StandardProtocolFamily.INET); Selector selector = Selector.open()) {
            sender.bind(new InetSocketAddress(source, 0));
            sender.send(ByteBuffer.wrap(new byte[]{1, 2, 3}), new InetSocketAddress("127.0.0.1", PORT));
            port.register(selector, SelectionKey.OP_READ);
            if (selector.select(300) == 0) return false;
            ByteBuffer received = ByteBuffer.allocate(16);
            InetSocketAddress from = (InetSocketAddress) port.receive(received);
            return from != null && from.getAddress().getHostAddress().equals(source);
        }
    }
}

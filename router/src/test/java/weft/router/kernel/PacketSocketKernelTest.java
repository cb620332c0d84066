package weft.router.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A bridge with one veth port; the other veth end stands for the far side of the port. */
@EnabledIf("weft.router.kernel.KernelAccess#available")
class PacketSocketKernelTest {
    private static final MacAddress BRIDGE = MacAddress.parse("02:00:00:00:00:0a");
    private static final MacAddress FAR = MacAddress.parse("02:00:00:00:00:0b");

    @Test
    void framesReachTheBridgeItselfAndLeaveThroughThePortItsTableNames() throws Exception {
        NetNamespace.callInAnonymous(() -> {
            try (Rtnetlink rtnl = Rtnetlink.open(); Arena arena = Arena.ofConfined()) {
                rtnl.createBridge("br0");
                rtnl.setMacAddress("br0", BRIDGE);
                rtnl.createVeth("port0", "far0");
                rtnl.setMacAddress("far0", FAR);
                rtnl.setMaster("port0", "br0");
                for (String name : List.of("br0", "port0", "far0")) rtnl.setUp(name);
                rtnl.addBridgeFdb("port0", FAR);
                try (PacketSocket bridge = PacketSocket.open(rtnl.index("br0"), "br0", PacketSocket.ETH_P_LOCAL_EXPERIMENTAL);
                     PacketSocket far = PacketSocket.open(rtnl.index("far0"), "far0", PacketSocket.ETH_P_LOCAL_EXPERIMENTAL)) {
                    MemorySegment out = arena.allocate(100), in = arena.allocate(2048);

                    assertTrue(far.send(frame(out, BRIDGE, FAR, (byte) 1), 100));
                    assertEquals(100, receiveMarked(bridge, in, (byte) 1));

                    assertTrue(bridge.send(frame(out, FAR, BRIDGE, (byte) 2), 100));
                    assertEquals(100, receiveMarked(far, in, (byte) 2));
                }
                return null;
            }
        });
    }

    @Test
    void receiveWithNothingToReadTimesOutWithZero() throws Exception {
        NetNamespace.callInAnonymous(() -> {
            try (Rtnetlink rtnl = Rtnetlink.open(); Arena arena = Arena.ofConfined()) {
                rtnl.createBridge("br0");
                rtnl.setUp("br0");
                try (PacketSocket socket = PacketSocket.open(rtnl.index("br0"), "br0", PacketSocket.ETH_P_LOCAL_EXPERIMENTAL)) {
                    assertEquals(0, socket.receive(arena.allocate(2048), 50));
                }
                return null;
            }
        });
    }

    private static MemorySegment frame(MemorySegment into, MacAddress to, MacAddress from, byte mark) {
        into.fill((byte) 0);
        MemorySegment.copy(to.octets(), 0, into, JAVA_BYTE, 0, 6);
        MemorySegment.copy(from.octets(), 0, into, JAVA_BYTE, 6, 6);
        into.set(JAVA_BYTE, 12, (byte) 0x88);
        into.set(JAVA_BYTE, 13, (byte) 0xb5);
        into.set(JAVA_BYTE, 14, mark);
        return into;
    }

    /** Skips anything else the interface delivers (IPv6 router solicitations do not match the ethertype, but be safe). */
    private static int receiveMarked(PacketSocket socket, MemorySegment into, byte mark) {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < deadline) {
            int n = socket.receive(into, 100);
            if (n >= 15 && into.get(JAVA_BYTE, 14) == mark) return n;
        }
        return 0;
    }
}

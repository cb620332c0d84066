package weft.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A bridge with one veth port; the other veth end stands for the far side of the port (the tunnel, for VXLAN). */
@EnabledIf("weft.kernel.KernelAccess#available")
class PacketSocketKernelTest {
    private static final MacAddress NEAR = MacAddress.parse("02:00:00:00:00:0a");
    private static final MacAddress FAR = MacAddress.parse("02:00:00:00:00:0b");

    @Test
    void aSocketOnABridgePortGetsItsEthertypeFromTheWireAndNothingElse() throws Exception {
        NetNamespace.callInAnonymous(() -> {
            try (Rtnetlink rtnl = Rtnetlink.open(); Arena arena = Arena.ofConfined()) {
                rtnl.createBridge("br0");
                rtnl.createVeth("port0", "far0");
                rtnl.setMaster("port0", "br0");
                for (String name : List.of("br0", "port0", "far0")) rtnl.setUp(name);
                try (PacketSocket port = PacketSocket.open(rtnl.index("port0"), "port0", PacketSocket.ETH_P_LOCAL_EXPERIMENTAL);
                     PacketSocket far = PacketSocket.open(rtnl.index("far0"), "far0", PacketSocket.ETH_P_LOCAL_EXPERIMENTAL)) {
                    MemorySegment out = arena.allocate(100), in = arena.allocate(2048);

                    assertTrue(far.send(frame(out, NEAR, FAR, 0x0800, (byte) 1), 100), "another ethertype: filtered out");
                    assertTrue(far.send(frame(out, NEAR, FAR, PacketSocket.ETH_P_LOCAL_EXPERIMENTAL, (byte) 2), 100));
                    assertEquals(100, port.receive(in, 2000));
                    assertEquals(2, in.get(JAVA_BYTE, 14), "the first frame of the wanted ethertype");

                    assertTrue(port.send(frame(out, FAR, NEAR, PacketSocket.ETH_P_LOCAL_EXPERIMENTAL, (byte) 3), 100));
                    assertEquals(100, far.receive(in, 2000));
                    assertEquals(3, in.get(JAVA_BYTE, 14));
                    assertEquals(0, port.receive(in, 200), "what the socket sent itself is not received");
                }
                return null;
            }
        });
    }

    private static MemorySegment frame(MemorySegment into, MacAddress to, MacAddress from, int ethertype, byte mark) {
        into.fill((byte) 0);
        MemorySegment.copy(to.octets(), 0, into, JAVA_BYTE, 0, 6);
        MemorySegment.copy(from.octets(), 0, into, JAVA_BYTE, 6, 6);
        into.set(JAVA_BYTE, 12, (byte) (ethertype >> 8));
        into.set(JAVA_BYTE, 13, (byte) ethertype);
        into.set(JAVA_BYTE, 14, mark);
        return into;
    }
}

package weft.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Set;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@EnabledIf("weft.kernel.KernelAccess#available")
class TapDeviceKernelTest {
    private static final short EXPERIMENTAL_ETHERTYPE = (short) 0x88b5;
    private static final int FRAME_LENGTH = 60;

    @Test
    void aMultiQueueDeviceTakesMoreQueuesAndLastsUntilTheLastOneCloses() {
        NetNamespace.callInAnonymous(() -> {
            try (Rtnetlink rtnl = Rtnetlink.open()) {
                Set<TapDevice.Flag> flags = Set.of(TapDevice.Flag.VNET_HDR, TapDevice.Flag.MULTI_QUEUE);
                TapDevice first = TapDevice.create("mq0", flags);
                TapDevice second = TapDevice.attachQueue("mq0", flags);
                assertEquals("mq0", second.name());
                first.close();
                assertTrue(rtnl.link("mq0").isPresent(), "one queue is still open");
                second.close();
                assertTrue(rtnl.link("mq0").isEmpty());
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> TapDevice.attachQueue("mq0", Set.of(TapDevice.Flag.VNET_HDR)));
                return null;
            }
        });
    }

    @Test
    void kernelNamesTheDeviceAndAnIdleReadTimesOut() {
        NetNamespace.callInAnonymous(() -> {
            try (Arena arena = Arena.ofConfined(); Rtnetlink rtnl = Rtnetlink.open()) {
                TapDevice tap = TapDevice.create("weft-tap%d", Set.of());
                try {
                    assertEquals("weft-tap0", tap.name());
                    assertEquals("tun", rtnl.link("weft-tap0").orElseThrow().kind());
                    assertEquals(0, tap.read(arena.allocate(2048), 20));
                } finally {
                    tap.close();
                }
                tap.close(); // idempotent
                assertTrue(rtnl.link("weft-tap0").isEmpty());
                return null;
            }
        });
    }

    @Test
    void frameWrittenToOneTapIsFloodedByTheBridgeToTheOther() {
        NetNamespace.callInAnonymous(() -> {
            try (Arena arena = Arena.ofConfined();
                 TapDevice a = TapDevice.create("tap-a", Set.of());
                 TapDevice b = TapDevice.create("tap-b", Set.of());
                 Rtnetlink rtnl = Rtnetlink.open()) {
                rtnl.createBridge("weft");
                for (String port : new String[] {a.name(), b.name()}) {
                    rtnl.setMaster(port, "weft");
                    rtnl.setUp(port);
                }
                rtnl.setUp("weft");

                MemorySegment frame = arena.allocate(FRAME_LENGTH);
                MemorySegment.copy(MacAddress.BROADCAST.octets(), 0, frame, JAVA_BYTE, 0, 6);
                MemorySegment.copy(MacAddress.parse("02:00:00:00:00:0a").octets(), 0, frame, JAVA_BYTE, 6, 6);
                frame.set(JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 12, EXPERIMENTAL_ETHERTYPE);
                byte[] marker = "weft-test-frame".getBytes(StandardCharsets.US_ASCII);
                MemorySegment.copy(marker, 0, frame, JAVA_BYTE, 14, marker.length);
                a.write(frame, FRAME_LENGTH);

                // the kernel also sends its own frames (IPv6 router solicitations, MLD): skip them
                MemorySegment received = arena.allocate(2048);
                for (int attempt = 0; attempt < 100; attempt++) {
                    int length = b.read(received, 100);
                    if (length == FRAME_LENGTH && received.asSlice(0, FRAME_LENGTH).mismatch(frame) == -1) return null;
                }
                throw new AssertionError("the frame written to " + a.name() + " never came out of " + b.name());
            }
        });
    }
}

package weft.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NFLOG for real, in a fresh anonymous network namespace: a rule logs what it drops, the socket reads prefix and headers. */
@EnabledIf("weft.kernel.KernelAccess#available")
class NflogSocketKernelTest {
    private static final int GROUP = 86;

    @Test
    void aDroppedDatagramArrivesWithTheRulesPrefixAndItsHeaders() throws Exception {
        List<NflogSocket.Packet> packets = NetNamespace.callInAnonymous(() -> {
            try (Rtnetlink rt = Rtnetlink.open()) {
                rt.setUp("lo");
            }
            try (Nftables nft = Nftables.open(); NflogSocket nflog = NflogSocket.bind(GROUP, 64)) {
                nft.run("test table", """
                        table ip weft_test {
                            chain output { type filter hook output priority 0; udp dport 9999 log group 86 prefix "weft-test " drop; }
                        }
                        """);
                try (DatagramSocket sender = new DatagramSocket()) {
                    sender.send(new DatagramPacket(new byte[100], 100, InetAddress.getLoopbackAddress(), 9999));
                } catch (java.io.IOException dropped) {
                    // the drop may surface as EPERM on send: the log was written first
                }
                List<NflogSocket.Packet> seen = new ArrayList<>();
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (seen.isEmpty() && System.nanoTime() < deadline) nflog.receive(200, seen::add);
                assertFalse(nflog.receive(50, seen::add), "a second packet nobody sent");
                return seen;
            }
        });
        assertEquals(1, packets.size());
        NflogSocket.Packet packet = packets.getFirst();
        assertEquals("weft-test ", packet.prefix());
        byte[] ip = packet.payload();
        assertEquals(64, ip.length, "the copy range asked for");
        assertEquals(0x45, ip[0] & 0xff, "IPv4, 20-byte header");
        assertEquals(17, ip[9], "UDP");
        assertEquals(9999, (ip[22] & 0xff) << 8 | ip[23] & 0xff, "destination port");
    }

    @Test
    void aSecondSocketCannotTakeAGroupThatIsHeld() throws Exception {
        NetNamespace.callInAnonymous(() -> {
            try (NflogSocket first = NflogSocket.bind(GROUP, 64)) {
                NativeCallException busy = assertThrows(NativeCallException.class, () -> NflogSocket.bind(GROUP, 64).close());
                assertTrue(busy.getMessage().contains("binding NFLOG group 86"), busy.getMessage());
            }
            NflogSocket.bind(GROUP, 64).close(); // free again once closed
            return null;
        });
    }
}

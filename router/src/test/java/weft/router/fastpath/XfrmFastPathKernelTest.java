package weft.router.fastpath;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import weft.crypto.EspKey;
import weft.kernel.NetNamespace;
import weft.kernel.Rtnetlink;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast path's ESP branch against this machine's kernel, which has no ESP algorithm: told ESP is there, the
 * fast path still starts (Weft's policies can be listed and removed), and an encrypted pair whose SA the kernel
 * refuses stays on sleeve with the kernel's own reason. In a fresh anonymous network namespace.
 */
@EnabledIf("weft.router.fastpath.XfrmFastPathKernelTest#root")
class XfrmFastPathKernelTest {
    static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    @Test
    void anEncryptedPairWhoseSaTheKernelRefusesStaysOnSleeveWithTheKernelsReason() throws Exception {
        String status = NetNamespace.callInAnonymous(() -> {
            try (Rtnetlink rtnl = Rtnetlink.open()) {
                rtnl.createBridge("weft");
                rtnl.createVeth("tap-stand-in", "tap-peer"); // the sleeve's TAP port, as far as the fast path cares
                rtnl.setMaster("tap-stand-in", "weft");
                rtnl.setUp("lo");
                rtnl.setUp("weft");
            }
            Inet4Address local = (Inet4Address) InetAddress.getByName("127.0.0.1");
            FastPath.Settings settings = new FastPath.Settings(0xAL, "weft", "tap-stand-in", 1410, 6784, local, Optional.empty(), true);
            try (FastPath fastPath = FastPath.start(settings, (fast, settled) -> { }, System::nanoTime)) {
                assertTrue(fastPath.unavailable().isEmpty(), fastPath.unavailable().toString());
                EspKeys keys = new EspKeys(new EspKey(new byte[36], 0x1001), new EspKey(new byte[36], 0x2002), true);
                fastPath.connected(new FastPathTable.Peer(0xBL, "b", InetAddress.getByName("127.0.0.2"), Optional.empty(),
                        Optional.of(keys), Optional.empty()));
                // the agent applies the connection and publishes descriptions on its next 100 ms tick; nothing to wait on
                long deadline = System.nanoTime() + 5_000_000_000L;
                String described = fastPath.describe(0xBL);
                while (!described.contains("refused") && System.nanoTime() - deadline < 0) {
                    Thread.onSpinWait();
                    described = fastPath.describe(0xBL);
                }
                return described;
            }
        });
        assertTrue(status.startsWith("sleeve: data is encrypted, and the kernel refused its ESP state: XFRM_MSG_NEWSA esp spi 0x1001 "
                + "127.0.0.1 > 127.0.0.2 aead rfc4106(gcm(aes)) failed: "), status);
        assertTrue(status.contains("errno"), status);
    }
}

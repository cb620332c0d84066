package weft.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Policies against the running kernel, in a fresh anonymous network namespace each. Policies need no crypto
 * algorithm, so this runs on kernels without ESP too; SAs are checked in the VM test ({@code XfrmEspVmTest}).
 */
@EnabledIf("weft.kernel.KernelAccess#available")
class XfrmKernelTest {
    private static Inet4Address ip(String text) throws Exception {
        return (Inet4Address) InetAddress.getByName(text);
    }

    @Test
    void policiesAreAddedDumpedDeletedAndOnlyWeftsAreRemovedAtStart() throws Exception {
        NetNamespace.callInAnonymous(() -> {
            UdpSelector out = new UdpSelector(ip("192.0.2.1"), ip("192.0.2.2"), 6784);
            UdpSelector in = new UdpSelector(ip("192.0.2.2"), ip("192.0.2.1"), 6784);
            UdpSelector another = new UdpSelector(ip("192.0.2.1"), ip("192.0.2.3"), 6784);
            XfrmRequests requests = new XfrmRequests();
            try (Xfrm xfrm = Xfrm.open(); NetlinkSocket raw = NetlinkSocket.open("test", NetlinkAbi.NETLINK_XFRM, 2000)) {
                xfrm.addEspPolicy(Xfrm.Direction.OUT, out);
                xfrm.addEspPolicy(Xfrm.Direction.IN, in);
                // another tool's policy: no reqid in its template
                raw.exchange("foreign policy", requests.newEspTransportPolicy(raw.request(), raw.nextSequence(),
                        NetlinkAbi.XFRM_POLICY_OUT, another, 0), message -> { });

                List<Xfrm.Policy> policies = xfrm.policies();
                assertEquals(3, policies.size());
                assertEquals(2, policies.stream().filter(p -> p.reqid() == Xfrm.REQID).count());

                NativeCallException twice = assertThrows(NativeCallException.class, () -> xfrm.addEspPolicy(Xfrm.Direction.OUT, out));
                assertEquals(Errno.EEXIST, twice.errno());
                assertTrue(twice.getMessage().startsWith("XFRM_MSG_NEWPOLICY out udp 192.0.2.1 > 192.0.2.2:6784 esp transport failed: File exists"),
                        twice.getMessage());

                xfrm.deletePolicy(Xfrm.Direction.IN, in);
                assertEquals(1, xfrm.removeWeftState());
                assertEquals(List.of(0), xfrm.policies().stream().map(Xfrm.Policy::reqid).toList());
                NativeCallException gone = assertThrows(NativeCallException.class, () -> xfrm.deletePolicy(Xfrm.Direction.OUT, out));
                assertEquals(Errno.ENOENT, gone.errno());
                assertEquals(List.of(), xfrm.states());
            }
            return null;
        });
    }
}

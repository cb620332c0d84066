package weft.kernel;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Reading dumps. A dumped SA or policy has the layout of the request that made it, so the requests Weft encodes
 * serve as the kernel's replies here.
 */
class XfrmTest {
    private final XfrmRequests requests = new XfrmRequests();
    private final MemorySegment buffer = MemorySegment.ofArray(new byte[512]);
    private final NetlinkReader reader = new NetlinkReader();

    private static Inet4Address ip(String address) throws Exception {
        return (Inet4Address) InetAddress.getByName(address);
    }

    private NetlinkReader read(int length) {
        reader.wrap(buffer, length);
        assertEquals(NetlinkReader.Check.OK, reader.next());
        return reader;
    }

    @Test
    void aDumpedSaNamesItsDestinationSpiAndReqid() throws Exception {
        int length = requests.newEspTransportSa(buffer, 1, ip("10.0.0.1"), ip("10.0.0.2"), 0x8000_0101, Xfrm.REQID,
                256, true, Xfrm.AEAD, new byte[36], Xfrm.ICV_BITS);
        assertEquals(new Xfrm.State(ip("10.0.0.2"), 0x8000_0101, Xfrm.REQID), Xfrm.state(read(length)));
    }

    @Test
    void anSaOfAnotherFamilyIsNotWeftsToRead() throws Exception {
        int length = requests.newEspTransportSa(buffer, 1, ip("10.0.0.1"), ip("10.0.0.2"), 0x101, 0, 32, false,
                Xfrm.AEAD, new byte[36], Xfrm.ICV_BITS);
        buffer.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 16 + XfrmRequests.FAMILY, (byte) Linux.AF_INET6);
        assertNull(Xfrm.state(read(length)));
    }

    @Test
    void aDumpedPolicyNamesItsIndexDirectionAndTemplateReqid() throws Exception {
        int length = requests.newEspTransportPolicy(buffer, 1, NetlinkAbi.XFRM_POLICY_OUT,
                new UdpSelector(ip("10.0.0.1"), ip("10.0.0.2"), 6784), Xfrm.REQID);
        buffer.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN),
                16 + XfrmRequests.POLICY_INDEX, 0x209); // the kernel numbers policies; a request leaves it 0
        assertEquals(new Xfrm.Policy(0x209, NetlinkAbi.XFRM_POLICY_OUT, Xfrm.REQID),
                Xfrm.policy(read(length), new NetlinkAttributes()));
    }

    @Test
    void aPolicyWithoutTemplateHasNoReqid() throws Exception {
        int length = requests.newEspTransportPolicy(buffer, 1, NetlinkAbi.XFRM_POLICY_IN,
                new UdpSelector(ip("10.0.0.2"), ip("10.0.0.1"), 6784), Xfrm.REQID);
        int withoutTemplate = 16 + NetlinkAbi.XFRM_USERPOLICY_INFO_LEN;
        buffer.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0, withoutTemplate);
        assertEquals(new Xfrm.Policy(0, NetlinkAbi.XFRM_POLICY_IN, 0), Xfrm.policy(read(withoutTemplate), new NetlinkAttributes()));
    }
}

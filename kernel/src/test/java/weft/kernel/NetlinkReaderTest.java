package weft.kernel;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.kernel.Bytes.segment;

class NetlinkReaderTest {
    private final NetlinkReader reader = new NetlinkReader();
    private final NetlinkAttributes top = new NetlinkAttributes(), inner = new NetlinkAttributes(),
            innermost = new NetlinkAttributes();

    @Test
    void cappedAckHasErrorZero() {
        MemorySegment ack = segment("""
                24000000 0200 0001 09000000 e8030000
                00000000
                20000000 1000 0506 09000000 00000000
                """);
        reader.wrap(ack, ack.byteSize());
        assertEquals(NetlinkReader.Check.OK, reader.next());
        assertEquals(NetlinkAbi.NLMSG_ERROR, reader.type());
        assertEquals(9, reader.sequence());
        assertEquals(0, reader.error());
        assertNull(reader.extendedAckMessage(top));
        assertEquals(NetlinkReader.Check.END, reader.next());
    }

    @Test
    void errorCarriesNegativeErrnoAndTheKernelsExplanation() {
        MemorySegment error = segment("""
                30000000 0200 0003 0a000000 e8030000
                efffffff
                28000000 1400 0506 0a000000 00000000
                0900 0100 626f6f6d 00 000000
                """);
        reader.wrap(error, error.byteSize());
        assertEquals(NetlinkReader.Check.OK, reader.next());
        assertEquals(-Errno.EEXIST, reader.error());
        assertEquals("boom", reader.extendedAckMessage(top));
        var exception = NativeCallException.withKernelMessage("RTM_NEWADDR 10.32.0.1/12 on weft", -reader.error(), null);
        assertEquals("RTM_NEWADDR 10.32.0.1/12 on weft failed: File exists (errno 17)", exception.getMessage());
        assertEquals(Errno.EEXIST, exception.errno());
    }

    @Test
    void multiPartDumpDecodesEachLinkThenDone() {
        MemorySegment dump = MemorySegment.ofArray(new byte[512]);
        NetlinkWriter writer = new NetlinkWriter();
        int first = writer.begin(dump, NetlinkAbi.RTM_NEWLINK, NetlinkAbi.NLM_F_MULTI, 11)
                .ifinfomsg(Linux.AF_UNSPEC, 1, NetlinkAbi.IFF_UP, 0)
                .string(NetlinkAbi.IFLA_IFNAME, "lo").u32(NetlinkAbi.IFLA_MTU, 65536).finish();
        MemorySegment second = dump.asSlice(first);
        writer.begin(second, NetlinkAbi.RTM_NEWLINK, NetlinkAbi.NLM_F_MULTI, 11)
                .ifinfomsg(Linux.AF_UNSPEC, 7, 0, 0)
                .string(NetlinkAbi.IFLA_IFNAME, "vethwe-a").u32(NetlinkAbi.IFLA_MTU, 1376).u32(NetlinkAbi.IFLA_MASTER, 3)
                .bytes(NetlinkAbi.IFLA_ADDRESS, MacAddress.parse("02:42:ac:11:00:02").octets());
        int linkInfo = writer.beginNested(NetlinkAbi.IFLA_LINKINFO | NetlinkAbi.NLA_F_NESTED);
        writer.string(NetlinkAbi.IFLA_INFO_KIND, "veth").string(NetlinkAbi.IFLA_INFO_SLAVE_KIND, "bridge");
        int slave = writer.beginNested(NetlinkAbi.IFLA_INFO_SLAVE_DATA | NetlinkAbi.NLA_F_NESTED);
        writer.u8(NetlinkAbi.IFLA_BRPORT_ISOLATED, 1).endNested(slave).endNested(linkInfo);
        int secondLength = writer.finish();
        MemorySegment done = segment("14000000 0300 0200 0b000000 00000000 00000000");
        MemorySegment.copy(done, 0, dump, first + secondLength, done.byteSize());

        reader.wrap(dump, first + secondLength + done.byteSize());
        List<Link> links = new ArrayList<>();
        while (reader.next() == NetlinkReader.Check.OK && reader.type() == NetlinkAbi.RTM_NEWLINK) {
            links.add(Link.decode(reader, top, inner, innermost));
        }
        assertEquals(NetlinkAbi.NLMSG_DONE, reader.type());
        assertEquals(0, reader.error());
        assertEquals(new Link(1, "lo", null, 65536, true, 0, null, false), links.get(0));
        assertEquals(new Link(7, "vethwe-a", "veth", 1376, false, 3, MacAddress.parse("02:42:ac:11:00:02"), true), links.get(1));
        assertEquals(NetlinkReader.Check.END, reader.next());
    }

    @Test
    void routeLookupReplyCarriesItsLinkGatewaySourceAndMtuMetric() throws Exception {
        MemorySegment reply = MemorySegment.ofArray(new byte[256]);
        NetlinkWriter writer = new NetlinkWriter();
        writer.begin(reply, NetlinkAbi.RTM_NEWROUTE, 0, 12)
                .rtmsg(Linux.AF_INET, 32, NetlinkAbi.RT_TABLE_MAIN, 0, NetlinkAbi.RT_SCOPE_UNIVERSE, NetlinkAbi.RTN_UNICAST)
                .u32(NetlinkAbi.RTA_TABLE, NetlinkAbi.RT_TABLE_MAIN)
                .bytes(NetlinkAbi.RTA_DST, InetAddress.getByName("10.1.2.3").getAddress())
                .u32(NetlinkAbi.RTA_OIF, 4)
                .bytes(NetlinkAbi.RTA_GATEWAY, InetAddress.getByName("192.168.1.1").getAddress())
                .bytes(NetlinkAbi.RTA_PREFSRC, InetAddress.getByName("192.168.1.7").getAddress());
        int metrics = writer.beginNested(NetlinkAbi.RTA_METRICS);
        writer.u32(NetlinkAbi.RTAX_MTU, 1400).endNested(metrics);
        reader.wrap(reply, writer.finish());
        assertEquals(NetlinkReader.Check.OK, reader.next());
        assertEquals(new Route(InetAddress.getByName("10.1.2.3"), 32, 4, InetAddress.getByName("192.168.1.1"),
                NetlinkAbi.RT_TABLE_MAIN, 0, NetlinkAbi.RT_SCOPE_UNIVERSE, 1400, InetAddress.getByName("192.168.1.7")),
                Route.decode(reader, top, inner));
    }

    @Test
    void shortBufferIsATruncatedHeader() {
        reader.wrap(segment("24000000 0200 0000 0900"), 10);
        assertEquals(NetlinkReader.Check.TRUNCATED_HEADER, reader.next());
        assertEquals(NetlinkReader.Check.END, reader.next());
    }

    @Test
    void lengthBeyondTheBufferOrBelowTheHeaderIsBad() {
        reader.wrap(segment("ff000000 1000 0000 01000000 00000000"), 16);
        assertEquals(NetlinkReader.Check.BAD_LENGTH, reader.next());
        reader.wrap(segment("08000000 1000 0000 01000000 00000000"), 16);
        assertEquals(NetlinkReader.Check.BAD_LENGTH, reader.next());
    }

    @Test
    void errorWithoutItsCodeIsRefused() {
        reader.wrap(segment("12000000 0200 0000 01000000 00000000 0000"), 18);
        assertEquals(NetlinkReader.Check.TRUNCATED_ERROR, reader.next());
    }

    @Test
    void attributeLongerThanItsMessageIsRefused() {
        MemorySegment attributes = segment("0800 0300 6c6f0000 4000 0400 01000000");
        top.wrap(attributes, 0, attributes.byteSize());
        assertEquals(NetlinkAttributes.Check.OK, top.next());
        assertEquals("lo", top.string());
        assertEquals(NetlinkAttributes.Check.BAD_LENGTH, top.next());
        assertEquals(NetlinkAttributes.Check.END, top.next());
        top.wrap(attributes, 0, 2);
        assertEquals(NetlinkAttributes.Check.TRUNCATED, top.next());
    }

    @Test
    void linkWithTruncatedHeaderIsRefusedNotThrown() {
        MemorySegment message = segment("18000000 1000 0000 01000000 00000000 00000000 00000000");
        reader.wrap(message, message.byteSize());
        assertEquals(NetlinkReader.Check.OK, reader.next());
        assertNull(Link.decode(reader, top, inner, innermost));
        assertNull(AssignedAddress.decode(reader, top));
        assertNull(Neighbour.decode(reader, top));
    }

    /** Whatever the kernel (or a bug) puts in the buffer, walking and decoding it never throws. */
    @Property(tries = 2000)
    void randomBytesNeverThrow(@ForAll @Size(max = 300) byte[] bytes) {
        MemorySegment buffer = MemorySegment.ofArray(bytes);
        reader.wrap(buffer, bytes.length);
        int messages = 0;
        NetlinkReader.Check check;
        while ((check = reader.next()) == NetlinkReader.Check.OK) {
            messages++;
            reader.error();
            reader.extendedAckMessage(top);
            Link.decode(reader, top, inner, innermost);
            AssignedAddress.decode(reader, top);
            Route.decode(reader, top, inner);
            Neighbour.decode(reader, top);
            top.wrap(buffer, reader.payloadOffset(), reader.payloadLength());
            while (top.next() == NetlinkAttributes.Check.OK) {
                top.string();
                top.bytes();
                top.nested(inner);
                while (inner.next() == NetlinkAttributes.Check.OK) inner.bytes();
            }
        }
        assertTrue(messages <= bytes.length / NetlinkAbi.NLMSG_HDRLEN);
        assertFalse(check == NetlinkReader.Check.OK);
    }
}

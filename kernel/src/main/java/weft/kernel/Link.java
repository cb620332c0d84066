package weft.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

/**
 * A network interface as rtnetlink reports it. Immutable value.
 *
 * @param kind        the IFLA_INFO_KIND ("bridge", "veth", "vxlan", "tun"), null for links without one (lo)
 * @param masterIndex the index of the bridge this link is a port of, 0 when none
 * @param mac         null when the link has no 6-byte hardware address
 * @param isolated    whether this link is an isolated bridge port (false when not a bridge port)
 */
public record Link(int index, String name, String kind, int mtu, boolean up, int masterIndex, MacAddress mac,
                   boolean isolated) {
    private static final ValueLayout.OfInt S32 = JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    /**
     * Decodes an RTM_NEWLINK message (ifinfomsg: 0 u8 family, 2 u16 type, 4 s32 index, 8 u32 flags,
     * 12 u32 change; then attributes). Returns null when the message is too short to be one;
     * attributes of the wrong size are ignored. The three attribute walkers are the caller's scratch.
     */
    static Link decode(NetlinkReader message, NetlinkAttributes top, NetlinkAttributes info, NetlinkAttributes port) {
        if (message.payloadLength() < NetlinkAbi.IFINFOMSG_LEN) return null;
        MemorySegment buffer = message.buffer();
        long header = message.payloadOffset();
        int index = buffer.get(S32, header + 4);
        int flags = buffer.get(S32, header + 8);
        String name = null, kind = null;
        int mtu = 0, master = 0;
        MacAddress mac = null;
        boolean isolated = false;
        top.wrap(buffer, header + NetlinkAbi.IFINFOMSG_LEN, message.payloadLength() - NetlinkAbi.IFINFOMSG_LEN);
        while (top.next() == NetlinkAttributes.Check.OK) {
            switch (top.type()) {
                case NetlinkAbi.IFLA_IFNAME -> name = top.string();
                case NetlinkAbi.IFLA_MTU -> { if (top.valueLength() >= 4) mtu = top.u32(); }
                case NetlinkAbi.IFLA_MASTER -> { if (top.valueLength() >= 4) master = top.u32(); }
                case NetlinkAbi.IFLA_ADDRESS -> { if (top.valueLength() == 6) mac = MacAddress.of(top.bytes()); }
                case NetlinkAbi.IFLA_LINKINFO -> {
                    top.nested(info);
                    while (info.next() == NetlinkAttributes.Check.OK) {
                        if (info.type() == NetlinkAbi.IFLA_INFO_KIND) kind = info.string();
                        if (info.type() == NetlinkAbi.IFLA_INFO_SLAVE_DATA) {
                            info.nested(port);
                            while (port.next() == NetlinkAttributes.Check.OK) {
                                if (port.type() == NetlinkAbi.IFLA_BRPORT_ISOLATED && port.valueLength() >= 1) {
                                    isolated = port.u8() != 0;
                                }
                            }
                        }
                    }
                }
                default -> { } // the kernel sends dozens of attributes Weft has no use for
            }
        }
        if (name == null) return null;
        return new Link(index, name, kind, mtu, (flags & NetlinkAbi.IFF_UP) != 0, master, mac, isolated);
    }
}

package weft.kernel;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * An entry of a neighbour table: an ARP/NDP entry (family AF_INET/AF_INET6: {@code address} is the
 * IP, {@code mac} its link-layer address) or a bridge forwarding entry (family AF_BRIDGE: {@code mac}
 * is the key and {@code address}, when not null, the VXLAN remote it is sent to). Immutable value.
 *
 * @param state NUD_* bits, e.g. NUD_PERMANENT (0x80)
 * @param flags NTF_* bits, e.g. NTF_SELF (0x02)
 */
public record Neighbour(int family, int linkIndex, InetAddress address, MacAddress mac, int state, int flags) {

    /**
     * Decodes an RTM_NEWNEIGH message (ndmsg: 0 u8 family, 4 s32 ifindex, 8 u16 state, 10 u8 flags,
     * 11 u8 type). Null when refused.
     */
    static Neighbour decode(NetlinkReader message, NetlinkAttributes attributes) {
        if (message.payloadLength() < NetlinkAbi.NDMSG_LEN) return null;
        MemorySegment buffer = message.buffer();
        long header = message.payloadOffset();
        int family = Byte.toUnsignedInt(buffer.get(JAVA_BYTE, header));
        int index = buffer.get(JAVA_INT_UNALIGNED, header + 4);
        int state = Short.toUnsignedInt(buffer.get(JAVA_SHORT_UNALIGNED, header + 8));
        int flags = Byte.toUnsignedInt(buffer.get(JAVA_BYTE, header + 10));
        InetAddress address = null;
        MacAddress mac = null;
        attributes.wrap(buffer, header + NetlinkAbi.NDMSG_LEN, message.payloadLength() - NetlinkAbi.NDMSG_LEN);
        while (attributes.next() == NetlinkAttributes.Check.OK) {
            if (attributes.type() == NetlinkAbi.NDA_DST) address = InetBytes.address(attributes.bytes());
            if (attributes.type() == NetlinkAbi.NDA_LLADDR && attributes.valueLength() == 6) mac = MacAddress.of(attributes.bytes());
        }
        return new Neighbour(family, index, address, mac, state, flags);
    }
}

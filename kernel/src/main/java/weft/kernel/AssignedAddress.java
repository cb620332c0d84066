package weft.kernel;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

/** An IP address assigned to a link, with its prefix length. Immutable value. */
public record AssignedAddress(int linkIndex, InetAddress address, int prefixLength) {

    @Override public String toString() {
        return address.getHostAddress() + "/" + prefixLength + " on link " + linkIndex;
    }

    /**
     * Decodes an RTM_NEWADDR message (ifaddrmsg: 0 u8 family, 1 u8 prefixlen, 2 u8 flags, 3 u8 scope,
     * 4 u32 index). IFA_LOCAL is the address itself; IPv6 sends only IFA_ADDRESS. Null when refused.
     */
    static AssignedAddress decode(NetlinkReader message, NetlinkAttributes attributes) {
        if (message.payloadLength() < NetlinkAbi.IFADDRMSG_LEN) return null;
        MemorySegment buffer = message.buffer();
        long header = message.payloadOffset();
        int prefixLength = Byte.toUnsignedInt(buffer.get(JAVA_BYTE, header + 1));
        int index = buffer.get(JAVA_INT_UNALIGNED, header + 4);
        InetAddress local = null, address = null;
        attributes.wrap(buffer, header + NetlinkAbi.IFADDRMSG_LEN, message.payloadLength() - NetlinkAbi.IFADDRMSG_LEN);
        while (attributes.next() == NetlinkAttributes.Check.OK) {
            if (attributes.type() == NetlinkAbi.IFA_LOCAL) local = InetBytes.address(attributes.bytes());
            if (attributes.type() == NetlinkAbi.IFA_ADDRESS) address = InetBytes.address(attributes.bytes());
        }
        InetAddress assigned = local != null ? local : address;
        return assigned == null ? null : new AssignedAddress(index, assigned, prefixLength);
    }
}

package weft.kernel;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A route as rtnetlink reports it. Immutable value.
 *
 * @param gateway null for a route straight onto the link
 * @param outputIndex the link the route leaves by, 0 when it has none (e.g. a blackhole)
 * @param mtu         the route's own MTU ({@code ip route ... mtu N}, or a path MTU the kernel learned for a looked-up
 *                    destination), 0 when it has none and the link's applies
 * @param preferredSource the source address the kernel gives packets on this route (RTA_PREFSRC; a looked-up
 *                    route always has one), null when the route names none
 */
public record Route(InetAddress destination, int prefixLength, int outputIndex, InetAddress gateway, int table,
                    int protocol, int scope, int mtu, InetAddress preferredSource) {

    /**
     * Decodes an RTM_NEWROUTE message (rtmsg: 0 family, 1 dst_len, 2 src_len, 3 tos, 4 table,
     * 5 protocol, 6 scope, 7 type, all u8; 8 u32 flags). Null when refused or not IPv4/IPv6.
     * RTA_TABLE, when present, overrides the 8-bit table field (tables above 255 exist). {@code metrics} is the
     * caller's scratch walker for the nested RTA_METRICS.
     */
    static Route decode(NetlinkReader message, NetlinkAttributes attributes, NetlinkAttributes metrics) {
        if (message.payloadLength() < NetlinkAbi.RTMSG_LEN) return null;
        MemorySegment buffer = message.buffer();
        long header = message.payloadOffset();
        int family = Byte.toUnsignedInt(buffer.get(JAVA_BYTE, header));
        if (family != Linux.AF_INET && family != Linux.AF_INET6) return null;
        int prefixLength = Byte.toUnsignedInt(buffer.get(JAVA_BYTE, header + 1));
        int table = Byte.toUnsignedInt(buffer.get(JAVA_BYTE, header + 4));
        int protocol = Byte.toUnsignedInt(buffer.get(JAVA_BYTE, header + 5));
        int scope = Byte.toUnsignedInt(buffer.get(JAVA_BYTE, header + 6));
        InetAddress destination = InetBytes.unspecified(family), gateway = null, source = null;
        int output = 0, mtu = 0;
        attributes.wrap(buffer, header + NetlinkAbi.RTMSG_LEN, message.payloadLength() - NetlinkAbi.RTMSG_LEN);
        while (attributes.next() == NetlinkAttributes.Check.OK) {
            switch (attributes.type()) {
                case NetlinkAbi.RTA_DST -> {
                    InetAddress dst = InetBytes.address(attributes.bytes());
                    if (dst != null) destination = dst;
                }
                case NetlinkAbi.RTA_GATEWAY -> gateway = InetBytes.address(attributes.bytes());
                case NetlinkAbi.RTA_PREFSRC -> source = InetBytes.address(attributes.bytes());
                case NetlinkAbi.RTA_OIF -> { if (attributes.valueLength() >= 4) output = attributes.u32(); }
                case NetlinkAbi.RTA_TABLE -> { if (attributes.valueLength() >= 4) table = attributes.u32(); }
                case NetlinkAbi.RTA_METRICS -> {
                    attributes.nested(metrics);
                    while (metrics.next() == NetlinkAttributes.Check.OK) {
                        if (metrics.type() == NetlinkAbi.RTAX_MTU && metrics.valueLength() >= 4) mtu = metrics.u32();
                    }
                }
                default -> { } // preferences, cache info: not Weft's concern
            }
        }
        return new Route(destination, prefixLength, output, gateway, table, protocol, scope, mtu, source);
    }
}

package weft.kernel;

import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;

import static weft.kernel.NetlinkAbi.*;

/**
 * Encodes the rtnetlink requests Weft sends, each into the start of a buffer; returns its length.
 * Pure (no I/O), so every request is tested byte for byte. Creation requests carry
 * NLM_F_CREATE|NLM_F_EXCL so that an existing object comes back as EEXIST and the caller decides.
 * Nested attributes the kernel parses as NLA_NESTED carry NLA_F_NESTED; VETH_INFO_PEER does not,
 * since its payload starts with an ifinfomsg, not attributes. One instance per thread.
 */
final class RtnetlinkRequests {
    private static final int ACKED = NLM_F_REQUEST | NLM_F_ACK;
    private static final int CREATE = ACKED | NLM_F_CREATE | NLM_F_EXCL;
    /** A dump ends with NLMSG_DONE, which is its acknowledgement. */
    private static final int DUMP = NLM_F_REQUEST | NLM_F_DUMP;

    private final NetlinkWriter writer = new NetlinkWriter();

    int newBridge(MemorySegment into, int sequence, String name) {
        writer.begin(into, RTM_NEWLINK, CREATE, sequence).ifinfomsg(Linux.AF_UNSPEC, 0, 0, 0).string(IFLA_IFNAME, name);
        int info = writer.beginNested(IFLA_LINKINFO | NLA_F_NESTED);
        writer.string(IFLA_INFO_KIND, "bridge").endNested(info);
        return writer.finish();
    }

    int newVeth(MemorySegment into, int sequence, String name, String peerName) {
        writer.begin(into, RTM_NEWLINK, CREATE, sequence).ifinfomsg(Linux.AF_UNSPEC, 0, 0, 0).string(IFLA_IFNAME, name);
        int info = writer.beginNested(IFLA_LINKINFO | NLA_F_NESTED);
        writer.string(IFLA_INFO_KIND, "veth");
        int data = writer.beginNested(IFLA_INFO_DATA | NLA_F_NESTED);
        int peer = writer.beginNested(VETH_INFO_PEER);
        writer.ifinfomsg(Linux.AF_UNSPEC, 0, 0, 0).string(IFLA_IFNAME, peerName);
        writer.endNested(peer).endNested(data).endNested(info);
        return writer.finish();
    }

    /**
     * @param dstPort      the UDP port, host order here; the kernel keeps IFLA_VXLAN_PORT big-endian
     * @param dontFragment DF on the outer packets, so a frame too large for the underlay path is lost rather than
     *                     fragmented: what lets a full-size heartbeat prove the path MTU
     */
    int newVxlan(MemorySegment into, int sequence, String name, int vni, int dstPort, Inet4Address local, boolean learning,
                 boolean dontFragment) {
        writer.begin(into, RTM_NEWLINK, CREATE, sequence).ifinfomsg(Linux.AF_UNSPEC, 0, 0, 0).string(IFLA_IFNAME, name);
        int info = writer.beginNested(IFLA_LINKINFO | NLA_F_NESTED);
        writer.string(IFLA_INFO_KIND, "vxlan");
        int data = writer.beginNested(IFLA_INFO_DATA | NLA_F_NESTED);
        writer.u32(IFLA_VXLAN_ID, vni).be16(IFLA_VXLAN_PORT, dstPort);
        if (local != null) writer.bytes(IFLA_VXLAN_LOCAL, local.getAddress());
        writer.u8(IFLA_VXLAN_LEARNING, learning ? 1 : 0);
        if (dontFragment) writer.u8(IFLA_VXLAN_DF, VXLAN_DF_SET);
        writer.endNested(data).endNested(info);
        return writer.finish();
    }

    int deleteLink(MemorySegment into, int sequence, int index) {
        writer.begin(into, RTM_DELLINK, ACKED, sequence).ifinfomsg(Linux.AF_UNSPEC, index, 0, 0);
        return writer.finish();
    }

    /** Changes only the flag bits in {@code change} to their values in {@code flags}. */
    int setFlags(MemorySegment into, int sequence, int index, int flags, int change) {
        writer.begin(into, RTM_SETLINK, ACKED, sequence).ifinfomsg(Linux.AF_UNSPEC, index, flags, change);
        return writer.finish();
    }

    /** Sets one u32 link attribute: IFLA_MTU, IFLA_MASTER (0 = none) or IFLA_NET_NS_FD. */
    int setU32(MemorySegment into, int sequence, int index, int attribute, int value) {
        writer.begin(into, RTM_SETLINK, ACKED, sequence).ifinfomsg(Linux.AF_UNSPEC, index, 0, 0).u32(attribute, value);
        return writer.finish();
    }

    int rename(MemorySegment into, int sequence, int index, String newName) {
        writer.begin(into, RTM_SETLINK, ACKED, sequence).ifinfomsg(Linux.AF_UNSPEC, index, 0, 0).string(IFLA_IFNAME, newName);
        return writer.finish();
    }

    int setMac(MemorySegment into, int sequence, int index, MacAddress mac) {
        writer.begin(into, RTM_SETLINK, ACKED, sequence).ifinfomsg(Linux.AF_UNSPEC, index, 0, 0).bytes(IFLA_ADDRESS, mac.octets());
        return writer.finish();
    }

    /** The bridge reads port options from AF_BRIDGE IFLA_PROTINFO only when NLA_F_NESTED is set. */
    int setBridgePortIsolated(MemorySegment into, int sequence, int index, boolean isolated) {
        writer.begin(into, RTM_SETLINK, ACKED, sequence).ifinfomsg(Linux.AF_BRIDGE, index, 0, 0);
        int info = writer.beginNested(IFLA_PROTINFO | NLA_F_NESTED);
        writer.u8(IFLA_BRPORT_ISOLATED, isolated ? 1 : 0).endNested(info);
        return writer.finish();
    }

    /** Hairpin mode: the bridge may send a frame back out of the port it came in by (a pod that reaches itself by a service). */
    int setBridgePortHairpin(MemorySegment into, int sequence, int index, boolean hairpin) {
        writer.begin(into, RTM_SETLINK, ACKED, sequence).ifinfomsg(Linux.AF_BRIDGE, index, 0, 0);
        int info = writer.beginNested(IFLA_PROTINFO | NLA_F_NESTED);
        writer.u8(IFLA_BRPORT_MODE, hairpin ? 1 : 0).endNested(info);
        return writer.finish();
    }

    /** Forgets what the bridge learnt behind the port: the next frames to those addresses are flooded again. */
    int flushBridgePort(MemorySegment into, int sequence, int index) {
        writer.begin(into, RTM_SETLINK, ACKED, sequence).ifinfomsg(Linux.AF_BRIDGE, index, 0, 0);
        int info = writer.beginNested(IFLA_PROTINFO | NLA_F_NESTED);
        writer.flag(IFLA_BRPORT_FLUSH).endNested(info);
        return writer.finish();
    }

    int getLink(MemorySegment into, int sequence, String name) {
        writer.begin(into, RTM_GETLINK, ACKED, sequence).ifinfomsg(Linux.AF_UNSPEC, 0, 0, 0).string(IFLA_IFNAME, name);
        return writer.finish();
    }

    int dumpLinks(MemorySegment into, int sequence) {
        writer.begin(into, RTM_GETLINK, DUMP, sequence).ifinfomsg(Linux.AF_UNSPEC, 0, 0, 0);
        return writer.finish();
    }

    /** RTM_NEWADDR (create) or RTM_DELADDR; IFA_LOCAL and IFA_ADDRESS are both the address, as for a non-peer link. */
    int address(MemorySegment into, int sequence, boolean add, int index, InetAddress address, int prefixLength) {
        writer.begin(into, add ? RTM_NEWADDR : RTM_DELADDR, add ? CREATE : ACKED, sequence)
                .ifaddrmsg(InetBytes.family(address), prefixLength, 0, RT_SCOPE_UNIVERSE, index)
                .bytes(IFA_LOCAL, address.getAddress())
                .bytes(IFA_ADDRESS, address.getAddress());
        return writer.finish();
    }

    int dumpAddresses(MemorySegment into, int sequence) {
        writer.begin(into, RTM_GETADDR, DUMP, sequence).ifaddrmsg(Linux.AF_UNSPEC, 0, 0, 0, 0);
        return writer.finish();
    }

    /**
     * RTM_NEWROUTE in the main table (RTPROT_STATIC: a daemon's configuration, not the kernel's;
     * scope link without a gateway), or RTM_DELROUTE, which matches any protocol, type and scope
     * (RT_SCOPE_NOWHERE is the kernel's wildcard for delete).
     */
    int route(MemorySegment into, int sequence, boolean add, InetAddress destination, int prefixLength, int outputIndex,
              InetAddress gateway) {
        int scope = !add ? RT_SCOPE_NOWHERE : gateway == null ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
        writer.begin(into, add ? RTM_NEWROUTE : RTM_DELROUTE, add ? CREATE : ACKED, sequence)
                .rtmsg(InetBytes.family(destination), prefixLength, RT_TABLE_MAIN, add ? RTPROT_STATIC : 0, scope,
                        add ? RTN_UNICAST : 0)
                .bytes(RTA_DST, destination.getAddress())
                .u32(RTA_OIF, outputIndex);
        if (gateway != null) writer.bytes(RTA_GATEWAY, gateway.getAddress());
        return writer.finish();
    }

    /**
     * Asks which route the kernel would use to reach {@code destination} (a host prefix); the answer is one
     * RTM_NEWROUTE with its output link, gateway and metrics, then the ack.
     */
    int getRoute(MemorySegment into, int sequence, InetAddress destination) {
        byte[] address = destination.getAddress();
        writer.begin(into, RTM_GETROUTE, ACKED, sequence)
                .rtmsg(InetBytes.family(destination), address.length * 8, 0, 0, 0, 0)
                .bytes(RTA_DST, address);
        return writer.finish();
    }

    int dumpRoutes(MemorySegment into, int sequence) {
        writer.begin(into, RTM_GETROUTE, DUMP, sequence).rtmsg(Linux.AF_UNSPEC, 0, 0, 0, 0, 0);
        return writer.finish();
    }

    /** A permanent ARP/NDP entry, replacing whatever the kernel had learnt for that IP. */
    int addNeighbour(MemorySegment into, int sequence, int index, InetAddress address, MacAddress mac) {
        writer.begin(into, RTM_NEWNEIGH, ACKED | NLM_F_CREATE | NLM_F_REPLACE, sequence)
                .ndmsg(InetBytes.family(address), index, NUD_PERMANENT, 0, 0)
                .bytes(NDA_DST, address.getAddress())
                .bytes(NDA_LLADDR, mac.octets());
        return writer.finish();
    }

    int deleteNeighbour(MemorySegment into, int sequence, int index, InetAddress address) {
        writer.begin(into, RTM_DELNEIGH, ACKED, sequence)
                .ndmsg(InetBytes.family(address), index, 0, 0, 0)
                .bytes(NDA_DST, address.getAddress());
        return writer.finish();
    }

    /** Family AF_UNSPEC dumps the ARP and NDP tables; AF_BRIDGE dumps forwarding databases. */
    int dumpNeighbours(MemorySegment into, int sequence, int family) {
        writer.begin(into, RTM_GETNEIGH, DUMP, sequence).ndmsg(family, 0, 0, 0, 0);
        return writer.finish();
    }

    /**
     * A permanent forwarding entry in the device's own table (NTF_SELF: the VXLAN device's, not its
     * bridge's). NLM_F_APPEND rather than EXCL because one MAC (the all-zero flood entry) may need a
     * remote per peer; appending an existing (mac, remote) pair is a no-op for the kernel.
     */
    int fdb(MemorySegment into, int sequence, boolean add, int index, MacAddress mac, InetAddress remote) {
        writer.begin(into, add ? RTM_NEWNEIGH : RTM_DELNEIGH, add ? ACKED | NLM_F_CREATE | NLM_F_APPEND : ACKED, sequence)
                .ndmsg(Linux.AF_BRIDGE, index, add ? NUD_PERMANENT : 0, NTF_SELF, 0)
                .bytes(NDA_LLADDR, mac.octets());
        if (remote != null) writer.bytes(NDA_DST, remote.getAddress());
        return writer.finish();
    }

    /**
     * A static, sticky entry in the bridge's table (NTF_MASTER|NTF_STICKY, NUD_NOARP: what {@code bridge fdb add
     * ... master static sticky} makes): frames to {@code mac} leave through port {@code index}, the entry never ages,
     * and a frame from that MAC arriving on another port does not move it. Replacing, so a MAC the bridge had
     * learnt elsewhere moves.
     */
    int bridgeFdb(MemorySegment into, int sequence, boolean add, int index, MacAddress mac) {
        writer.begin(into, add ? RTM_NEWNEIGH : RTM_DELNEIGH, add ? ACKED | NLM_F_CREATE | NLM_F_REPLACE : ACKED, sequence)
                .ndmsg(Linux.AF_BRIDGE, index, add ? NUD_NOARP : 0, add ? NTF_MASTER | NTF_STICKY : NTF_MASTER, 0)
                .bytes(NDA_LLADDR, mac.octets());
        return writer.finish();
    }
}

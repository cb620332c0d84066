package weft.kernel;

/**
 * The numbers of the kernel's netlink, rtnetlink and xfrm ABI that Weft uses, from
 * {@code linux/netlink.h}, {@code rtnetlink.h}, {@code if_link.h}, {@code if_addr.h},
 * {@code neighbour.h}, {@code if_bridge.h} and {@code xfrm.h}. Layouts of the fixed headers are described where they
 * are written ({@link NetlinkWriter}) and read ({@link NetlinkReader}). Thread-safe: constants only.
 */
public final class NetlinkAbi {
    private NetlinkAbi() {}

    public static final int NETLINK_ROUTE = 0, NETLINK_XFRM = 6, NETLINK_NETFILTER = 12;
    public static final int NETLINK_CAP_ACK = 10, NETLINK_EXT_ACK = 11;

    /** nlmsghdr: u32 len, u16 type, u16 flags, u32 seq, u32 pid. */
    public static final int NLMSG_HDRLEN = 16;
    public static final int NLMSG_NOOP = 1, NLMSG_ERROR = 2, NLMSG_DONE = 3, NLMSG_OVERRUN = 4;
    public static final int NLM_F_REQUEST = 0x1, NLM_F_MULTI = 0x2, NLM_F_ACK = 0x4, NLM_F_DUMP_INTR = 0x10;
    public static final int NLM_F_DUMP = 0x300;
    public static final int NLM_F_REPLACE = 0x100, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400, NLM_F_APPEND = 0x800;
    /** Flags on an NLMSG_ERROR: the echoed request is cut to its header; extended-ack TLVs follow. */
    public static final int NLM_F_CAPPED = 0x100, NLM_F_ACK_TLVS = 0x200;
    public static final int NLMSGERR_ATTR_MSG = 1;

    /** nlattr: u16 len, u16 type; the top two type bits are flags. */
    public static final int NLA_HDRLEN = 4, NLA_F_NESTED = 0x8000, NLA_F_NET_BYTEORDER = 0x4000, NLA_TYPE_MASK = 0x3fff;

    public static final int RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_SETLINK = 19;
    public static final int RTM_NEWADDR = 20, RTM_DELADDR = 21, RTM_GETADDR = 22;
    public static final int RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26;
    public static final int RTM_NEWNEIGH = 28, RTM_DELNEIGH = 29, RTM_GETNEIGH = 30;

    public static final int IFINFOMSG_LEN = 16, IFADDRMSG_LEN = 8, RTMSG_LEN = 12, NDMSG_LEN = 12;

    public static final int IFF_UP = 0x1;
    public static final int IFLA_ADDRESS = 1, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_MASTER = 10, IFLA_PROTINFO = 12;
    public static final int IFLA_LINKINFO = 18, IFLA_NET_NS_FD = 28;
    public static final int IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2, IFLA_INFO_SLAVE_KIND = 4, IFLA_INFO_SLAVE_DATA = 5;
    /** Its payload is a whole ifinfomsg followed by the peer's IFLA attributes. */
    public static final int VETH_INFO_PEER = 1;
    public static final int IFLA_VXLAN_ID = 1, IFLA_VXLAN_LOCAL = 4, IFLA_VXLAN_LEARNING = 7, IFLA_VXLAN_PORT = 15, IFLA_VXLAN_DF = 29;
    /** IFLA_VXLAN_DF: set DF on the outer packet, so a path too small for the frame drops it instead of fragmenting. */
    public static final int VXLAN_DF_SET = 1;
    /** IFLA_BRPORT_FLUSH carries no value: its presence flushes the port's learnt entries. */
    public static final int IFLA_BRPORT_MODE = 4, IFLA_BRPORT_FLUSH = 24, IFLA_BRPORT_ISOLATED = 33;

    public static final int IFA_ADDRESS = 1, IFA_LOCAL = 2;

    public static final int RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PREFSRC = 7, RTA_METRICS = 8, RTA_TABLE = 15;
    /** Inside RTA_METRICS: the route's MTU, u32. */
    public static final int RTAX_MTU = 2;
    public static final int RT_TABLE_MAIN = 254;
    public static final int RTPROT_BOOT = 3, RTPROT_STATIC = 4;
    public static final int RT_SCOPE_UNIVERSE = 0, RT_SCOPE_LINK = 253, RT_SCOPE_NOWHERE = 255;
    public static final int RTN_UNICAST = 1;

    public static final int NDA_DST = 1, NDA_LLADDR = 2;
    public static final int NUD_NOARP = 0x40, NUD_PERMANENT = 0x80;
    public static final int NTF_SELF = 0x02, NTF_MASTER = 0x04, NTF_STICKY = 0x40;

    public static final int XFRM_MSG_NEWSA = 16, XFRM_MSG_DELSA = 17, XFRM_MSG_GETSA = 18;
    public static final int XFRM_MSG_NEWPOLICY = 19, XFRM_MSG_DELPOLICY = 20, XFRM_MSG_GETPOLICY = 21;
    public static final int XFRMA_TMPL = 5, XFRMA_ALG_AEAD = 18, XFRMA_REPLAY_ESN_VAL = 23;
    public static final int XFRM_MODE_TRANSPORT = 0;
    /** xfrm_usersa_info.flags: 64-bit sequence numbers, with the replay state in XFRMA_REPLAY_ESN_VAL. */
    public static final int XFRM_STATE_ESN = 128;
    public static final int XFRM_POLICY_IN = 0, XFRM_POLICY_OUT = 1;
    public static final int XFRM_POLICY_ALLOW = 0;
    public static final int IPPROTO_UDP = 17, IPPROTO_ESP = 50;
    /** A lifetime limit that never runs out. */
    public static final long XFRM_INF = -1L;
    /** Fixed sizes: the NEWSA family header, and xfrm_algo_aead before its key. */
    public static final int XFRM_USERSA_INFO_LEN = 224, XFRM_ALGO_AEAD_LEN = 72;
    /** Fixed sizes of xfrm_usersa_id, xfrm_userpolicy_info, xfrm_userpolicy_id, xfrm_user_tmpl, xfrm_replay_state_esn before its bitmap. */
    public static final int XFRM_USERSA_ID_LEN = 24, XFRM_USERPOLICY_INFO_LEN = 168, XFRM_USERPOLICY_ID_LEN = 64;
    public static final int XFRM_USER_TMPL_LEN = 64, XFRM_REPLAY_STATE_ESN_LEN = 24;
}

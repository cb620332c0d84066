package weft.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;
import static weft.kernel.NetlinkAbi.*;

/**
 * Encodes the xfrm (IPsec) requests Weft sends, each into the start of a buffer; returns its length.
 * Pure (no I/O), so every request is tested byte for byte. One instance per thread. Offsets below were checked
 * against {@code linux/xfrm.h} with offsetof; fields are in native order except where marked.
 * <p>
 * {@code struct xfrm_selector} (56): 0 daddr (16), 16 saddr (16), 32 be16 dport, 34 be16 dport_mask, 36 be16 sport,
 * 38 be16 sport_mask, 40 u16 family, 42 u8 prefixlen_d, 43 u8 prefixlen_s, 44 u8 proto, 3 pad, 48 s32 ifindex,
 * 52 u32 user. Addresses are IPv4 in their first 4 bytes, network order.
 * <p>
 * {@code struct xfrm_usersa_info} (224):
 * <pre>
 *   0 xfrm_selector sel (56)      all zero: the kernel makes it "any IPv4 traffic", so the policy alone selects
 *  56 xfrm_id: daddr (16), 72 be32 spi, 76 u8 proto, 3 pad
 *  80 xfrm_address_t saddr (16)
 *  96 xfrm_lifetime_cfg (64)      u64 soft/hard byte limit, soft/hard packet limit, then 4 expiry times in s
 * 160 xfrm_lifetime_cur (32), 192 xfrm_stats (12): output only
 * 204 u32 seq, 208 u32 reqid, 212 u16 family, 214 u8 mode, 215 u8 replay_window, 216 u8 flags, 7 pad
 * </pre>
 * XFRMA_ALG_AEAD carries {@code struct xfrm_algo_aead}: char alg_name[64] (NUL-terminated), u32 alg_key_len
 * and u32 alg_icv_len in bits, then the key. XFRMA_REPLAY_ESN_VAL carries {@code struct xfrm_replay_state_esn}:
 * u32 bmp_len (in 32-bit words), oseq, seq, oseq_hi, seq_hi, replay_window, then the bitmap.
 * <p>
 * {@code struct xfrm_usersa_id} (24): 0 daddr (16), 16 be32 spi, 20 u16 family, 22 u8 proto, 1 pad.
 * <p>
 * {@code struct xfrm_userpolicy_info} (168): 0 sel (56), 56 xfrm_lifetime_cfg (64), 120 xfrm_lifetime_cur (32),
 * 152 u32 priority, 156 u32 index, 160 u8 dir, 161 u8 action, 162 u8 flags, 163 u8 share, 4 pad. XFRMA_TMPL
 * carries {@code struct xfrm_user_tmpl} (64): 0 xfrm_id (daddr 16, be32 spi, u8 proto, 3 pad), 24 u16 family,
 * 2 pad, 28 saddr (16), 44 u32 reqid, 48 u8 mode, 49 u8 share, 50 u8 optional, 1 pad, 52 u32 aalgos,
 * 56 u32 ealgos, 60 u32 calgos.
 * <p>
 * {@code struct xfrm_userpolicy_id} (64): 0 sel (56), 56 u32 index, 60 u8 dir, 3 pad.
 */
final class XfrmRequests {
    static final int SEL_DADDR = 0, SEL_SADDR = 16, SEL_DPORT = 32, SEL_DPORT_MASK = 34, SEL_FAMILY = 40;
    static final int SEL_PREFIXLEN_D = 42, SEL_PREFIXLEN_S = 43, SEL_PROTO = 44;
    static final int DADDR = 56, SPI = 72, PROTO = 76, SADDR = 80, LIFETIME_CFG = 96;
    static final int REQID = 208, FAMILY = 212, MODE = 214, REPLAY_WINDOW = 215, FLAGS = 216;
    static final int ALG_NAME_LEN = 64, ALG_KEY_LEN = 64, ALG_ICV_LEN = 68;
    static final int ID_SPI = 16, ID_FAMILY = 20, ID_PROTO = 22;
    static final int POLICY_LIFETIME_CFG = 56, POLICY_INDEX = 156, POLICY_DIR = 160;
    static final int TMPL_PROTO = 20, TMPL_FAMILY = 24, TMPL_REQID = 44, TMPL_MODE = 48, TMPL_AALGOS = 52;
    static final int POLICY_ID_INDEX = 56, POLICY_ID_DIR = 60;
    static final int ESN_BMP_LEN = 0, ESN_REPLAY_WINDOW = 20;

    private static final int CREATE = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    private static final int ACKED = NLM_F_REQUEST | NLM_F_ACK;
    /** A dump ends with NLMSG_DONE, which is its acknowledgement. */
    private static final int DUMP = NLM_F_REQUEST | NLM_F_DUMP;
    private static final ValueLayout.OfInt U32 = JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfShort U16 = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfLong U64 = JAVA_LONG_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfInt BE32 = JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort BE16 = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final NetlinkWriter writer = new NetlinkWriter();

    /**
     * XFRM_MSG_NEWSA for an IPv4 ESP transport-mode SA with an AEAD algorithm, refused with EEXIST if it exists.
     *
     * @param reqid        ties the SA to the policies whose template names the same reqid; 0 for none
     * @param replayWindow in packets: with {@code esn} up to 4096 and a multiple of 32, else up to 255
     * @param esn          64-bit sequence numbers, so the SA never runs out of them; their replay state then
     *                     travels in XFRMA_REPLAY_ESN_VAL and the old 8-bit window field must stay 0
     * @param key          the algorithm's key material, for rfc4106 the AES key followed by the 4-byte salt
     */
    int newEspTransportSa(MemorySegment into, int sequence, Inet4Address source, Inet4Address destination, int spi,
                          int reqid, int replayWindow, boolean esn, String aead, byte[] key, int icvBits) {
        byte[] name = aead.getBytes(StandardCharsets.US_ASCII);
        if (name.length >= ALG_NAME_LEN) throw new IllegalArgumentException("AEAD name longer than 63 bytes: " + aead);
        if (esn ? replayWindow % 32 != 0 || replayWindow > 4096 : replayWindow > 255) {
            throw new IllegalArgumentException("replay window " + replayWindow + (esn ? " with ESN" : " without ESN"));
        }

        writer.begin(into, XFRM_MSG_NEWSA, CREATE, sequence);
        int info = writer.reserve(XFRM_USERSA_INFO_LEN);
        MemorySegment.copy(destination.getAddress(), 0, into, JAVA_BYTE, info + DADDR, 4);
        into.set(BE32, info + SPI, spi);
        into.set(JAVA_BYTE, info + PROTO, (byte) IPPROTO_ESP);
        MemorySegment.copy(source.getAddress(), 0, into, JAVA_BYTE, info + SADDR, 4);
        infiniteLimits(into, info + LIFETIME_CFG);
        into.set(U32, info + REQID, reqid);
        into.set(U16, info + FAMILY, (short) Linux.AF_INET);
        into.set(JAVA_BYTE, info + MODE, (byte) XFRM_MODE_TRANSPORT);
        into.set(JAVA_BYTE, info + REPLAY_WINDOW, (byte) (esn ? 0 : replayWindow));
        into.set(JAVA_BYTE, info + FLAGS, (byte) (esn ? XFRM_STATE_ESN : 0));

        int algorithm = writer.attribute(XFRMA_ALG_AEAD, XFRM_ALGO_AEAD_LEN + key.length);
        MemorySegment.copy(name, 0, into, JAVA_BYTE, algorithm, name.length);
        into.set(U32, algorithm + ALG_KEY_LEN, key.length * 8);
        into.set(U32, algorithm + ALG_ICV_LEN, icvBits);
        MemorySegment.copy(key, 0, into, JAVA_BYTE, algorithm + XFRM_ALGO_AEAD_LEN, key.length);
        if (esn) {
            int words = replayWindow / 32;
            int replay = writer.attribute(XFRMA_REPLAY_ESN_VAL, XFRM_REPLAY_STATE_ESN_LEN + 4 * words);
            into.set(U32, replay + ESN_BMP_LEN, words);
            into.set(U32, replay + ESN_REPLAY_WINDOW, replayWindow);
        }
        return writer.finish();
    }

    /** XFRM_MSG_DELSA for the IPv4 ESP SA that {@code destination} and {@code spi} name. */
    int deleteEspSa(MemorySegment into, int sequence, Inet4Address destination, int spi) {
        writer.begin(into, XFRM_MSG_DELSA, ACKED, sequence);
        int id = writer.reserve(XFRM_USERSA_ID_LEN);
        MemorySegment.copy(destination.getAddress(), 0, into, JAVA_BYTE, id, 4);
        into.set(BE32, id + ID_SPI, spi);
        into.set(U16, id + ID_FAMILY, (short) Linux.AF_INET);
        into.set(JAVA_BYTE, id + ID_PROTO, (byte) IPPROTO_ESP);
        return writer.finish();
    }

    /**
     * XFRM_MSG_NEWPOLICY: the packets {@code selector} matches, in direction {@code direction}, must be ESP in
     * transport mode by an SA of {@code reqid} ("level required": never in clear); refused with EEXIST if a
     * policy with that selector and direction exists. Priority 0 comes first among equally specific policies.
     * The template leaves addresses zero (transport mode takes them from the packet) and accepts every algorithm
     * (all bits set, as iproute2 does), so the SA's own algorithm decides.
     */
    int newEspTransportPolicy(MemorySegment into, int sequence, int direction, UdpSelector selector, int reqid) {
        writer.begin(into, XFRM_MSG_NEWPOLICY, CREATE, sequence);
        int info = writer.reserve(XFRM_USERPOLICY_INFO_LEN);
        selector(into, info, selector);
        infiniteLimits(into, info + POLICY_LIFETIME_CFG);
        into.set(JAVA_BYTE, info + POLICY_DIR, (byte) direction);
        into.set(JAVA_BYTE, info + POLICY_DIR + 1, (byte) XFRM_POLICY_ALLOW);

        int template = writer.attribute(XFRMA_TMPL, XFRM_USER_TMPL_LEN);
        into.set(JAVA_BYTE, template + TMPL_PROTO, (byte) IPPROTO_ESP);
        into.set(U16, template + TMPL_FAMILY, (short) Linux.AF_INET);
        into.set(U32, template + TMPL_REQID, reqid);
        into.set(JAVA_BYTE, template + TMPL_MODE, (byte) XFRM_MODE_TRANSPORT);
        for (int algos = 0; algos < 3; algos++) into.set(U32, template + TMPL_AALGOS + 4L * algos, -1);
        return writer.finish();
    }

    /** XFRM_MSG_DELPOLICY for the policy of {@code direction} with exactly this selector. */
    int deletePolicy(MemorySegment into, int sequence, int direction, UdpSelector selector) {
        writer.begin(into, XFRM_MSG_DELPOLICY, ACKED, sequence);
        int id = writer.reserve(XFRM_USERPOLICY_ID_LEN);
        selector(into, id, selector);
        into.set(JAVA_BYTE, id + POLICY_ID_DIR, (byte) direction);
        return writer.finish();
    }

    /** XFRM_MSG_DELPOLICY for the policy the kernel numbered {@code index} (from a dump); the selector is then ignored. */
    int deletePolicy(MemorySegment into, int sequence, int direction, int index) {
        writer.begin(into, XFRM_MSG_DELPOLICY, ACKED, sequence);
        int id = writer.reserve(XFRM_USERPOLICY_ID_LEN);
        into.set(U32, id + POLICY_ID_INDEX, index);
        into.set(JAVA_BYTE, id + POLICY_ID_DIR, (byte) direction);
        return writer.finish();
    }

    /** XFRM_MSG_GETSA dump of every SA; no body, since the kernel reads only optional filter attributes there. */
    int dumpSas(MemorySegment into, int sequence) {
        writer.begin(into, XFRM_MSG_GETSA, DUMP, sequence);
        return writer.finish();
    }

    /** XFRM_MSG_GETPOLICY dump of every policy. */
    int dumpPolicies(MemorySegment into, int sequence) {
        writer.begin(into, XFRM_MSG_GETPOLICY, DUMP, sequence);
        return writer.finish();
    }

    private static void selector(MemorySegment into, int at, UdpSelector selector) {
        MemorySegment.copy(selector.destination().getAddress(), 0, into, JAVA_BYTE, at + SEL_DADDR, 4);
        MemorySegment.copy(selector.source().getAddress(), 0, into, JAVA_BYTE, at + SEL_SADDR, 4);
        into.set(BE16, at + SEL_DPORT, (short) selector.destinationPort());
        into.set(BE16, at + SEL_DPORT_MASK, (short) 0xffff);
        into.set(U16, at + SEL_FAMILY, (short) Linux.AF_INET);
        into.set(JAVA_BYTE, at + SEL_PREFIXLEN_D, (byte) 32);
        into.set(JAVA_BYTE, at + SEL_PREFIXLEN_S, (byte) 32);
        into.set(JAVA_BYTE, at + SEL_PROTO, (byte) IPPROTO_UDP);
    }

    /** The kernel expires state once a count reaches its limit, so a zero limit would end it at its first packet. */
    private static void infiniteLimits(MemorySegment into, int lifetimeCfg) {
        for (int limit = 0; limit < 4; limit++) into.set(U64, lifetimeCfg + 8L * limit, XFRM_INF);
    }
}

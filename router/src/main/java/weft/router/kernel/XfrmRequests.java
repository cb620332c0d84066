package weft.router.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;
import static weft.router.kernel.NetlinkAbi.*;

/**
 * Encodes the xfrm (IPsec) requests Weft sends, each into the start of a buffer; returns its length.
 * Pure (no I/O), so every request is tested byte for byte. One instance per thread.
 * <p>
 * {@code struct xfrm_usersa_info} (224 bytes; offsets checked against {@code linux/xfrm.h} with offsetof),
 * native order except where marked:
 * <pre>
 *   0 xfrm_selector sel (56)      all zero: family AF_UNSPEC, so the SA is not limited to some traffic
 *  56 xfrm_id: daddr (16), 72 be32 spi, 76 u8 proto, 3 pad
 *  80 xfrm_address_t saddr (16)   IPv4 in the first 4 bytes, network order
 *  96 xfrm_lifetime_cfg (64)      u64 soft/hard byte limit, soft/hard packet limit, then 4 expiry times in s
 * 160 xfrm_lifetime_cur (32), 192 xfrm_stats (12): output only
 * 204 u32 seq, 208 u32 reqid, 212 u16 family, 214 u8 mode, 215 u8 replay_window, 216 u8 flags, 7 pad
 * </pre>
 * XFRMA_ALG_AEAD carries {@code struct xfrm_algo_aead}: char alg_name[64] (NUL-terminated), u32 alg_key_len
 * and u32 alg_icv_len in bits, then the key.
 */
final class XfrmRequests {
    static final int DADDR = 56, SPI = 72, PROTO = 76, SADDR = 80, LIFETIME_CFG = 96;
    static final int FAMILY = 212, MODE = 214, REPLAY_WINDOW = 215;
    static final int ALG_NAME_LEN = 64, ALG_KEY_LEN = 64, ALG_ICV_LEN = 68;

    private static final int CREATE = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    private static final ValueLayout.OfInt U32 = JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfShort U16 = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfLong U64 = JAVA_LONG_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfInt BE32 = JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final NetlinkWriter writer = new NetlinkWriter();

    /**
     * XFRM_MSG_NEWSA for an IPv4 ESP transport-mode SA with an AEAD algorithm, refused with EEXIST if it exists.
     *
     * @param key the algorithm's key material, for rfc4106 the AES key followed by the 4-byte salt
     */
    int newEspTransportSa(MemorySegment into, int sequence, Inet4Address source, Inet4Address destination, int spi,
                          int replayWindow, String aead, byte[] key, int icvBits) {
        byte[] name = aead.getBytes(StandardCharsets.US_ASCII);
        if (name.length >= ALG_NAME_LEN) throw new IllegalArgumentException("AEAD name longer than 63 bytes: " + aead);

        writer.begin(into, XFRM_MSG_NEWSA, CREATE, sequence);
        int info = writer.reserve(XFRM_USERSA_INFO_LEN);
        MemorySegment.copy(destination.getAddress(), 0, into, JAVA_BYTE, info + DADDR, 4);
        into.set(BE32, info + SPI, spi);
        into.set(JAVA_BYTE, info + PROTO, (byte) IPPROTO_ESP);
        MemorySegment.copy(source.getAddress(), 0, into, JAVA_BYTE, info + SADDR, 4);
        // the kernel expires an SA once its count reaches a limit, so a zero limit would end it at its first packet
        for (int limit = 0; limit < 4; limit++) into.set(U64, info + LIFETIME_CFG + 8L * limit, XFRM_INF);
        into.set(U16, info + FAMILY, (short) Linux.AF_INET);
        into.set(JAVA_BYTE, info + MODE, (byte) XFRM_MODE_TRANSPORT);
        into.set(JAVA_BYTE, info + REPLAY_WINDOW, (byte) replayWindow);

        int algorithm = writer.attribute(XFRMA_ALG_AEAD, XFRM_ALGO_AEAD_LEN + key.length);
        MemorySegment.copy(name, 0, into, JAVA_BYTE, algorithm, name.length);
        into.set(U32, algorithm + ALG_KEY_LEN, key.length * 8);
        into.set(U32, algorithm + ALG_ICV_LEN, icvBits);
        MemorySegment.copy(key, 0, into, JAVA_BYTE, algorithm + XFRM_ALGO_AEAD_LEN, key.length);
        return writer.finish();
    }
}

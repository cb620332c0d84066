package weft.router.sleeve;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A view over the 32-byte header that starts every sleeve datagram. Its payload follows, in clear or sealed (then
 * followed by a {@link #TAG_LENGTH}-byte authentication tag, and the header is the sealed data's associated data, so
 * a relay or an attacker cannot change it unnoticed). The payload is one Ethernet frame, preceded by the 10-byte
 * {@code virtio_net_hdr} the TAP device gave it when flag bit 1 is set ({@link VnetHeader}), so that a frame the
 * kernel left to be segmented or checksummed reaches the other kernel with that work still described.
 *
 * <p>A payload too large for one datagram of the path travels as fragments (types 3 and 4). The sender builds the
 * datagram it would send whole, but with 0 as payload length, seals it when the pair encrypts (once, for the whole
 * payload), and cuts what follows the header (the payload, and the tag when sealed) into shares. Each fragment is
 * that header, with the fragment type and its own payload length, then a {@value #FRAGMENT_LENGTH}-byte fragment
 * header in clear, then its share:
 * <pre>
 * 32  u32  frame id: chosen by the sender, unique among its recent fragmented frames
 * 36  u8   fragment index, 0 .. count - 1
 * 37  u8   fragment count, 2 .. 255
 * 38  u16  chunk: the bytes every fragment but the last carries; the last carries 1 .. chunk
 * 40  u64  token: the sending direction's fragment token when sealed ({@link SleeveCipher#fragmentToken}), else 0
 * 48  ...  bytes [index * chunk, index * chunk + this fragment's share) of what followed the header
 * </pre>
 * The receiver rebuilds the whole datagram ({@link #toWhole}) and opens it as one: a fragment is authenticated only
 * with its frame, and the token keeps fragments of anyone who has not seen the pair's traffic out of reassembly.
 *
 * <pre>
 *  0  u8   magic 0x57 ('W')
 *  1  u8   version (2); routers whose datagrams differ speak different mesh protocols and refuse each other
 *           at the handshake, and a datagram of another version is refused here
 *  2  u8   type: 1 = unicast frame for {@code destination}, 2 = broadcast frame, 3 and 4 = a fragment of either,
 *           5 = a path MTU probe for the neighbour {@code destination}, 6 = its acknowledgement (see below)
 *  3  u8   flags: bit 0 = sealed, bit 1 = the frame is preceded by a virtio_net_hdr, bit 2 = the payload is a
 *           {@link FrameBatch} of several frames (unicast only, never with bit 1), bits 3-7 = when sealed, the key
 *           epoch it was sealed under, modulo 32 (the sending side rekeys on its own; 0 in clear)
 *  4  u48  sender: the peer that sent this datagram (the last hop)
 * 10  u48  origin: the peer whose bridge the frame came from
 * 16  u48  destination: the peer the frame is for; 0 for a broadcast
 * 22  u16  payload length (the optional virtio_net_hdr and the frame; in a fragment, the fragment header and share;
 *           0 in the header of a payload that travels as fragments)
 * 24  u64  sequence: the sealing nonce and replay counter of the hop; 0 when not sealed
 * 32  ...  the payload, then the tag when sealed
 * </pre>
 * A probe (type 5) is padded to the size it probes; its payload, and that of the acknowledgement (type 6, padded
 * to {@link #MIN_FRAME} bytes), starts with:
 * <pre>
 * 32  u32  round: the prober's discovery round
 * 36  u16  the probed path MTU, IP header included
 * </pre>
 * All fields are big-endian. One instance per thread, re-wrapped per datagram; it allocates nothing.
 */
public final class SleeveHeader {
    public static final int MAGIC_OFFSET = 0, VERSION_OFFSET = 1, TYPE_OFFSET = 2, FLAGS_OFFSET = 3;
    public static final int SENDER_OFFSET = 4, ORIGIN_OFFSET = 10, DESTINATION_OFFSET = 16, FRAME_LENGTH_OFFSET = 22;
    public static final int SEQUENCE_OFFSET = 24, LENGTH = 32, TAG_LENGTH = 16;
    public static final byte MAGIC = 0x57, VERSION = 2, TYPE_UNICAST = 1, TYPE_BROADCAST = 2, FLAG_SEALED = 1;
    public static final byte TYPE_UNICAST_FRAGMENT = 3, TYPE_BROADCAST_FRAGMENT = 4, FLAG_VNET = 2, FLAG_BATCH = 4;
    /** Where the flags keep the key epoch of a sealed datagram. */
    private static final int EPOCH_SHIFT = 3, EPOCH_BITS = 0xF8;
    public static final byte TYPE_PROBE = 5, TYPE_PROBE_ACK = 6;
    public static final int PROBE_ROUND_OFFSET = 32, PROBE_MTU_OFFSET = 36;
    public static final int FRAME_ID_OFFSET = 32, FRAGMENT_INDEX_OFFSET = 36, FRAGMENT_COUNT_OFFSET = 37, CHUNK_OFFSET = 38;
    public static final int TOKEN_OFFSET = 40, FRAGMENT_LENGTH = 16, MAX_FRAGMENTS = 255;
    /** The largest payload fragments may rebuild: a 64 KiB GSO frame, its Ethernet and VLAN headers, its virtio_net_hdr. */
    public static final int MAX_REASSEMBLED = 65_536 + 18 + VnetHeader.LENGTH;
    /** The most bytes fragments may carry between them: the largest payload and its tag. */
    public static final int MAX_STREAM = MAX_REASSEMBLED + TAG_LENGTH;
    /** The shortest frame worth carrying: an Ethernet header. */
    public static final int MIN_FRAME = EthernetFrame.HEADER_LENGTH;
    public static final int MAX_FRAME = 0xFFFF;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** Why a datagram was refused; each value is a counter operators can see. */
    public enum Check {
        OK, TOO_SHORT, BAD_MAGIC, BAD_VERSION, BAD_TYPE, BAD_FLAGS, LENGTH_MISMATCH,
        /** {@link #checkFragment}: count below 2, index not below count, chunk 0, or a share that does not fit the chunk. */
        BAD_FRAGMENT,
        /** {@link #checkFragment}: the fragments would carry more than {@link #MAX_STREAM} bytes. */
        FRAGMENTED_TOO_LARGE
    }

    private MemorySegment datagram = MemorySegment.NULL;

    /** Checks {@code candidate} and, if it is a well-formed sleeve datagram, makes it the current one. */
    public Check wrap(MemorySegment candidate) {
        return wrap(candidate, candidate.byteSize());
    }

    /**
     * Checks the datagram in {@code candidate[0, size)} (a receive buffer, so that no slice is made per datagram) and,
     * if it is a well-formed sleeve datagram, makes it the current one.
     */
    public Check wrap(MemorySegment candidate, long size) {
        if (size > candidate.byteSize()) return Check.LENGTH_MISMATCH;
        if (size < LENGTH + MIN_FRAME) return Check.TOO_SHORT;
        if (candidate.get(JAVA_BYTE, MAGIC_OFFSET) != MAGIC) return Check.BAD_MAGIC;
        if (candidate.get(JAVA_BYTE, VERSION_OFFSET) != VERSION) return Check.BAD_VERSION;
        byte type = candidate.get(JAVA_BYTE, TYPE_OFFSET);
        if (type < TYPE_UNICAST || type > TYPE_PROBE_ACK) return Check.BAD_TYPE;
        byte flags = candidate.get(JAVA_BYTE, FLAGS_OFFSET);
        int known = (flags & FLAG_SEALED) != 0 ? FLAG_SEALED | FLAG_VNET | FLAG_BATCH | EPOCH_BITS : FLAG_VNET | FLAG_BATCH;
        if ((Byte.toUnsignedInt(flags) & ~known) != 0) return Check.BAD_FLAGS;
        // a batch holds plain frames for one destination
        if ((flags & FLAG_BATCH) != 0 && ((flags & FLAG_VNET) != 0 || type != TYPE_UNICAST && type != TYPE_UNICAST_FRAGMENT)) {
            return Check.BAD_FLAGS;
        }
        int payload = Short.toUnsignedInt(candidate.get(U16, FRAME_LENGTH_OFFSET));
        boolean fragment = type == TYPE_UNICAST_FRAGMENT || type == TYPE_BROADCAST_FRAGMENT;
        // a fragment's share of the tag is among its payload bytes
        long expected = LENGTH + payload + ((flags & FLAG_SEALED) != 0 && !fragment ? TAG_LENGTH : 0);
        if (expected != size) return Check.LENGTH_MISMATCH;
        if (payload < (fragment ? FRAGMENT_LENGTH + 1 : minimumPayload(flags))) return Check.TOO_SHORT;
        datagram = candidate;
        return Check.OK;
    }

    /**
     * Checks a datagram {@link #toWhole} rebuilt from fragments, of {@code payloadLength} bytes (tag not counted),
     * and makes it the current one; a payload is checked as it would be in a datagram of its own.
     */
    public Check wrapRebuilt(MemorySegment rebuilt, int payloadLength) {
        if (payloadLength < minimumPayload(rebuilt.get(JAVA_BYTE, FLAGS_OFFSET))) return Check.TOO_SHORT;
        datagram = rebuilt;
        return Check.OK;
    }

    /**
     * The shortest payload a whole datagram carries: an Ethernet header, after the virtio_net_hdr or the batch entry's
     * length if it has one.
     */
    private static int minimumPayload(byte flags) {
        if ((flags & FLAG_VNET) != 0) return MIN_FRAME + VnetHeader.LENGTH;
        return (flags & FLAG_BATCH) != 0 ? MIN_FRAME + FrameBatch.PREFIX : MIN_FRAME;
    }

    public boolean isBroadcast() {
        byte type = datagram.get(JAVA_BYTE, TYPE_OFFSET);
        return type == TYPE_BROADCAST || type == TYPE_BROADCAST_FRAGMENT;
    }

    public boolean isFragment() {
        byte type = datagram.get(JAVA_BYTE, TYPE_OFFSET);
        return type == TYPE_UNICAST_FRAGMENT || type == TYPE_BROADCAST_FRAGMENT;
    }

    /** True for a path MTU probe or its acknowledgement, which are for the neighbour only and carry no frame. */
    public boolean isProbe() {
        byte type = datagram.get(JAVA_BYTE, TYPE_OFFSET);
        return type == TYPE_PROBE || type == TYPE_PROBE_ACK;
    }

    public boolean isProbeAcknowledgement() {
        return datagram.get(JAVA_BYTE, TYPE_OFFSET) == TYPE_PROBE_ACK;
    }

    /** The round of a probe or acknowledgement in clear. */
    public int probeRound() {
        return datagram.get(U32, PROBE_ROUND_OFFSET);
    }

    /** The probed path MTU of a probe or acknowledgement in clear. */
    public int probedMtu() {
        return Short.toUnsignedInt(datagram.get(U16, PROBE_MTU_OFFSET));
    }

    /**
     * Writes the header and the probe fields of a probe ({@code acknowledgement} false) or an acknowledgement
     * from {@code sender} to its neighbour {@code destination}, with a payload of {@code payloadLength} bytes.
     */
    public static void writeProbe(MemorySegment datagram, boolean acknowledgement, long sender, long destination,
                                  int round, int mtu, int payloadLength) {
        write(datagram, false, sender, sender, destination, payloadLength);
        datagram.set(JAVA_BYTE, TYPE_OFFSET, acknowledgement ? TYPE_PROBE_ACK : TYPE_PROBE);
        datagram.set(U32, PROBE_ROUND_OFFSET, round);
        datagram.set(U16, PROBE_MTU_OFFSET, (short) mtu);
    }

    /** True when the payload (the whole one, for fragments) is a {@link FrameBatch}. */
    public boolean isBatch() {
        return (datagram.get(JAVA_BYTE, FLAGS_OFFSET) & FLAG_BATCH) != 0;
    }

    /** True when the payload (the whole one, for fragments) starts with a virtio_net_hdr. */
    public boolean hasVnetHeader() {
        return (datagram.get(JAVA_BYTE, FLAGS_OFFSET) & FLAG_VNET) != 0;
    }

    /**
     * Checks the fragment header of a fragment datagram {@link #wrap} accepted. Total: any bytes give a
     * {@link Check}, never an exception.
     */
    public Check checkFragment() {
        int count = fragmentCount(), index = fragmentIndex(), chunk = chunk(), share = frameLength() - FRAGMENT_LENGTH;
        if (count < 2 || index >= count || chunk == 0 || share < 1) return Check.BAD_FRAGMENT;
        if (index < count - 1 ? share != chunk : share > chunk) return Check.BAD_FRAGMENT;
        // every fragment lands within (count - 1) * chunk + the last share, which is at least one byte
        int lastShare = index == count - 1 ? share : 1;
        if ((long) (count - 1) * chunk + lastShare > MAX_STREAM) return Check.FRAGMENTED_TOO_LARGE;
        return Check.OK;
    }

    public long fragmentToken() {
        return datagram.get(U64, TOKEN_OFFSET);
    }

    public int frameId() {
        return datagram.get(U32, FRAME_ID_OFFSET);
    }

    public int fragmentIndex() {
        return Byte.toUnsignedInt(datagram.get(JAVA_BYTE, FRAGMENT_INDEX_OFFSET));
    }

    public int fragmentCount() {
        return Byte.toUnsignedInt(datagram.get(JAVA_BYTE, FRAGMENT_COUNT_OFFSET));
    }

    public int chunk() {
        return Short.toUnsignedInt(datagram.get(U16, CHUNK_OFFSET));
    }

    public boolean isSealed() {
        return (datagram.get(JAVA_BYTE, FLAGS_OFFSET) & FLAG_SEALED) != 0;
    }

    public long sender() {
        return name(datagram, SENDER_OFFSET);
    }

    public long origin() {
        return name(datagram, ORIGIN_OFFSET);
    }

    public long destination() {
        return name(datagram, DESTINATION_OFFSET);
    }

    public int frameLength() {
        return Short.toUnsignedInt(datagram.get(U16, FRAME_LENGTH_OFFSET));
    }

    public long sequence() {
        return datagram.get(U64, SEQUENCE_OFFSET);
    }

    private static long name(MemorySegment segment, long offset) {
        return Short.toUnsignedLong(segment.get(U16, offset)) << 32 | Integer.toUnsignedLong(segment.get(U32, offset + 2));
    }

    private static void putName(MemorySegment segment, long offset, long name) {
        segment.set(U16, offset, (short) (name >>> 32));
        segment.set(U32, offset + 2, (int) name);
    }

    /**
     * Writes a header for a payload of {@code payloadLength} bytes that the caller places at offset {@link #LENGTH};
     * a payload longer than a datagram can say gets 0, as it travels as fragments. {@code destination} is ignored
     * (written as 0) for a broadcast.
     */
    public static void write(MemorySegment datagram, boolean broadcast, long sender, long origin, long destination, int payloadLength) {
        if (payloadLength < 0 || payloadLength > MAX_REASSEMBLED) throw new IllegalArgumentException("payload length " + payloadLength);
        datagram.set(JAVA_BYTE, MAGIC_OFFSET, MAGIC);
        datagram.set(JAVA_BYTE, VERSION_OFFSET, VERSION);
        datagram.set(JAVA_BYTE, TYPE_OFFSET, broadcast ? TYPE_BROADCAST : TYPE_UNICAST);
        datagram.set(JAVA_BYTE, FLAGS_OFFSET, (byte) 0);
        putName(datagram, SENDER_OFFSET, sender);
        putName(datagram, ORIGIN_OFFSET, origin);
        putName(datagram, DESTINATION_OFFSET, broadcast ? 0 : destination);
        datagram.set(U16, FRAME_LENGTH_OFFSET, (short) (payloadLength > MAX_FRAME ? 0 : payloadLength));
        datagram.set(U64, SEQUENCE_OFFSET, 0L);
    }

    /**
     * Turns a copy of the header a whole payload was sent (or sealed) with into the header of one of its fragments,
     * and writes the fragment header; the caller places the {@code share} bytes at
     * {@link #LENGTH} + {@link #FRAGMENT_LENGTH}.
     */
    public static void toFragment(MemorySegment datagram, int frameId, int index, int count, int chunk, long token, int share) {
        if (count < 2 || count > MAX_FRAGMENTS || index < 0 || index >= count || chunk < 1 || chunk > 0xFFFF
                || share < 1 || share > chunk) {
            throw new IllegalArgumentException("fragment " + index + " of " + count + ", chunk " + chunk + ", share " + share);
        }
        byte type = datagram.get(JAVA_BYTE, TYPE_OFFSET);
        if (type == TYPE_UNICAST || type == TYPE_BROADCAST) datagram.set(JAVA_BYTE, TYPE_OFFSET, (byte) (type + 2));
        datagram.set(U16, FRAME_LENGTH_OFFSET, (short) (FRAGMENT_LENGTH + share));
        datagram.set(U32, FRAME_ID_OFFSET, frameId);
        datagram.set(JAVA_BYTE, FRAGMENT_INDEX_OFFSET, (byte) index);
        datagram.set(JAVA_BYTE, FRAGMENT_COUNT_OFFSET, (byte) count);
        datagram.set(U16, CHUNK_OFFSET, (short) chunk);
        datagram.set(U64, TOKEN_OFFSET, token);
    }

    /**
     * Rebuilds, in {@code whole}, the header a fragmented payload was sent (and sealed) with, from the header of one
     * of its fragments in {@code fragment}: the whole type, and 0 as payload length.
     */
    public static void toWhole(MemorySegment fragment, MemorySegment whole) {
        MemorySegment.copy(fragment, 0, whole, 0, LENGTH);
        byte type = whole.get(JAVA_BYTE, TYPE_OFFSET);
        if (type == TYPE_UNICAST_FRAGMENT || type == TYPE_BROADCAST_FRAGMENT) whole.set(JAVA_BYTE, TYPE_OFFSET, (byte) (type - 2));
        whole.set(U16, FRAME_LENGTH_OFFSET, (short) 0);
    }

    /** Marks the payload of a unicast datagram as a {@link FrameBatch}. */
    public static void markBatch(MemorySegment datagram) {
        datagram.set(JAVA_BYTE, FLAGS_OFFSET, (byte) (datagram.get(JAVA_BYTE, FLAGS_OFFSET) | FLAG_BATCH));
    }

    /** Sets or clears the flag saying the payload starts with a virtio_net_hdr. */
    public static void markVnet(MemorySegment datagram, boolean vnet) {
        byte flags = datagram.get(JAVA_BYTE, FLAGS_OFFSET);
        datagram.set(JAVA_BYTE, FLAGS_OFFSET, (byte) (vnet ? flags | FLAG_VNET : flags & ~FLAG_VNET));
    }

    /** Sets the payload length field. */
    public static void payloadLength(MemorySegment datagram, int length) {
        if (length < 0 || length > MAX_FRAME) throw new IllegalArgumentException("payload length " + length);
        datagram.set(U16, FRAME_LENGTH_OFFSET, (short) length);
    }

    /** Rewrites the sender of a header, for a relay passing the datagram on. */
    public static void rewriteSender(MemorySegment datagram, long sender) {
        putName(datagram, SENDER_OFFSET, sender);
    }

    /** {@code flags} marked sealed under key epoch {@code epoch} (0 to 31). */
    public static byte sealedFlags(byte flags, int epoch) {
        if (epoch < 0 || epoch > 31) throw new IllegalArgumentException("key epoch " + epoch);
        return (byte) (flags & ~EPOCH_BITS | FLAG_SEALED | epoch << EPOCH_SHIFT);
    }

    /** The key epoch, modulo 32, that {@code flags} of a sealed datagram name. */
    public static int keyEpoch(byte flags) {
        return (flags & EPOCH_BITS) >>> EPOCH_SHIFT;
    }

    /** Clears the sealed mark, for passing a datagram on to a hop that takes it in clear. */
    public static void markClear(MemorySegment datagram) {
        datagram.set(JAVA_BYTE, FLAGS_OFFSET, (byte) (datagram.get(JAVA_BYTE, FLAGS_OFFSET) & ~(FLAG_SEALED | EPOCH_BITS)));
        datagram.set(U64, SEQUENCE_OFFSET, 0L);
    }
}

package weft.router.fastpath;

import weft.crypto.HeartbeatAuthenticator;
import weft.router.sleeve.EthernetFrame;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The heartbeat frame two routers exchange through the kernel fast path, read and written in place (a flyweight
 * over the frame; nothing allocated per heartbeat).
 *
 * <pre>
 *  0  destination MAC: the receiver's heartbeat MAC     6  source MAC: the sender's heartbeat MAC
 * 12  ethertype 0x88B5 (IEEE local experimental)
 * 14  magic "WFHB"   18  version (1)   19  flags: bit 0 full-size probe, bit 1 the sender hears the receiver,
 *                                            bit 2 tagged
 * 20  frame length as sent (u16)       22  reserved (0)
 * 24  sender peer name (u64)           32  receiver peer name (u64)      40  sequence (u64)
 * 48  tag: 96 bits of HMAC-SHA256 over bytes 0-47 under the pair's heartbeat key, or zero when untagged
 * 60  zero padding up to the frame length
 * </pre>
 *
 * A full-size heartbeat is as long as the largest frame of the overlay, so it proves the underlay path carries
 * the overlay MTU plus the VXLAN overhead; the length field shows a heartbeat cut short on the way. Between peers
 * with a password every heartbeat is tagged ({@link #sign}) and checked ({@link #authentic}), so that nobody can
 * hold a pair on the fast path with forged ones; the tag takes the small heartbeat's padding, so the format and
 * version stay those of routers that sent zeros there (their untagged heartbeats are refused by a pair that has
 * keys, which then stays on sleeve).
 */
public final class FastHeartbeat {
    public static final int ETHERTYPE = 0x88B5;
    public static final int MAGIC = 0x5746_4842;
    public static final int VERSION = 1;
    public static final int HEADER_LENGTH = 48;
    /** The shortest Ethernet frame without FCS: the small heartbeat. */
    public static final int SMALL_LENGTH = 60;
    /** Where the tag goes, and what it covers: everything before it. */
    public static final int TAG_OFFSET = HEADER_LENGTH;
    private static final int FLAG_FULL = 1, FLAG_HEARING = 2, FLAG_TAGGED = 4;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** Why a received frame is not a heartbeat for us. */
    public enum Check { OK, TOO_SHORT, NOT_A_HEARTBEAT, UNKNOWN_VERSION, LENGTH_MISMATCH, NOT_FOR_US, FORGED_SOURCE }

    private MemorySegment frame;

    private FastHeartbeat() {
    }

    public static FastHeartbeat reader() {
        return new FastHeartbeat();
    }

    /** Writes a heartbeat of {@code length} bytes (at least {@link #SMALL_LENGTH}) into {@code frame}. */
    public static void write(MemorySegment frame, int length, long sender, long receiver, long sequence, boolean full,
                             boolean hearing) {
        if (length < SMALL_LENGTH || length > 0xFFFF || length > frame.byteSize()) {
            throw new IllegalArgumentException("heartbeat length " + length + " not in " + SMALL_LENGTH + "..min(65535, buffer)");
        }
        writeMac(frame, 0, heartbeatMac(receiver));
        writeMac(frame, 6, heartbeatMac(sender));
        frame.set(U16, 12, (short) ETHERTYPE);
        frame.set(U32, 14, MAGIC);
        frame.set(ValueLayout.JAVA_BYTE, 18, (byte) VERSION);
        frame.set(ValueLayout.JAVA_BYTE, 19, (byte) ((full ? FLAG_FULL : 0) | (hearing ? FLAG_HEARING : 0)));
        frame.set(U16, 20, (short) length);
        frame.set(U16, 22, (short) 0);
        frame.set(U64, 24, sender);
        frame.set(U64, 32, receiver);
        frame.set(U64, 40, sequence);
        frame.asSlice(HEADER_LENGTH, length - HEADER_LENGTH).fill((byte) 0);
    }

    /** Checks the frame in {@code received[0, length)} as a heartbeat sent to {@code self}; on OK the getters read it. */
    public Check wrap(MemorySegment received, int length, long self) {
        frame = received;
        if (length < SMALL_LENGTH) return Check.TOO_SHORT;
        if (Short.toUnsignedInt(received.get(U16, 12)) != ETHERTYPE || received.get(U32, 14) != MAGIC) return Check.NOT_A_HEARTBEAT;
        if (received.get(ValueLayout.JAVA_BYTE, 18) != VERSION) return Check.UNKNOWN_VERSION;
        if (Short.toUnsignedInt(received.get(U16, 20)) != length) return Check.LENGTH_MISMATCH;
        if (receiver() != self || EthernetFrame.destination(received, 0) != heartbeatMac(self)) return Check.NOT_FOR_US;
        if (EthernetFrame.source(received, 0) != heartbeatMac(sender())) return Check.FORGED_SOURCE;
        return Check.OK;
    }

    public long sender() {
        return frame.get(U64, 24);
    }

    public long receiver() {
        return frame.get(U64, 32);
    }

    public long sequence() {
        return frame.get(U64, 40);
    }

    public boolean full() {
        return (frame.get(ValueLayout.JAVA_BYTE, 19) & FLAG_FULL) != 0;
    }

    /**
     * Tags the heartbeat just {@link #write written} into {@code frame} for the pair whose sending key
     * {@code authenticator} holds.
     */
    public static void sign(MemorySegment frame, HeartbeatAuthenticator authenticator) {
        frame.set(ValueLayout.JAVA_BYTE, 19, (byte) (frame.get(ValueLayout.JAVA_BYTE, 19) | FLAG_TAGGED));
        authenticator.tag(frame.asSlice(0, TAG_OFFSET).asByteBuffer(),
                frame.asSlice(TAG_OFFSET, HeartbeatAuthenticator.TAG_LENGTH).asByteBuffer());
    }

    /** Whether the wrapped heartbeat is tagged, and its tag is right under the pair's receiving key. */
    public boolean authentic(HeartbeatAuthenticator authenticator) {
        return (frame.get(ValueLayout.JAVA_BYTE, 19) & FLAG_TAGGED) != 0 && authenticator.verify(
                frame.asSlice(0, TAG_OFFSET).asByteBuffer(), frame.asSlice(TAG_OFFSET, HeartbeatAuthenticator.TAG_LENGTH).asByteBuffer());
    }

    /** The sender hears our heartbeats, small and full-size: the path works in our direction too. */
    public boolean hearing() {
        return (frame.get(ValueLayout.JAVA_BYTE, 19) & FLAG_HEARING) != 0;
    }

    /**
     * The MAC a router's heartbeats come from and go to, from its 48-bit peer name: locally administered, unicast,
     * used by nothing else. Every router can compute every other's, so heartbeats need no address exchange.
     */
    public static long heartbeatMac(long peerName) {
        long mac = peerName & 0xFFFF_FFFF_FFFFL;
        return (mac | 0x0200_0000_0000L) & ~0x0100_0000_0000L;
    }

    private static void writeMac(MemorySegment frame, long offset, long mac) {
        frame.set(U16, offset, (short) (mac >>> 32));
        frame.set(U32, offset + 2, (int) mac);
    }
}

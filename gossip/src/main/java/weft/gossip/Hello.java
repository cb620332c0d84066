package weft.gossip;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;

/**
 * The first frame each side sends on a mesh connection: who it is and what it speaks. Both sides
 * send theirs at once and read the other's; there is no authentication yet.
 *
 * <p>Wire layout, big-endian, inside one mesh frame:
 * <pre>
 *  0  magic "weft"       4 bytes
 *  4  min version        u8
 *  5  max version        u8
 *  6  peer name          6 bytes
 * 12  incarnation        u64, non-zero
 * 20  connection id      u64, random per connection and side
 * 28  sleeve UDP port    u16, non-zero
 * 30  nickname length    u8
 * 31  nickname           UTF-8, that many bytes; nothing follows
 * </pre>
 * The version range sits right after the magic so a router can always say "no common version"
 * even when a newer peer has changed everything after it.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param connectionId this side's random half of the connection's identity, used to break ties
 *                     between two connections to the same peer
 */
public record Hello(VersionRange versions, PeerName name, long incarnation, long connectionId, int udpPort,
        String nickname) {
    static final int MAGIC = 0x77656674; // "weft"
    static final int VERSIONS_OFFSET = 4, NAME_OFFSET = 6, INCARNATION_OFFSET = 12, CONNECTION_ID_OFFSET = 20;
    static final int UDP_PORT_OFFSET = 28, NICKNAME_LENGTH_OFFSET = 30, NICKNAME_OFFSET = 31;

    public Hello {
        if (incarnation == 0) {
            throw new IllegalArgumentException("incarnation 0 is reserved");
        }
        if (udpPort < 1 || udpPort > 0xffff) {
            throw new IllegalArgumentException("bad sleeve UDP port " + udpPort);
        }
        if (nickname.getBytes(StandardCharsets.UTF_8).length > PeerIdentity.MAX_NICKNAME_BYTES) {
            throw new IllegalArgumentException("nickname is longer than 255 bytes: " + nickname);
        }
    }

    /** Our hello on one connection. */
    public static Hello of(PeerIdentity self, long connectionId, int udpPort) {
        return new Hello(VersionRange.SUPPORTED, self.name(), self.incarnation(), connectionId, udpPort,
                self.nickname());
    }

    /** Encodes into a new buffer owned by the caller. */
    public ByteBuf encode(ByteBufAllocator allocator) {
        byte[] nick = nickname.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = allocator.buffer(NICKNAME_OFFSET + nick.length);
        out.writeInt(MAGIC)
                .writeByte(versions.min())
                .writeByte(versions.max())
                .writeShort((int) (name.value() >>> 32))
                .writeInt((int) name.value())
                .writeLong(incarnation)
                .writeLong(connectionId)
                .writeShort(udpPort)
                .writeByte(nick.length)
                .writeBytes(nick);
        return out;
    }

    /**
     * Decodes a hello frame and checks that it shares a version with {@code ours}. Reads the
     * readable bytes of {@code frame} without moving its indexes or releasing it; never throws.
     */
    public static Decoding<Hello> decode(ByteBuf frame, VersionRange ours) {
        int start = frame.readerIndex();
        int length = frame.readableBytes();
        if (length < NICKNAME_OFFSET) {
            if (length >= 4 && frame.getInt(start) != MAGIC) {
                return refused("not a weft hello (bad magic)");
            }
            return refused("truncated hello: " + length + " bytes");
        }
        if (frame.getInt(start) != MAGIC) {
            return refused("not a weft hello (bad magic)");
        }
        int min = frame.getUnsignedByte(start + VERSIONS_OFFSET);
        int max = frame.getUnsignedByte(start + VERSIONS_OFFSET + 1);
        if (min < 1 || min > max) {
            return refused("bad protocol version range " + min + ".." + max);
        }
        VersionRange theirs = new VersionRange(min, max);
        OptionalInt version = ours.agree(theirs);
        if (version.isEmpty()) {
            return refused("no common protocol version: we speak " + ours + ", peer speaks " + theirs);
        }
        long name = ((long) frame.getUnsignedShort(start + NAME_OFFSET) << 32)
                | frame.getUnsignedInt(start + NAME_OFFSET + 2);
        long incarnation = frame.getLong(start + INCARNATION_OFFSET);
        long connectionId = frame.getLong(start + CONNECTION_ID_OFFSET);
        int udpPort = frame.getUnsignedShort(start + UDP_PORT_OFFSET);
        int nickLength = frame.getUnsignedByte(start + NICKNAME_LENGTH_OFFSET);
        if (incarnation == 0) {
            return refused("hello with incarnation 0");
        }
        if (udpPort == 0) {
            return refused("hello with sleeve UDP port 0");
        }
        if (length < NICKNAME_OFFSET + nickLength) {
            return refused("truncated hello: nickname of " + nickLength + " bytes, "
                    + (length - NICKNAME_OFFSET) + " present");
        }
        if (length > NICKNAME_OFFSET + nickLength) {
            return refused("hello has " + (length - NICKNAME_OFFSET - nickLength) + " trailing bytes");
        }
        String nickname;
        try {
            ByteBuffer bytes = frame.nioBuffer(start + NICKNAME_OFFSET, nickLength);
            nickname = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
        } catch (CharacterCodingException e) {
            return refused("hello nickname is not UTF-8");
        }
        return new Decoding.Decoded<>(new Hello(theirs, new PeerName(name), incarnation, connectionId, udpPort,
                nickname));
    }

    private static Decoding<Hello> refused(String reason) {
        return new Decoding.Refused<>(reason);
    }
}

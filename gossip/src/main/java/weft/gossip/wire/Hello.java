package weft.gossip.wire;

import weft.gossip.PeerIdentity;
import weft.gossip.PeerName;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The first frame each side sends on a mesh connection: who it is, what it speaks, whether it has
 * a password (and then a fresh X25519 public key for this connection) and whether it trusts the
 * address it sees the peer at. Both sides send theirs at once and read the other's; the encoded
 * hellos, initiator's first, are the transcript the session keys are bound to (see
 * {@link HandshakeHandler}).
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
 * 30  flags              u8: bit 0 {@link #FLAG_PASSWORD}, bit 1 {@link #FLAG_TRUSTS_YOU}, others 0
 * 31  nickname length    u8
 * 32  nickname           UTF-8, that many bytes
 *  …  public key         32 bytes, present iff bit 0 is set; nothing follows
 * </pre>
 * The version range sits right after the magic so a router can always say "no common version"
 * even when a newer peer has changed everything after it.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param connectionId this side's random half of the connection's identity, used to break ties
 *                     between two connections to the same peer
 * @param trustsYou    the sender's {@code --trusted-subnets} contain the address it sees us at, so it
 *                     needs no sleeve encryption towards us
 * @param publicKey    the sender's X25519 public key for this connection (32 bytes) if it has a
 *                     password, else empty; never mutated after construction
 */
public record Hello(VersionRange versions, PeerName name, long incarnation, long connectionId, int udpPort,
        String nickname, boolean trustsYou, byte[] publicKey) {
    static final int MAGIC = 0x77656674; // "weft"
    static final int VERSIONS_OFFSET = 4, NAME_OFFSET = 6, INCARNATION_OFFSET = 12, CONNECTION_ID_OFFSET = 20;
    static final int UDP_PORT_OFFSET = 28, FLAGS_OFFSET = 30, NICKNAME_LENGTH_OFFSET = 31, NICKNAME_OFFSET = 32;
    /** Flag bit: the sender has a password; its public key follows the nickname. */
    public static final int FLAG_PASSWORD = 0x01;
    /** Flag bit: the sender trusts the receiver's address. */
    public static final int FLAG_TRUSTS_YOU = 0x02;
    static final int PUBLIC_KEY_BYTES = 32;

    /** A hello without password or trust. */
    public Hello(VersionRange versions, PeerName name, long incarnation, long connectionId, int udpPort,
            String nickname) {
        this(versions, name, incarnation, connectionId, udpPort, nickname, false, new byte[0]);
    }

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
        if (publicKey.length != 0 && publicKey.length != PUBLIC_KEY_BYTES) {
            throw new IllegalArgumentException("public key must be 32 bytes or absent, got " + publicKey.length);
        }
    }

    /** Our hello on one connection, without password or trust. */
    public static Hello of(PeerIdentity self, long connectionId, int udpPort) {
        return new Hello(VersionRange.SUPPORTED, self.name(), self.incarnation(), connectionId, udpPort,
                self.nickname());
    }

    /** Our hello on one connection; {@code publicKey} is empty when we have no password. */
    public static Hello of(PeerIdentity self, VersionRange versions, long connectionId, int udpPort, boolean trustsYou,
            byte[] publicKey) {
        return new Hello(versions, self.name(), self.incarnation(), connectionId, udpPort,
                self.nickname(), trustsYou, publicKey);
    }

    /** Whether the sender has a password (and so sent a public key). */
    public boolean hasPassword() {
        return publicKey.length != 0;
    }

    /** The public key, a copy: the record's array must stay unchanged. */
    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }

    int flags() {
        return (hasPassword() ? FLAG_PASSWORD : 0) | (trustsYou ? FLAG_TRUSTS_YOU : 0);
    }

    // by value, not by array identity: decoded hellos are compared with the ones sent
    @Override
    public boolean equals(Object other) {
        return other instanceof Hello h && versions.equals(h.versions) && name.equals(h.name)
                && incarnation == h.incarnation && connectionId == h.connectionId && udpPort == h.udpPort
                && nickname.equals(h.nickname) && trustsYou == h.trustsYou && Arrays.equals(publicKey, h.publicKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(versions, name, incarnation, connectionId, udpPort, nickname, trustsYou,
                Arrays.hashCode(publicKey));
    }

    @Override
    public String toString() {
        return "Hello[" + name + "(" + nickname + "), versions " + versions + ", incarnation "
                + Long.toUnsignedString(incarnation, 16) + ", udp " + udpPort
                + (hasPassword() ? ", password" : "") + (trustsYou ? ", trusts you" : "") + "]";
    }

    /** Encodes into a new buffer owned by the caller. */
    public ByteBuf encode(ByteBufAllocator allocator) {
        byte[] nick = nickname.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = allocator.buffer(NICKNAME_OFFSET + nick.length + publicKey.length);
        out.writeInt(MAGIC)
                .writeByte(versions.min())
                .writeByte(versions.max())
                .writeShort((int) (name.value() >>> 32))
                .writeInt((int) name.value())
                .writeLong(incarnation)
                .writeLong(connectionId)
                .writeShort(udpPort)
                .writeByte(flags())
                .writeByte(nick.length)
                .writeBytes(nick)
                .writeBytes(publicKey);
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
        int flags = frame.getUnsignedByte(start + FLAGS_OFFSET);
        int nickLength = frame.getUnsignedByte(start + NICKNAME_LENGTH_OFFSET);
        if (incarnation == 0) {
            return refused("hello with incarnation 0");
        }
        if (udpPort == 0) {
            return refused("hello with sleeve UDP port 0");
        }
        if ((flags & ~(FLAG_PASSWORD | FLAG_TRUSTS_YOU)) != 0) {
            return refused("hello with unknown flags 0x" + Integer.toHexString(flags));
        }
        if (length < NICKNAME_OFFSET + nickLength) {
            return refused("truncated hello: nickname of " + nickLength + " bytes, "
                    + (length - NICKNAME_OFFSET) + " present");
        }
        int keyLength = (flags & FLAG_PASSWORD) != 0 ? PUBLIC_KEY_BYTES : 0;
        int end = NICKNAME_OFFSET + nickLength + keyLength;
        if (length < end) {
            return refused("truncated hello: public key of " + (length - NICKNAME_OFFSET - nickLength)
                    + " bytes, expected 32");
        }
        if (length > end) {
            return refused("hello has " + (length - end) + " trailing bytes");
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
        byte[] publicKey = new byte[keyLength];
        frame.getBytes(start + NICKNAME_OFFSET + nickLength, publicKey);
        return new Decoding.Decoded<>(new Hello(theirs, new PeerName(name), incarnation, connectionId, udpPort,
                nickname, (flags & FLAG_TRUSTS_YOU) != 0, publicKey));
    }

    private static Decoding<Hello> refused(String reason) {
        return new Decoding.Refused<>(reason);
    }
}

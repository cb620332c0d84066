package weft.ipam;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import weft.gossip.wire.Decoding;
import weft.gossip.PeerName;

/**
 * The versioned on-disk form of a {@link Snapshot}. Big-endian:
 *
 * <pre>
 * u32 magic "WFTI", u16 format version (1), u64 self, ring (as in {@link IpamCodec}),
 * acceptor (two ballots and a seed list, as in {@link IpamCodec}),
 * u32 n, n x (u32 address inside the ring's universe, u16 length, UTF-8 owner id),
 * u32 CRC32C of everything before it
 * </pre>
 * A newer format version is refused with a reason, not guessed at; so is a bad checksum.
 *
 * <p>Stateless; thread-safe.
 */
public final class SnapshotCodec {
    public static final int MAGIC = 0x57465449; // "WFTI"
    public static final short VERSION = 1;
    /** Longest owner id kept (a Docker id is 64 characters). */
    public static final int MAX_OWNER_BYTES = 1024;

    private SnapshotCodec() {}

    public static byte[] encode(Snapshot s) {
        int size = 4 + 2 + 8 + IpamCodec.ringSize(s.ring()) + IpamCodec.acceptorSize(s.acceptor()) + 4 + 4;
        byte[][] owners = new byte[s.allocations().size()][];
        int i = 0;
        for (String owner : s.allocations().values()) {
            owners[i] = ownerBytes(owner);
            size += 4 + 2 + owners[i++].length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.putInt(MAGIC).putShort(VERSION).putLong(s.self().value());
        IpamCodec.writeRing(out, s.ring());
        IpamCodec.writeAcceptor(out, s.acceptor());
        out.putInt(owners.length);
        i = 0;
        for (long address : s.allocations().keySet()) {
            out.putInt((int) address).putShort((short) owners[i].length).put(owners[i++]);
        }
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return out.array();
    }

    /** An owner id as the snapshot and the journal write it (after its u16 length); refuses one too long to keep. */
    static byte[] ownerBytes(String owner) {
        byte[] bytes = owner.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_OWNER_BYTES) {
            throw new IllegalStateException("owner id longer than " + MAX_OWNER_BYTES + " bytes");
        }
        return bytes;
    }

    /**
     * Reads a u16 length and an owner id of that many UTF-8 bytes, as the snapshot and the journal hold it; a
     * BufferUnderflowException propagates to the caller's catch.
     */
    static Decoding<String> readOwner(ByteBuffer in, CharsetDecoder decoder) {
        int length = Short.toUnsignedInt(in.getShort());
        if (length > MAX_OWNER_BYTES || length > in.remaining()) {
            return new Decoding.Refused<>("bad owner id length " + length);
        }
        ByteBuffer owner = in.slice(in.position(), length);
        in.position(in.position() + length);
        try {
            return new Decoding.Decoded<>(decoder.decode(owner).toString());
        } catch (CharacterCodingException e) {
            return new Decoding.Refused<>("owner id is not UTF-8");
        }
    }

    /** A decoder for owner ids that refuses malformed UTF-8; one per decode, since decoders keep state. */
    static CharsetDecoder ownerDecoder() {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
    }

    /** The snapshot in {@code bytes}, or why they are not one. */
    public static Decoding<Snapshot> decode(byte[] bytes) {
        if (bytes.length < 4 + 2 + 8 + 4) {
            return new Decoding.Refused<>("snapshot too short (" + bytes.length + " bytes)");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, bytes.length - 4);
        if (in.getInt() != MAGIC) {
            return new Decoding.Refused<>("not a weft ipam snapshot (bad magic)");
        }
        short version = in.getShort();
        if (version != VERSION) {
            return new Decoding.Refused<>("snapshot format version " + version + ", this build reads " + VERSION);
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if ((int) crc.getValue() != ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt()) {
            return new Decoding.Refused<>("snapshot checksum mismatch");
        }
        try {
            long self = in.getLong();
            if ((self >>> 48) != 0) {
                return new Decoding.Refused<>("snapshot peer name wider than 48 bits");
            }
            Decoding<Ring> ring = IpamCodec.readRing(in);
            if (ring instanceof Decoding.Refused<Ring>(String reason)) {
                return new Decoding.Refused<>("snapshot ring: " + reason);
            }
            Ring decodedRing = ((Decoding.Decoded<Ring>) ring).value();
            Decoding<AcceptorState> acceptor = IpamCodec.readAcceptor(in);
            if (acceptor instanceof Decoding.Refused<AcceptorState>(String reason)) {
                return new Decoding.Refused<>("snapshot acceptor: " + reason);
            }
            int n = in.getInt();
            if (n < 0 || (long) n * 6 > in.remaining()) {
                return new Decoding.Refused<>("bad snapshot allocation count " + n);
            }
            CharsetDecoder decoder = ownerDecoder();
            TreeMap<Long, String> allocations = new TreeMap<>();
            AddressRange universe = decodedRing.universe();
            for (int i = 0; i < n; i++) {
                long address = Integer.toUnsignedLong(in.getInt());
                if (!universe.contains(address)) {
                    // the allocator indexes its addresses from the universe's start
                    return new Decoding.Refused<>("allocation " + AddressRange.format(address) + " outside "
                            + universe);
                }
                switch (readOwner(in, decoder)) {
                    case Decoding.Decoded<String>(String owner) -> allocations.put(address, owner);
                    case Decoding.Refused<String>(String reason) -> {
                        return new Decoding.Refused<>(reason);
                    }
                }
            }
            if (in.hasRemaining()) {
                return new Decoding.Refused<>(in.remaining() + " trailing bytes in snapshot");
            }
            return new Decoding.Decoded<>(new Snapshot(new PeerName(self), decodedRing,
                    ((Decoding.Decoded<AcceptorState>) acceptor).value(), allocations));
        } catch (BufferUnderflowException e) {
            return new Decoding.Refused<>("truncated snapshot");
        }
    }
}

package weft.gossip.topology;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import weft.gossip.wire.Decoding;
import weft.gossip.PeerName;

/**
 * The binary form of {@link TopologyMessage}s. All integers big-endian; strings are a one-byte
 * length and that many bytes of UTF-8.
 *
 * <pre>
 * message  = version:u8 (=1) ‖ type:u8 ‖ body
 * Update   (1) = count:u16 ‖ record*
 *   record = name:6 ‖ nickname:str ‖ incarnation:i64 ‖ version:i64 ‖ shortId:u16 ‖ links:u16 ‖ link*
 *   link   = peer:6 ‖ address:str ‖ flags:u8 (bit0 outbound, bit1 established)
 * Summary  (2) = digestHash:i64 ‖ peers:u16
 * Digest   (3) = count:u16 ‖ (name:6 ‖ version:i64 ‖ incarnation:i64)*
 * Request  (4) = count:u16 ‖ name:6*
 * </pre>
 *
 * <p>Counts are checked against the bytes left before anything is allocated, so a forged count
 * costs nothing. Stateless; thread-safe.
 */
public final class TopologyCodec {
    /** The only wire version so far. */
    public static final int VERSION = 1;
    /** The most records, entries or names one message may carry (u16 counts, 4095 short ids). */
    public static final int MAX_COUNT = 4096;
    private static final int UPDATE = 1;
    private static final int SUMMARY = 2;
    private static final int DIGEST = 3;
    private static final int REQUEST = 4;
    private static final int MIN_RECORD_BYTES = PeerName.BYTES + 1 + 8 + 8 + 2 + 2;
    private static final int MIN_LINK_BYTES = PeerName.BYTES + 1 + 1;
    private static final int OUTBOUND = 1;
    private static final int ESTABLISHED = 2;

    private TopologyCodec() {}

    /**
     * Encodes a message.
     *
     * @throws IllegalArgumentException if it exceeds the limits a decoder enforces (our own bug:
     *                                  senders chunk updates, see {@link TopologyGossip})
     */
    public static byte[] encode(TopologyMessage message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        out.write(VERSION);
        switch (message) {
            case TopologyMessage.Update(List<PeerRecord> records) -> {
                out.write(UPDATE);
                writeCount(out, records.size());
                for (PeerRecord record : records) {
                    if (record.isPlaceholder()) {
                        throw new IllegalArgumentException("placeholders are never sent: " + record.name());
                    }
                    writeName(out, record.name());
                    writeString(out, record.nickname());
                    writeLong(out, record.incarnation());
                    writeLong(out, record.version());
                    writeShort(out, record.shortId());
                    writeCount(out, record.links().size());
                    for (PeerLink link : record.links()) {
                        writeName(out, link.peer());
                        writeString(out, link.remoteAddress());
                        out.write((link.outbound() ? OUTBOUND : 0) | (link.established() ? ESTABLISHED : 0));
                    }
                }
            }
            case TopologyMessage.Summary(long digestHash, int peers) -> {
                out.write(SUMMARY);
                writeLong(out, digestHash);
                writeShort(out, Math.min(peers, 0xffff));
            }
            case TopologyMessage.Digest(List<DigestEntry> entries) -> {
                out.write(DIGEST);
                writeCount(out, entries.size());
                for (DigestEntry entry : entries) {
                    writeName(out, entry.name());
                    writeLong(out, entry.version());
                    writeLong(out, entry.incarnation());
                }
            }
            case TopologyMessage.Request(List<PeerName> names) -> {
                out.write(REQUEST);
                writeCount(out, names.size());
                for (PeerName name : names) {
                    writeName(out, name);
                }
            }
        }
        return out.toByteArray();
    }

    /** Decodes untrusted bytes; never throws. */
    public static Decoding<TopologyMessage> decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes); // big-endian by default, as the layout says
        try {
            if (in.remaining() < 2) {
                return refused("topology message shorter than its header");
            }
            int version = in.get() & 0xff;
            if (version != VERSION) {
                return refused("unknown topology message version " + version);
            }
            int type = in.get() & 0xff;
            Decoding<TopologyMessage> result = switch (type) {
                case UPDATE -> decodeUpdate(in);
                case SUMMARY -> new Decoding.Decoded<>(new TopologyMessage.Summary(in.getLong(), in.getShort() & 0xffff));
                case DIGEST -> decodeDigest(in);
                case REQUEST -> decodeRequest(in);
                default -> refused("unknown topology message type " + type);
            };
            if (result instanceof Decoding.Decoded<TopologyMessage> && in.hasRemaining()) {
                return refused(in.remaining() + " bytes after the topology message");
            }
            return result;
        } catch (BufferUnderflowException e) {
            return refused("truncated topology message");
        }
    }

    private static Decoding<TopologyMessage> decodeUpdate(ByteBuffer in) {
        int count = in.getShort() & 0xffff;
        if (count > MAX_COUNT || (long) count * MIN_RECORD_BYTES > in.remaining()) {
            return refused("update claims " + count + " records in " + in.remaining() + " bytes");
        }
        List<PeerRecord> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            PeerName name = readName(in);
            String nickname = readString(in);
            long incarnation = in.getLong();
            long version = in.getLong();
            int shortId = in.getShort() & 0xffff;
            int links = in.getShort() & 0xffff;
            if (nickname == null) {
                return refused("nickname of " + name + " is not UTF-8");
            }
            if (version <= 0) {
                return refused("record of " + name + " has version " + version);
            }
            if (shortId > PeerRecord.MAX_SHORT_ID) {
                return refused("record of " + name + " has short id " + shortId + " beyond 12 bits");
            }
            if (links > MAX_COUNT || (long) links * MIN_LINK_BYTES > in.remaining()) {
                return refused("record of " + name + " claims " + links + " links in " + in.remaining() + " bytes");
            }
            List<PeerLink> linkList = new ArrayList<>(links);
            for (int j = 0; j < links; j++) {
                PeerName peer = readName(in);
                String address = readString(in);
                int flags = in.get() & 0xff;
                if (address == null) {
                    return refused("address of a link of " + name + " is not UTF-8");
                }
                if ((flags & ~(OUTBOUND | ESTABLISHED)) != 0) {
                    return refused("link of " + name + " has unknown flags " + flags);
                }
                linkList.add(new PeerLink(peer, address, (flags & OUTBOUND) != 0, (flags & ESTABLISHED) != 0));
            }
            records.add(new PeerRecord(name, nickname, incarnation, version, shortId, linkList));
        }
        return new Decoding.Decoded<>(new TopologyMessage.Update(records));
    }

    private static Decoding<TopologyMessage> decodeDigest(ByteBuffer in) {
        int count = in.getShort() & 0xffff;
        if (count > MAX_COUNT || (long) count * DigestEntry.WIRE_BYTES > in.remaining()) {
            return refused("digest claims " + count + " entries in " + in.remaining() + " bytes");
        }
        List<DigestEntry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            entries.add(new DigestEntry(readName(in), in.getLong(), in.getLong()));
        }
        return new Decoding.Decoded<>(new TopologyMessage.Digest(entries));
    }

    private static Decoding<TopologyMessage> decodeRequest(ByteBuffer in) {
        int count = in.getShort() & 0xffff;
        if (count > MAX_COUNT || (long) count * PeerName.BYTES > in.remaining()) {
            return refused("request claims " + count + " names in " + in.remaining() + " bytes");
        }
        List<PeerName> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            names.add(readName(in));
        }
        return new Decoding.Decoded<>(new TopologyMessage.Request(names));
    }

    private static Decoding<TopologyMessage> refused(String reason) {
        return new Decoding.Refused<>(reason);
    }

    static PeerName readName(ByteBuffer in) {
        long value = 0;
        for (int i = 0; i < PeerName.BYTES; i++) {
            value = (value << 8) | (in.get() & 0xff);
        }
        return new PeerName(value); // 6 bytes always fit the 48 bits
    }

    /** A one-byte length and UTF-8, or null if the bytes are not UTF-8. */
    static String readString(ByteBuffer in) {
        int length = in.get() & 0xff;
        if (length > in.remaining()) {
            throw new BufferUnderflowException(); // decode turns it into "truncated"
        }
        ByteBuffer slice = in.slice(in.position(), length);
        in.position(in.position() + length);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(slice).toString();
        } catch (CharacterCodingException e) {
            return null; // the caller refuses the message, naming the field
        }
    }

    static void writeName(ByteArrayOutputStream out, PeerName name) {
        for (int shift = 40; shift >= 0; shift -= 8) {
            out.write((int) (name.value() >>> shift));
        }
    }

    static void writeString(ByteArrayOutputStream out, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 255) {
            throw new IllegalArgumentException("string longer than 255 bytes: " + text);
        }
        out.write(bytes.length);
        out.write(bytes, 0, bytes.length);
    }

    static void writeLong(ByteArrayOutputStream out, long value) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.write((int) (value >>> shift));
        }
    }

    static void writeShort(ByteArrayOutputStream out, int value) {
        out.write(value >>> 8);
        out.write(value);
    }

    static void writeCount(ByteArrayOutputStream out, int count) {
        if (count > MAX_COUNT) {
            throw new IllegalArgumentException("count " + count + " exceeds " + MAX_COUNT);
        }
        writeShort(out, count);
    }
}

package weft.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import weft.gossip.PeerName;
import weft.gossip.wire.Decoding;

/**
 * The bytes of {@link NameRecordsData}, on the {@code dns} channel and in the router's names file:
 * <pre>
 * u8 format (1), u16 origins, then per origin:
 *   6 bytes peer name, u64 version, u8 flags (1 = removed), u16 names, then per name:
 *     u8 length + ASCII name, 4 bytes IPv4 address, u8 length + ASCII owner
 * </pre>
 * Everything read is checked (counts against the bytes left, names and owners as {@link NameRecord} requires), and
 * refused with a reason instead of thrown.
 *
 * <p>Stateless; thread-safe.
 */
public final class NameRecordsCodec {
    static final int FORMAT = 1;
    /**
     * The highest version taken: one change a microsecond would take 146,000 years to reach it, and a version past it
     * could not be raised by one (an origin winning back its names adds one to the highest it heard).
     */
    static final long MAX_VERSION = Long.MAX_VALUE / 2;
    /** The smallest a name takes on the wire: a length and one character with its dot, an address, a length and one character of owner. */
    private static final int MIN_NAME_BYTES = 1 + 2 + 4 + 2;

    private NameRecordsCodec() {}

    /** The bytes {@code origin} takes in an encoding. */
    public static int size(OriginRecords origin) {
        int size = PeerName.BYTES + 8 + 1 + 2;
        for (NameRecord r : origin.records()) size += 1 + r.name().length() + 4 + 1 + r.owner().length();
        return size;
    }

    /** @throws IllegalArgumentException for more origins or names than the counts hold (NameChannel keeps below) */
    public static byte[] encode(NameRecordsData data) {
        int size = 3;
        for (OriginRecords origin : data.origins().values()) {
            if (origin.records().size() > 0xffff) throw new IllegalArgumentException(origin.records().size() + " names of " + origin.origin());
            size += size(origin);
        }
        if (data.origins().size() > 0xffff) throw new IllegalArgumentException(data.origins().size() + " origins of DNS names");
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put((byte) FORMAT).putShort((short) data.origins().size());
        for (OriginRecords origin : data.origins().values()) {
            long name = origin.origin().value();
            out.putShort((short) (name >>> 32)).putInt((int) name);
            out.putLong(origin.version()).put((byte) (origin.removed() ? 1 : 0)).putShort((short) origin.records().size());
            for (NameRecord r : origin.records()) {
                putString(out, r.name());
                out.put(r.address().getAddress());
                putString(out, r.owner());
            }
        }
        return out.array();
    }

    public static Decoding<NameRecordsData> decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            int format = in.get() & 0xff;
            if (format != FORMAT) return new Decoding.Refused<>("DNS names in format " + format + ", not " + FORMAT);
            int count = in.getShort() & 0xffff;
            Map<PeerName, OriginRecords> origins = new HashMap<>();
            for (int i = 0; i < count; i++) {
                PeerName origin = new PeerName(((long) (in.getShort() & 0xffff) << 32) | (in.getInt() & 0xffffffffL));
                long version = in.getLong();
                if (version < 0 || version > MAX_VERSION) {
                    return new Decoding.Refused<>("DNS names of " + origin + " at version " + Long.toUnsignedString(version) + ", past " + MAX_VERSION);
                }
                int flags = in.get() & 0xff;
                if ((flags & ~1) != 0) return new Decoding.Refused<>("DNS names of " + origin + " with unknown flags " + flags);
                int names = in.getShort() & 0xffff;
                if (names * MIN_NAME_BYTES > in.remaining()) {
                    return new Decoding.Refused<>("DNS names of " + origin + " count " + names + " in " + in.remaining() + " bytes");
                }
                TreeSet<NameRecord> records = new TreeSet<>();
                for (int n = 0; n < names; n++) {
                    String name = getString(in);
                    byte[] address = new byte[4];
                    in.get(address);
                    records.add(new NameRecord(name, (Inet4Address) InetAddress.getByAddress(address), getString(in)));
                }
                if (origins.put(origin, new OriginRecords(origin, version, flags == 1, records)) != null) {
                    return new Decoding.Refused<>("DNS names of " + origin + " twice");
                }
            }
            if (in.hasRemaining()) return new Decoding.Refused<>(in.remaining() + " bytes after the DNS names");
            return new Decoding.Decoded<>(new NameRecordsData(origins));
        } catch (BufferUnderflowException e) {
            return new Decoding.Refused<>("truncated DNS names (" + bytes.length + " bytes)");
        } catch (IllegalArgumentException e) {
            return new Decoding.Refused<>("bad DNS names: " + e.getMessage());
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are always an address", e);
        }
    }

    private static void putString(ByteBuffer out, String s) {
        out.put((byte) s.length()).put(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static String getString(ByteBuffer in) {
        byte[] bytes = new byte[in.get() & 0xff];
        in.get(bytes);
        for (byte b : bytes) {
            if (b <= 0x20 || b >= 0x7f) throw new IllegalArgumentException("a name or owner with byte " + (b & 0xff));
        }
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}

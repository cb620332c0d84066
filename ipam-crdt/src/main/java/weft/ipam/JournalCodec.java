package weft.ipam;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharsetDecoder;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import weft.gossip.wire.Decoding;

/**
 * The versioned on-disk form of the IPAM journal: the {@link SnapshotChange}s saved since the snapshot file was
 * last written whole, so that a save costs what changed rather than every allocation. Big-endian:
 *
 * <pre>
 * header: u32 magic "WFTJ", u16 format version (1), u32 length and u32 checksum (its last four bytes) of the
 *         snapshot file this journal extends, u32 CRC32C of the header before it
 * record: u32 n, then n bytes: u32 sequence (1, 2, ... from the header), u8 flags (1: a ring follows, 2: an
 *         acceptor state follows), [ring], [acceptor] (both as in {@link IpamCodec}), u32 r, r x u32 address
 *         released, u32 p, p x (u32 address, u16 length, UTF-8 owner id); then u32 CRC32C of the n bytes
 * </pre>
 * A journal names the snapshot it extends, so one left behind by a snapshot written later (a crash between the
 * two renames of a compaction, or an older release that knows no journal) is recognised as stale, not replayed.
 * A record cut short by a crash while it was appended can only be the last: it is reported as a torn tail and
 * dropped (its save never completed, so nothing that depended on it left the peer). Anything else that does not
 * read is refused, since replaying past it could forget an address that was handed out.
 *
 * <p>Stateless; thread-safe.
 */
public final class JournalCodec {
    public static final int MAGIC = 0x5746544a; // "WFTJ"
    public static final short VERSION = 1;
    public static final int HEADER_BYTES = 4 + 2 + 4 + 4 + 4;
    private static final int FLAG_RING = 1;
    private static final int FLAG_ACCEPTOR = 2;
    /** The smallest record body: sequence, flags and two empty counts. */
    private static final int MIN_BODY = 4 + 1 + 4 + 4;
    /** Larger than any record this code writes (a whole ring of {@link Ring#MAX_ENTRIES} and a /8 of owners). */
    private static final int MAX_BODY = 1 << 30;

    private JournalCodec() {}

    /** What reading a journal against its snapshot gave. */
    public sealed interface Replay {}

    /**
     * The journal extends the snapshot: {@code snapshot} is the state after its last whole record.
     *
     * @param records     how many records were replayed
     * @param validLength the bytes of the journal up to the end of the last whole record
     * @param tornTail    what was dropped after it, if anything
     */
    public record Replayed(Snapshot snapshot, int records, int validLength, Optional<String> tornTail) implements Replay {}

    /** The journal extends another snapshot than the one given; it is to be ignored, for this reason. */
    public record Stale(String reason) implements Replay {}

    /** The header of a new journal extending the snapshot file whose bytes are {@code snapshotFile}. */
    public static byte[] header(byte[] snapshotFile) {
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES);
        out.putInt(MAGIC).putShort(VERSION).putInt(snapshotFile.length).putInt(lastFour(snapshotFile));
        out.putInt(crc(out.array(), 0, out.position()));
        return out.array();
    }

    /** The record of {@code change}, the journal's {@code sequence}-th. */
    public static byte[] record(int sequence, SnapshotChange change) {
        byte[][] owners = new byte[change.put().size()][];
        int body = MIN_BODY + 4 * change.removed().size();
        body += change.ring().map(IpamCodec::ringSize).orElse(0);
        body += change.acceptor().map(IpamCodec::acceptorSize).orElse(0);
        int i = 0;
        for (String owner : change.put().values()) {
            owners[i] = SnapshotCodec.ownerBytes(owner);
            body += 4 + 2 + owners[i++].length;
        }
        ByteBuffer out = ByteBuffer.allocate(4 + body + 4);
        out.putInt(body).putInt(sequence);
        out.put((byte) ((change.ring().isPresent() ? FLAG_RING : 0) | (change.acceptor().isPresent() ? FLAG_ACCEPTOR : 0)));
        change.ring().ifPresent(ring -> IpamCodec.writeRing(out, ring));
        change.acceptor().ifPresent(acceptor -> IpamCodec.writeAcceptor(out, acceptor));
        out.putInt(change.removed().size());
        change.removed().forEach(address -> out.putInt((int) (long) address));
        out.putInt(owners.length);
        i = 0;
        for (long address : change.put().keySet()) {
            out.putInt((int) address).putShort((short) owners[i].length).put(owners[i++]);
        }
        out.putInt(crc(out.array(), 4, body));
        return out.array();
    }

    /**
     * Replays {@code journal} onto {@code base}, read from the snapshot file whose bytes are {@code snapshotFile}:
     * the state it leads to, {@link Stale} when it extends another snapshot, or refused when it is corrupt.
     */
    public static Decoding<Replay> replay(byte[] snapshotFile, Snapshot base, byte[] journal) {
        if (journal.length < HEADER_BYTES) {
            return new Decoding.Refused<>("journal too short for its header (" + journal.length + " bytes)");
        }
        ByteBuffer header = ByteBuffer.wrap(journal, 0, HEADER_BYTES);
        if (header.getInt() != MAGIC) {
            return new Decoding.Refused<>("not a weft ipam journal (bad magic)");
        }
        short version = header.getShort();
        if (version != VERSION) {
            return new Decoding.Refused<>("journal format version " + version + ", this build reads " + VERSION);
        }
        int baseLength = header.getInt();
        int baseChecksum = header.getInt();
        if (header.getInt() != crc(journal, 0, HEADER_BYTES - 4)) {
            return new Decoding.Refused<>("journal header checksum mismatch");
        }
        if (baseLength != snapshotFile.length || baseChecksum != lastFour(snapshotFile)) {
            return new Decoding.Decoded<>(new Stale("the journal extends another snapshot than the one on disk"));
        }
        State state = new State(base);
        int position = HEADER_BYTES;
        int records = 0;
        Optional<String> tornTail = Optional.empty();
        while (position < journal.length) {
            int left = journal.length - position;
            int body = left >= 4 ? ByteBuffer.wrap(journal, position, 4).getInt() : -1;
            boolean plausible = body >= MIN_BODY && body <= MAX_BODY;
            boolean crcMatches = plausible && 8L + body <= left
                    && crc(journal, position + 4, body) == ByteBuffer.wrap(journal, position + 4 + body, 4).getInt();
            if (!crcMatches) {
                // a crash while appending leaves a record that runs to the end of the file, or zeros there
                boolean torn = left < 8 || (plausible && 8L + body >= left) || zeros(journal, position);
                if (!torn) {
                    return new Decoding.Refused<>("journal corrupt at byte " + position + " (record " + (records + 1)
                            + (plausible ? ": checksum mismatch)" : ": bad length " + body + ")"));
                }
                tornTail = Optional.of(left + " bytes of an incomplete last record");
                break;
            }
            String refusal = state.apply(ByteBuffer.wrap(journal, position + 4, body).slice(), records + 1);
            if (refusal != null) {
                return new Decoding.Refused<>("journal record " + (records + 1) + " at byte " + position + ": " + refusal);
            }
            records++;
            position += 8 + body;
        }
        String outside = state.outsideUniverse();
        if (outside != null) {
            return new Decoding.Refused<>("journal: " + outside);
        }
        return new Decoding.Decoded<>(new Replayed(state.snapshot(), records, position, tornTail));
    }

    /** The state being replayed: one mutable copy of the allocations, not one per record. */
    private static final class State {
        private final Snapshot base;
        private Ring ring;
        private AcceptorState acceptor;
        private final TreeMap<Long, String> allocations;

        State(Snapshot base) {
            this.base = base;
            this.ring = base.ring();
            this.acceptor = base.acceptor();
            this.allocations = new TreeMap<>(base.allocations());
        }

        /** Applies one record's body; returns why it cannot be, or null. */
        String apply(ByteBuffer in, int sequence) {
            try {
                int seq = in.getInt();
                if (seq != sequence) {
                    return "sequence " + Integer.toUnsignedString(seq) + " where " + sequence + " was due";
                }
                int flags = in.get();
                if ((flags & ~(FLAG_RING | FLAG_ACCEPTOR)) != 0) {
                    return "unknown flags " + flags;
                }
                if ((flags & FLAG_RING) != 0) {
                    switch (IpamCodec.readRing(in)) {
                        case Decoding.Decoded<Ring>(Ring r) -> ring = r;
                        case Decoding.Refused<Ring>(String reason) -> {
                            return "ring: " + reason;
                        }
                    }
                }
                if ((flags & FLAG_ACCEPTOR) != 0) {
                    switch (IpamCodec.readAcceptor(in)) {
                        case Decoding.Decoded<AcceptorState>(AcceptorState a) -> acceptor = a;
                        case Decoding.Refused<AcceptorState>(String reason) -> {
                            return "acceptor: " + reason;
                        }
                    }
                }
                int removed = in.getInt();
                if (removed < 0 || (long) removed * 4 > in.remaining()) {
                    return "bad released count " + removed;
                }
                for (int i = 0; i < removed; i++) {
                    long address = Integer.toUnsignedLong(in.getInt());
                    if (allocations.remove(address) == null) {
                        return "releases " + AddressRange.format(address) + ", which is not allocated";
                    }
                }
                int put = in.getInt();
                if (put < 0 || (long) put * 6 > in.remaining()) {
                    return "bad allocation count " + put;
                }
                CharsetDecoder decoder = SnapshotCodec.ownerDecoder();
                for (int i = 0; i < put; i++) {
                    long address = Integer.toUnsignedLong(in.getInt());
                    switch (SnapshotCodec.readOwner(in, decoder)) {
                        case Decoding.Decoded<String>(String owner) -> allocations.put(address, owner);
                        case Decoding.Refused<String>(String reason) -> {
                            return reason;
                        }
                    }
                }
                if (in.hasRemaining()) {
                    return in.remaining() + " trailing bytes";
                }
                return null;
            } catch (BufferUnderflowException e) {
                return "truncated";
            }
        }

        /** An allocation outside the ring's universe (the allocator indexes addresses from its start), or null. */
        String outsideUniverse() {
            if (allocations.isEmpty()) {
                return null;
            }
            AddressRange universe = ring.universe();
            // the universe is one range and the allocations are sorted: the lowest and the highest decide
            long outside = !universe.contains(allocations.firstKey()) ? allocations.firstKey() : allocations.lastKey();
            return universe.contains(outside) ? null
                    : "allocation " + AddressRange.format(outside) + " outside " + universe;
        }

        Snapshot snapshot() {
            return new Snapshot(base.self(), ring, acceptor, allocations);
        }
    }

    private static boolean zeros(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static int lastFour(byte[] bytes) {
        return bytes.length < 4 ? 0 : ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
    }

    private static int crc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }
}

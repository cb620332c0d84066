package weft.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import weft.gossip.PeerName;
import weft.gossip.channel.Gossip;
import weft.gossip.channel.EncodingGossip;
import weft.gossip.channel.GossipData;
import weft.gossip.wire.Decoding;

/**
 * What the allocator reads from peers, from its files and from operators: {@code ipam} channel payloads (as
 * {@link IpamCodec} decodes them, and as the allocator takes them from the mesh), the snapshot and the journal the
 * router restores the allocator from at start, and address ranges written as text.
 *
 * <p>A finding is anything but the documented refusal: a {@link Decoding.Refused} from a decoder (the allocator counts
 * it and drops the payload; the router refuses to start on a refused snapshot, saying why), an
 * {@link IllegalArgumentException} with a message from {@link AddressRange#parse}. Any other exception, a hang or an
 * allocation out of proportion to the input is a bug; so is a decoded value that does not survive its own encoding.
 */
class IpamFuzzTest {
    private static final PeerName A = new PeerName(0x0a);
    private static final PeerName B = new PeerName(0x0b);
    private static final AddressRange UNIVERSE = AddressRange.parse("10.32.0.0/24");
    private static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2026-01-01T00:00:00Z"));
    private static final Gossip MESH = EncodingGossip.INSTANCE;
    /** The snapshot the fuzzed journals extend. */
    private static final Snapshot JOURNAL_BASE = SnapshotCodecTest.sample();

    /** Saves as {@link SnapshotFile} does, but to nothing: the encoding is what could fail. */
    private static final Persistence DISK = snapshot -> {
        SnapshotCodec.encode(snapshot);
        return Optional.empty();
    };

    @FuzzTest
    void ipamMessage(byte[] bytes) {
        if (IpamCodec.decode(bytes) instanceof Decoding.Decoded<IpamMessage>(IpamMessage message)) {
            assertEquals(new Decoding.Decoded<>(message), IpamCodec.decode(IpamCodec.encode(message)));
        }
    }

    /**
     * A payload from peer B as the mesh hands it to A's allocator, once per way it can arrive: to an allocator that
     * shares a ring seeded between A and B, and to one still voting for its first ring. What the allocator answers is
     * encoded, as the mesh would to pass it on.
     */
    @FuzzTest
    void ipamGossip(byte[] payload) {
        for (InitMode init : List.of(new InitMode.Seed(List.of(A, B)), new InitMode.Consensus(2))) {
            Allocator a = new Allocator(A, new AllocatorConfig(UNIVERSE, UNIVERSE, init, Duration.ofSeconds(10)),
                    Optional.empty(), CLOCK, new SplittableRandom(1), DISK, g -> MESH);
            a.onUnicast(B, payload);
            relay(a.onBroadcast(B, payload));
            relay(a.onGossip(payload));
            a.onUnicastRefused(B, payload, "the queue to next hop " + B + " is full");
            a.tick();
        }
    }

    /**
     * A snapshot file as the router loads it at start ({@link SnapshotFile#load} hands the file's bytes to
     * {@link SnapshotCodec#decode}), and the allocator restored from what it decodes, as the router whose
     * snapshot it is would restore it.
     */
    @FuzzTest
    void snapshot(byte[] file) {
        restore(file);
        // the checksum stops almost every mutated file at the door; decode it again as if a router had written it
        if (file.length >= Integer.BYTES) {
            restore(withChecksum(file));
        }
    }

    /**
     * The journal the router replays onto its snapshot at start ({@link JournaledSnapshot#load}), as records after a
     * header naming a fixed snapshot, each record's checksum fixed up so that mutations get past it; and the bytes as
     * a whole journal. What replays must be a snapshot the allocator restores from.
     */
    @FuzzTest
    void journal(byte[] records) {
        byte[] base = SnapshotCodec.encode(JOURNAL_BASE);
        byte[] header = JournalCodec.header(base);
        byte[] journal = Arrays.copyOf(header, header.length + records.length);
        System.arraycopy(records, 0, journal, header.length, records.length);
        replay(base, withRecordChecksums(journal, header.length));
        replay(base, records);
    }

    @FuzzTest
    void addressRange(byte[] bytes) {
        AddressRange range;
        try {
            range = AddressRange.parse(new String(bytes, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException refused) {
            assertFalse(refused.getMessage() == null || refused.getMessage().isBlank(), "a refusal without a reason");
            return;
        }
        assertEquals(range, AddressRange.parse(range.toString()));
    }

    private static void relay(GossipData data) {
        if (data != null) {
            data.encode();
        }
    }

    private static void restore(byte[] file) {
        if (!(SnapshotCodec.decode(file) instanceof Decoding.Decoded<Snapshot>(Snapshot snapshot))) {
            return;
        }
        assertEquals(new Decoding.Decoded<>(snapshot), SnapshotCodec.decode(SnapshotCodec.encode(snapshot)));
        AddressRange universe = snapshot.ring().universe();
        new Allocator(snapshot.self(), new AllocatorConfig(universe, universe, new InitMode.Consensus(1),
                Duration.ofSeconds(10)), Optional.of(snapshot), CLOCK, new SplittableRandom(1), DISK,
                g -> MESH).tick();
    }

    private static void replay(byte[] base, byte[] journal) {
        if (JournalCodec.replay(base, JOURNAL_BASE, journal) instanceof Decoding.Decoded<JournalCodec.Replay>(
                JournalCodec.Replayed replayed)) {
            restore(SnapshotCodec.encode(replayed.snapshot()));
        }
    }

    /** {@code journal} with each record's checksum (after its length and body) made right, as far as lengths allow. */
    private static byte[] withRecordChecksums(byte[] journal, int from) {
        ByteBuffer out = ByteBuffer.wrap(journal);
        for (int at = from; at + 8 <= journal.length; ) {
            int body = out.getInt(at);
            if (body < 0 || body > journal.length - at - 8) {
                break;
            }
            CRC32C crc = new CRC32C();
            crc.update(journal, at + 4, body);
            out.putInt(at + 4 + body, (int) crc.getValue());
            at += 8 + body;
        }
        return journal;
    }

    /** {@code file} with its last four bytes replaced by the CRC32C of the rest, as {@link SnapshotCodec} writes it. */
    private static byte[] withChecksum(byte[] file) {
        byte[] fixed = Arrays.copyOf(file, file.length);
        CRC32C crc = new CRC32C();
        crc.update(fixed, 0, fixed.length - Integer.BYTES);
        ByteBuffer.wrap(fixed).putInt(fixed.length - Integer.BYTES, (int) crc.getValue());
        return fixed;
    }
}

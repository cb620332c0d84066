package weft.ipam;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import weft.gossip.wire.Decoding;

/**
 * The allocator's persistence in the router: a snapshot file written whole now and then, and between two of those a
 * journal to which each save appends what changed ({@link SnapshotChange}, framed by {@link JournalCodec}) and
 * fsyncs it. A save then costs the change — an allocation is about a hundred bytes and one fsync — instead of every
 * allocation the peer holds and the four steps of a crash-safe rewrite. When the journal has grown past the snapshot
 * (and at least {@value #MIN_COMPACTION_BYTES} bytes), the next save compacts: the whole state into the snapshot file,
 * then a new empty journal naming it, each written crash-safely; so what a save writes stays proportional to the
 * change, amortised.
 *
 * <p>The snapshot file keeps the format of {@link SnapshotCodec}, which the previous release reads and writes. That
 * release ignores the journal: {@link #checkpoint} (a clean stop) compacts, so that a downgrade after a clean stop
 * loses nothing; and a journal left beside a snapshot that a release without journal wrote later is recognised as
 * stale by the snapshot it names and ignored.
 *
 * <p>Crash safety: a save that returned has its change on disk; a crash during an append leaves a torn last record,
 * which loading drops (that save never returned, so nothing that depended on it left the peer); a crash during a
 * compaction leaves the old snapshot with its journal or the new snapshot with a journal that names the old one.
 * After a failed save, or a torn tail found at load, the next save compacts rather than append after bad bytes.
 *
 * <p>Not thread-safe: {@link #load} on the thread that starts the allocator, then {@link #save} and
 * {@link #checkpoint} on one thread at a time (the {@link SnapshotWriter}'s, which is started after the load).
 */
public final class JournaledSnapshot implements Persistence {
    private static final System.Logger LOG = System.getLogger(JournaledSnapshot.class.getName());
    /** Below this the journal is never compacted: a small snapshot would otherwise be rewritten every few saves. */
    public static final int MIN_COMPACTION_BYTES = 64 * 1024;

    private final Path snapshotFile;
    private final Path journalFile;
    private final SnapshotFile.FileOps ops;
    private final long minCompactionBytes;
    private Snapshot saved; // the state the files hold, once loaded or saved
    private long snapshotBytes;
    private long journalBytes;
    private int records;
    private boolean compactNext = true; // nothing known on disk yet, or bytes there that must not be appended to

    public JournaledSnapshot(Path snapshotFile, Path journalFile, SnapshotFile.FileOps ops) {
        this(snapshotFile, journalFile, ops, MIN_COMPACTION_BYTES);
    }

    /** @param minCompactionBytes the journal size below which it is never compacted (small in tests) */
    JournaledSnapshot(Path snapshotFile, Path journalFile, SnapshotFile.FileOps ops, long minCompactionBytes) {
        this.snapshotFile = snapshotFile.toAbsolutePath();
        this.journalFile = journalFile.toAbsolutePath();
        this.ops = ops;
        this.minCompactionBytes = minCompactionBytes;
    }

    /**
     * The saved state: the snapshot with the journal replayed onto it; empty when there is no snapshot yet; or why
     * the files cannot be used (the caller stops and says so, keeping them for inspection).
     */
    public Decoding<Optional<Snapshot>> load() {
        Optional<byte[]> snapshotBytes;
        Optional<byte[]> journal;
        try {
            snapshotBytes = ops.read(snapshotFile);
            journal = ops.read(journalFile);
        } catch (IOException e) {
            return new Decoding.Refused<>("reading " + snapshotFile + " or " + journalFile + " failed: " + e.getMessage());
        }
        if (snapshotBytes.isEmpty()) {
            journal.ifPresent(j -> LOG.log(System.Logger.Level.WARNING, journalFile + " has no snapshot "
                    + snapshotFile + " to extend; ignored"));
            return new Decoding.Decoded<>(Optional.empty());
        }
        Snapshot base;
        switch (SnapshotCodec.decode(snapshotBytes.get())) {
            case Decoding.Decoded<Snapshot>(Snapshot s) -> base = s;
            case Decoding.Refused<Snapshot>(String reason) -> {
                return new Decoding.Refused<>(snapshotFile + ": " + reason);
            }
        }
        this.snapshotBytes = snapshotBytes.get().length;
        if (journal.isEmpty()) {
            saved = base; // from a release without journal, or a compaction that crashed before the journal
            return new Decoding.Decoded<>(Optional.of(base));
        }
        switch (JournalCodec.replay(snapshotBytes.get(), base, journal.get())) {
            case Decoding.Refused<JournalCodec.Replay>(String reason) -> {
                return new Decoding.Refused<>(journalFile + ": " + reason);
            }
            case Decoding.Decoded<JournalCodec.Replay>(JournalCodec.Stale(String reason)) -> {
                LOG.log(System.Logger.Level.INFO, journalFile + " ignored: " + reason);
                saved = base;
            }
            case Decoding.Decoded<JournalCodec.Replay>(JournalCodec.Replayed replayed) -> {
                saved = replayed.snapshot();
                records = replayed.records();
                journalBytes = replayed.validLength();
                compactNext = replayed.tornTail().isPresent();
                replayed.tornTail().ifPresent(torn -> LOG.log(System.Logger.Level.WARNING, journalFile
                        + ": dropped " + torn + " (a save cut short by a crash); the next save rewrites the snapshot"));
            }
        }
        return new Decoding.Decoded<>(Optional.of(saved));
    }

    @Override
    public Optional<String> save(Snapshot snapshot) {
        try {
            if (compactNext || saved == null || !saved.self().equals(snapshot.self())) {
                compact(snapshot);
                return Optional.empty();
            }
            SnapshotChange change = SnapshotChange.between(saved, snapshot);
            if (change.isEmpty()) {
                return Optional.empty();
            }
            byte[] record = JournalCodec.record(records + 1, change);
            if (journalBytes + record.length > Math.max(minCompactionBytes, snapshotBytes)) {
                compact(snapshot);
                return Optional.empty();
            }
            compactNext = true; // until the record is durable: a failure may leave part of it
            ops.append(journalFile, record);
            ops.fsync(journalFile);
            compactNext = false;
            journalBytes += record.length;
            records++;
            saved = snapshot;
            return Optional.empty();
        } catch (IOException e) {
            compactNext = true;
            LOG.log(System.Logger.Level.WARNING, "could not save ipam state to " + snapshotFile + " and " + journalFile
                    + ": " + e);
            return Optional.of("saving " + snapshotFile + " failed: " + e.getMessage());
        }
    }

    /** Writes the whole state into the snapshot file, where a release without journal finds it (a clean stop). */
    @Override
    public Optional<String> checkpoint() {
        if (saved == null || (records == 0 && !compactNext)) {
            return Optional.empty();
        }
        try {
            compact(saved);
            return Optional.empty();
        } catch (IOException e) {
            compactNext = true;
            return Optional.of("checkpointing " + snapshotFile + " failed: " + e.getMessage());
        }
    }

    /** The whole state into the snapshot file, then a new empty journal that names it: each crash-safely, in order. */
    private void compact(Snapshot snapshot) throws IOException {
        compactNext = true;
        byte[] whole = SnapshotCodec.encode(snapshot);
        SnapshotFile.replace(ops, snapshotFile, whole);
        // from here the old journal names another snapshot: a crash now loads the new snapshot alone
        saved = snapshot;
        snapshotBytes = whole.length;
        records = 0;
        byte[] header = JournalCodec.header(whole);
        SnapshotFile.replace(ops, journalFile, header);
        journalBytes = header.length;
        compactNext = false;
    }
}

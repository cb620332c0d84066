package weft.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import weft.gossip.wire.Decoding;

class JournaledSnapshotTest {
    private static final Path SNAPSHOT = Path.of("/data/weft/ipam.snapshot");
    private static final Path JOURNAL = Path.of("/data/weft/ipam.journal");
    private static final long BASE = AddressRange.parseAddress("10.32.0.0");
    private static final Snapshot START = SnapshotCodecTest.sample();
    private static final Ring OTHER_RING = Ring.seeded(RingTest.UNIVERSE, RingId.ofSeeds(List.of(IpamCodecTest.A)));

    /** The states a peer goes through: allocations, releases, a new owner, a ring and an acceptor change, seeded. */
    static List<Snapshot> history(long seed, int steps) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Snapshot> states = new ArrayList<>();
        Snapshot s = START;
        for (int i = 0; i < steps; i++) {
            TreeMap<Long, String> allocations = new TreeMap<>(s.allocations());
            Ring ring = s.ring();
            AcceptorState acceptor = s.acceptor();
            int what = random.nextInt(10);
            if (what < 5 || allocations.isEmpty()) {
                allocations.put(BASE + random.nextInt(4096), "container-" + i);
            } else if (what < 8) {
                Long above = allocations.ceilingKey(BASE + random.nextInt(4096));
                allocations.remove(above == null ? allocations.firstKey() : above);
            } else if (what == 8) {
                allocations.put(allocations.firstKey(), "owner-" + i); // another owner for the same address
            } else {
                ring = ring == OTHER_RING ? START.ring() : OTHER_RING;
                acceptor = new AcceptorState(new Ballot(i, IpamCodecTest.A), Ballot.NONE, List.of());
            }
            s = new Snapshot(s.self(), ring, acceptor, allocations);
            states.add(s);
        }
        return states;
    }

    @Test
    void shouldLoadEverySavedStateAcrossAppendsAndCompactions(@TempDir Path dir) throws IOException {
        Path snapshot = dir.resolve("ipam.snapshot");
        Path journal = dir.resolve("ipam.journal");
        JournaledSnapshot store = new JournaledSnapshot(snapshot, journal, SnapshotFile.SYSTEM, 2048);
        assertEquals(new Decoding.Decoded<>(Optional.empty()), store.load());
        int compactions = 0;
        long lastJournal = 0;
        List<Snapshot> states = history(7, 400);
        for (int i = 0; i < states.size(); i++) {
            assertEquals(Optional.empty(), store.save(states.get(i)));
            long size = Files.size(journal);
            compactions += size < lastJournal ? 1 : 0;
            lastJournal = size;
            if (i % 37 == 0) {
                JournaledSnapshot reopened = new JournaledSnapshot(snapshot, journal, SnapshotFile.SYSTEM, 2048);
                assertEquals(new Decoding.Decoded<>(Optional.of(states.get(i))), reopened.load(), "after save " + i);
                store = reopened; // the next saves go on from what was loaded
            }
        }
        assertTrue(compactions >= 3, "the journal was compacted " + compactions + " times");
        assertEquals(List.of(journal, snapshot), Files.list(dir).sorted().toList());
    }

    @Test
    void shouldAppendOnlyWhatChangedAtTenThousandAllocations(@TempDir Path dir) throws IOException {
        Path snapshot = dir.resolve("ipam.snapshot");
        Path journal = dir.resolve("ipam.journal");
        JournaledSnapshot store = new JournaledSnapshot(snapshot, journal, SnapshotFile.SYSTEM);
        TreeMap<Long, String> allocations = new TreeMap<>();
        for (int i = 0; i < 10_000; i++) {
            allocations.put(BASE + i, "%064x".formatted(i));
        }
        Snapshot full = new Snapshot(START.self(), START.ring(), START.acceptor(), allocations);
        assertEquals(Optional.empty(), store.save(full));
        long snapshotSize = Files.size(snapshot);
        long journalSize = Files.size(journal);
        allocations.put(BASE + 10_000, "%064x".formatted(10_000));
        Snapshot more = new Snapshot(START.self(), START.ring(), START.acceptor(), allocations);
        assertEquals(Optional.empty(), store.save(more));
        assertEquals(snapshotSize, Files.size(snapshot), "the snapshot file is not rewritten");
        long record = Files.size(journal) - journalSize;
        assertTrue(record > 64 && record < 100, "one allocation appends " + record + " bytes");
        assertEquals(new Decoding.Decoded<>(Optional.of(more)),
                new JournaledSnapshot(snapshot, journal, SnapshotFile.SYSTEM).load());
    }

    /**
     * Every crash point of a series of saves that appends and compacts, with and without a torn append: what loads
     * is the state of the last save that returned, or of the one under way; and saving on from it works.
     */
    @Test
    void shouldLoadTheLastSavedOrTheNextStateAfterACrashAtAnyStep() {
        List<Snapshot> states = history(11, 60);
        for (int torn : new int[] {0, 1, 5, 40}) {
            for (int crashAt = 0; ; crashAt++) {
                SnapshotFileTest.CrashingFileSystem fs = new SnapshotFileTest.CrashingFileSystem();
                fs.tornBytes = torn;
                fs.crashAtStep = crashAt;
                JournaledSnapshot store = new JournaledSnapshot(SNAPSHOT, JOURNAL, fs, 600);
                int returned = -1; // the last save that returned
                for (Snapshot state : states) {
                    if (store.save(state).isPresent()) {
                        break;
                    }
                    returned++;
                }
                if (returned == states.size() - 1) {
                    break; // no step left to crash at
                }
                String where = "crash at step " + crashAt + ", torn " + torn;
                JournaledSnapshot reopened = new JournaledSnapshot(SNAPSHOT, JOURNAL, fs, 600);
                Decoding<Optional<Snapshot>> loaded = reopened.load();
                List<Optional<Snapshot>> allowed = new ArrayList<>();
                allowed.add(returned < 0 ? Optional.empty() : Optional.of(states.get(returned)));
                allowed.add(Optional.of(states.get(returned + 1)));
                assertTrue(loaded instanceof Decoding.Decoded<Optional<Snapshot>>(Optional<Snapshot> s)
                        && allowed.contains(s), where + ": loaded " + loaded);
                assertEquals(Optional.empty(), reopened.save(states.getLast()), where);
                assertEquals(new Decoding.Decoded<>(Optional.of(states.getLast())),
                        new JournaledSnapshot(SNAPSHOT, JOURNAL, fs, 600).load(), where + ", saved on");
            }
        }
    }

    @Test
    void shouldIgnoreAJournalThatNamesAnotherSnapshot(@TempDir Path dir) throws IOException {
        Path snapshot = dir.resolve("ipam.snapshot");
        Path journal = dir.resolve("ipam.journal");
        List<Snapshot> states = history(3, 20);
        JournaledSnapshot store = new JournaledSnapshot(snapshot, journal, SnapshotFile.SYSTEM);
        states.forEach(store::save);
        // a release without journal runs on this data directory and writes its snapshot
        new SnapshotFile(snapshot, SnapshotFile.SYSTEM).write(states.get(4));
        assertEquals(new Decoding.Decoded<>(Optional.of(states.get(4))),
                new JournaledSnapshot(snapshot, journal, SnapshotFile.SYSTEM).load());
    }

    @Test
    void shouldLeaveTheWholeStateInTheSnapshotFileAtACheckpoint(@TempDir Path dir) throws IOException {
        Path snapshot = dir.resolve("ipam.snapshot");
        Path journal = dir.resolve("ipam.journal");
        List<Snapshot> states = history(5, 30);
        JournaledSnapshot store = new JournaledSnapshot(snapshot, journal, SnapshotFile.SYSTEM);
        states.forEach(store::save);
        assertTrue(Files.size(journal) > JournalCodec.HEADER_BYTES, "the saves went to the journal");
        assertEquals(Optional.empty(), store.checkpoint());
        // what a release without journal reads
        assertEquals(new Decoding.Decoded<>(Optional.of(states.getLast())),
                new SnapshotFile(snapshot, SnapshotFile.SYSTEM).load());
        assertEquals(JournalCodec.HEADER_BYTES, Files.size(journal));
        assertEquals(new Decoding.Decoded<>(Optional.of(states.getLast())),
                new JournaledSnapshot(snapshot, journal, SnapshotFile.SYSTEM).load());
    }

    @Test
    void shouldRefuseACorruptRecordThatIsNotTheLastAndDropATornLastOne(@TempDir Path dir) throws IOException {
        Path snapshot = dir.resolve("ipam.snapshot");
        Path journal = dir.resolve("ipam.journal");
        List<Snapshot> states = history(9, 3);
        JournaledSnapshot store = new JournaledSnapshot(snapshot, journal, SnapshotFile.SYSTEM);
        states.forEach(store::save); // the first compacts, the other two append
        byte[] good = Files.readAllBytes(journal);
        byte[] corrupt = good.clone();
        corrupt[JournalCodec.HEADER_BYTES + 9] ^= 1;
        Files.write(journal, corrupt);
        Decoding<Optional<Snapshot>> refused = new JournaledSnapshot(snapshot, journal, SnapshotFile.SYSTEM).load();
        assertTrue(refused instanceof Decoding.Refused<Optional<Snapshot>>(String reason)
                && reason.contains("corrupt at byte " + JournalCodec.HEADER_BYTES), refused.toString());
        Files.write(journal, Arrays.copyOf(good, good.length - 3));
        JournaledSnapshot torn = new JournaledSnapshot(snapshot, journal, SnapshotFile.SYSTEM);
        assertEquals(new Decoding.Decoded<>(Optional.of(states.get(1))), torn.load());
        assertEquals(Optional.empty(), torn.save(states.get(2)));
        assertEquals(new Decoding.Decoded<>(Optional.of(states.get(2))),
                new JournaledSnapshot(snapshot, journal, SnapshotFile.SYSTEM).load());
        Files.write(journal, new byte[] {1, 2, 3});
        assertInstanceOf(Decoding.Refused.class, new JournaledSnapshot(snapshot, journal, SnapshotFile.SYSTEM).load());
    }

    @Test
    void shouldWriteTheNextSaveWholeAfterAFailedAppend() {
        SnapshotFileTest.CrashingFileSystem fs = new SnapshotFileTest.CrashingFileSystem();
        List<Snapshot> states = history(13, 4);
        JournaledSnapshot store = new JournaledSnapshot(SNAPSHOT, JOURNAL, fs);
        assertEquals(Optional.empty(), store.save(states.get(0)));
        fs.crashAtStep = fs.steps + 1; // the append lands, its fsync fails
        assertTrue(store.save(states.get(1)).isPresent());
        fs.crashAtStep = -1;
        assertEquals(Optional.empty(), store.save(states.get(2)));
        assertEquals(new Decoding.Decoded<>(Optional.of(states.get(2))), new JournaledSnapshot(SNAPSHOT, JOURNAL, fs).load());
        assertFalse(states.get(1).equals(states.get(2)));
    }
}

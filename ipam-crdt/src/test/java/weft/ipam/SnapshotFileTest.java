package weft.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import weft.gossip.wire.Decoding;

class SnapshotFileTest {
    /**
     * A file system that loses what was not made durable when it crashes: file contents need an fsync of
     * the file, names (create, rename) need an fsync of the directory. Crashes at a chosen step.
     */
    static final class CrashingFileSystem implements SnapshotFile.FileOps {
        static final class CrashException extends IOException {
            CrashException() {
                super("simulated crash");
            }
        }

        private static final class Inode {
            byte[] data;
            byte[] durable; // null: never synced, reads back empty after a crash
        }

        private final Map<Path, Inode> names = new HashMap<>();
        private final Map<Path, Inode> durableNames = new HashMap<>();
        int crashAtStep = -1;
        int steps;
        /** How many bytes appended since a file's last fsync survive a crash (a torn append); 0: none. */
        int tornBytes;

        private void step() throws IOException {
            if (steps++ == crashAtStep) {
                crash();
                throw new CrashException();
            }
        }

        void crash() {
            names.clear();
            names.putAll(durableNames);
            for (Inode inode : names.values()) {
                byte[] durable = inode.durable == null ? new byte[0] : inode.durable;
                boolean appended = inode.data.length > durable.length
                        && Arrays.equals(inode.data, 0, durable.length, durable, 0, durable.length);
                inode.data = appended && tornBytes > 0
                        ? Arrays.copyOf(inode.data, Math.min(inode.data.length, durable.length + tornBytes)) : durable;
                inode.durable = inode.data;
            }
        }

        @Override
        public void write(Path path, byte[] bytes) throws IOException {
            step();
            Inode inode = new Inode();
            inode.data = bytes.clone();
            names.put(path, inode);
        }

        @Override
        public void append(Path path, byte[] bytes) throws IOException {
            step();
            Inode inode = names.get(path);
            if (inode == null) {
                throw new NoSuchFileException(path.toString());
            }
            byte[] longer = Arrays.copyOf(inode.data, inode.data.length + bytes.length);
            System.arraycopy(bytes, 0, longer, inode.data.length, bytes.length);
            inode.data = longer;
        }

        @Override
        public void fsync(Path path) throws IOException {
            step();
            Inode inode = names.get(path);
            inode.durable = inode.data;
        }

        @Override
        public void atomicMove(Path from, Path to) throws IOException {
            step();
            names.put(to, names.remove(from));
        }

        @Override
        public void fsyncDirectory(Path directory) throws IOException {
            step();
            durableNames.clear();
            durableNames.putAll(names);
        }

        @Override
        public Optional<byte[]> read(Path path) {
            Inode inode = names.get(path);
            return inode == null ? Optional.empty() : Optional.of(inode.data);
        }
    }

    static Snapshot version(int n) {
        Snapshot base = SnapshotCodecTest.sample();
        TreeMap<Long, String> allocations = new TreeMap<>(base.allocations());
        allocations.put(AddressRange.parseAddress("10.32.1.0") + n, "container-" + n);
        return new Snapshot(base.self(), base.ring(), base.acceptor(), allocations);
    }

    @Test
    void shouldReadBackTheOldOrTheNewSnapshotAfterACrashBetweenAnyTwoSteps() throws IOException {
        Path file = Path.of("/data/weft/ipam.snapshot");
        for (int crashAt = 0; crashAt <= 4; crashAt++) {
            CrashingFileSystem fs = new CrashingFileSystem();
            SnapshotFile snapshots = new SnapshotFile(file, fs);
            snapshots.write(version(1));
            fs.crashAtStep = fs.steps + crashAt;
            if (crashAt < 4) {
                assertThrows(CrashingFileSystem.CrashException.class, () -> snapshots.write(version(2)));
            } else {
                snapshots.write(version(2));
                fs.crash(); // power lost right after the last fsync
            }
            Decoding<Optional<Snapshot>> loaded = new SnapshotFile(file, fs).load();
            Snapshot expected = crashAt < 4 ? version(1) : version(2);
            assertEquals(new Decoding.Decoded<>(Optional.of(expected)), loaded, "crash before step " + crashAt);
        }
    }

    @Test
    void shouldLoseTheFirstSnapshotToACrashOnlyAsNothingNotAsGarbage() throws IOException {
        Path file = Path.of("/data/weft/ipam.snapshot");
        for (int crashAt = 0; crashAt < 4; crashAt++) {
            CrashingFileSystem fs = new CrashingFileSystem();
            fs.crashAtStep = crashAt;
            assertThrows(IOException.class, () -> new SnapshotFile(file, fs).write(version(1)));
            assertEquals(new Decoding.Decoded<>(Optional.empty()), new SnapshotFile(file, fs).load());
        }
    }

    @Test
    void shouldWriteAndLoadOnTheRealFileSystem(@TempDir Path dir) throws IOException {
        SnapshotFile snapshots = new SnapshotFile(dir.resolve("ipam.snapshot"), SnapshotFile.SYSTEM);
        assertEquals(new Decoding.Decoded<>(Optional.empty()), snapshots.load());
        assertEquals(Optional.empty(), snapshots.save(version(1)));
        assertEquals(Optional.empty(), snapshots.save(version(2)));
        assertEquals(new Decoding.Decoded<>(Optional.of(version(2))), snapshots.load());
        assertEquals(List.of(dir.resolve("ipam.snapshot")), Files.list(dir).toList());
        Files.write(dir.resolve("ipam.snapshot"), new byte[] {1, 2, 3});
        assertTrue(snapshots.load() instanceof Decoding.Refused<Optional<Snapshot>>(String reason) && reason.contains("too short"));
    }
}

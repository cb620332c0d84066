package weft.ipam;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import weft.gossip.wire.Decoding;

/**
 * A snapshot file written crash-safely: write {@code <file>.tmp}, fsync it, rename it over the file
 * atomically, fsync the directory. A crash between any two steps leaves either the old or the new
 * snapshot under the file's name, never a mix or nothing (a stray temp file is overwritten next time).
 *
 * <p>Not thread-safe: used by one thread at a time (the {@link SnapshotWriter}'s, or the allocator's when saves
 * are inline). Blocks for the file system.
 */
public final class SnapshotFile implements Persistence {
    private static final System.Logger LOG = System.getLogger(SnapshotFile.class.getName());

    /** The file-system steps, a seam so tests can crash between any two of them. */
    public interface FileOps {
        void write(Path path, byte[] bytes) throws IOException;

        /** Appends to an existing file (a missing one is an error); durable only after {@link #fsync}. */
        void append(Path path, byte[] bytes) throws IOException;

        void fsync(Path path) throws IOException;

        void atomicMove(Path from, Path to) throws IOException;

        void fsyncDirectory(Path directory) throws IOException;

        /** The file's bytes, or empty when there is no such file. */
        Optional<byte[]> read(Path path) throws IOException;
    }

    /** The real file system. */
    public static final FileOps SYSTEM = new FileOps() {
        @Override
        public void write(Path path, byte[] bytes) throws IOException {
            Files.write(path, bytes, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
        }

        @Override
        public void append(Path path, byte[] bytes) throws IOException {
            Files.write(path, bytes, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        }

        @Override
        public void fsync(Path path) throws IOException {
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
        }

        @Override
        public void atomicMove(Path from, Path to) throws IOException {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        @Override
        public void fsyncDirectory(Path directory) throws IOException {
            try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
                channel.force(true); // Linux syncs the directory entries; the rename is durable after this
            }
        }

        @Override
        public Optional<byte[]> read(Path path) throws IOException {
            try {
                return Optional.of(Files.readAllBytes(path));
            } catch (NoSuchFileException e) {
                return Optional.empty();
            }
        }
    };

    private final Path file;
    private final FileOps ops;

    public SnapshotFile(Path file, FileOps ops) {
        this.file = file.toAbsolutePath();
        this.ops = ops;
    }

    /** Writes {@code snapshot} durably: temp, fsync, atomic rename, fsync directory. */
    public void write(Snapshot snapshot) throws IOException {
        replace(ops, file, SnapshotCodec.encode(snapshot));
    }

    /**
     * Puts {@code bytes} under {@code file}'s name crash-safely: write {@code <file>.tmp}, fsync it, rename it over
     * the file, fsync the directory. After a crash the name holds the old bytes or the new ones.
     */
    static void replace(FileOps ops, Path file, byte[] bytes) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        ops.write(temp, bytes);
        ops.fsync(temp);
        ops.atomicMove(temp, file);
        ops.fsyncDirectory(file.getParent());
    }

    @Override
    public Optional<String> save(Snapshot snapshot) {
        try {
            write(snapshot);
            return Optional.empty();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not save ipam snapshot to " + file + ": " + e);
            return Optional.of("saving " + file + " failed: " + e.getMessage());
        }
    }

    /**
     * The saved snapshot: empty when there is none yet, or the reason the file cannot be used (the
     * caller logs it and starts without, keeping the file for inspection).
     */
    public Decoding<Optional<Snapshot>> load() {
        Optional<byte[]> bytes;
        try {
            bytes = ops.read(file);
        } catch (IOException e) {
            return new Decoding.Refused<>("reading " + file + " failed: " + e.getMessage());
        }
        if (bytes.isEmpty()) {
            return new Decoding.Decoded<>(Optional.empty());
        }
        return switch (SnapshotCodec.decode(bytes.get())) {
            case Decoding.Decoded<Snapshot>(Snapshot s) -> new Decoding.Decoded<>(Optional.of(s));
            case Decoding.Refused<Snapshot>(String reason) -> new Decoding.Refused<>(file + ": " + reason);
        };
    }
}

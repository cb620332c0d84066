package weft.router;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.OptionalLong;

/**
 * A router's claim on its data directory: an exclusive lock on {@code router.lock}, held while the router runs, so
 * that two routers never share state. The lock file also records the holder's pid for error messages. The kernel
 * drops the lock when the process dies, so a crash never leaves the directory claimed.
 */
public final class DataDirectory implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirectory(Path path, FileChannel channel, FileLock lock) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
    }

    /** Claims {@code path}, creating it if needed; fails with a message naming the current holder. */
    public static DataDirectory claim(Path path) throws IOException {
        create(path);
        FileChannel channel = FileChannel.open(path.resolve("router.lock"), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            String holder = holderOf(channel);
            channel.close();
            throw new IllegalStateException("a router is already running with data directory " + path + holder);
        }
        channel.truncate(0);
        channel.write(StandardCharsets.US_ASCII.encode(ProcessHandle.current().pid() + "\n"), 0);
        channel.force(true);
        return new DataDirectory(path, channel, lock);
    }

    /**
     * Creates the directory, if missing, readable by its owner only (mode 0700, whatever the umask): it holds the
     * peer's identity, its allocations and the API token. An existing empty one is made so too: it was made for
     * Weft (a Kubernetes hostPath that the kubelet creates 0755, a mount point) and holds nothing of anyone's yet. One
     * with files in it that others may enter is left as the operator made it, with a warning.
     */
    public static void create(Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            if (path.getParent() != null) Files.createDirectories(path.getParent());
            Files.createDirectory(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            return;
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
        boolean open = permissions.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"));
        boolean empty;
        try (var entries = Files.list(path)) {
            empty = entries.findAny().isEmpty();
        }
        if (open && empty) {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx------"));
            System.getLogger(DataDirectory.class.getName()).log(System.Logger.Level.INFO, "data directory " + path
                    + " was empty and open to other users (" + PosixFilePermissions.toString(permissions) + "): made it rwx------");
        } else if (open) {
            System.getLogger(DataDirectory.class.getName()).log(System.Logger.Level.WARNING, "data directory " + path
                    + " is open to other users (" + PosixFilePermissions.toString(permissions) + "); chmod 700 " + path + " keeps them out");
        }
    }

    /** Removes the data directory {@code path} and everything in it (a failed launch's, or {@code weft reset}'s). */
    public static void remove(Path path) throws IOException {
        try (var files = Files.walk(path)) {
            for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(file);
        }
    }

    /**
     * True if a running router holds {@code path}. Needs only read access to the lock file, not write access (which
     * only the router's user has): a shared lock, which a file open for reading can take, is refused while the router
     * holds its exclusive one.
     */
    public static boolean inUse(Path path) throws IOException {
        if (!Files.exists(path.resolve("router.lock"))) return false;
        try (FileChannel channel = FileChannel.open(path.resolve("router.lock"), StandardOpenOption.READ)) {
            FileLock lock = channel.tryLock(0, Long.MAX_VALUE, true);
            if (lock == null) return true;
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true; // this JVM holds it: a router runs in this process
        }
    }

    /** The pid recorded by the holder, as text for messages. */
    public static String holderOf(Path path) {
        OptionalLong pid = holderPid(path);
        return pid.isPresent() ? " (pid " + pid.getAsLong() + ")" : "";
    }

    /** The pid the holder recorded, or empty when there is none or it cannot be read. */
    public static OptionalLong holderPid(Path path) {
        try (FileChannel channel = FileChannel.open(path.resolve("router.lock"), StandardOpenOption.READ)) {
            return holderPid(channel);
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    private static String holderOf(FileChannel channel) throws IOException {
        OptionalLong pid = holderPid(channel);
        return pid.isPresent() ? " (pid " + pid.getAsLong() + ")" : "";
    }

    private static OptionalLong holderPid(FileChannel channel) throws IOException {
        var buffer = java.nio.ByteBuffer.allocate(32);
        channel.read(buffer, 0);
        String pid = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
        return pid.matches("\\d{1,18}") ? OptionalLong.of(Long.parseLong(pid)) : OptionalLong.empty();
    }

    public Path path() {
        return path;
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}

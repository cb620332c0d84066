package weft.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Keeps the log {@code weft launch} gives a router ({@code weft.log} in its data directory) from growing without
 * end: once it is larger than a limit, its content moves to {@code weft.log.1} (replacing the one before) and the
 * file is emptied in place. In place, because the router's standard output and error are that file, opened for
 * appending by the launcher: writes go on at its new end. The lines written between the copy and the emptying are
 * lost, as with logrotate's copytruncate.
 *
 * <p>Not thread-safe: one scheduler thread.
 */
final class LogFileRotation {
    private final Path log;
    private final long limitBytes;

    LogFileRotation(Path log, long limitBytes) {
        this.log = log;
        this.limitBytes = limitBytes;
    }

    /** Rotates when the log is over the limit; true when it did. */
    boolean rotateIfLarge() throws IOException {
        if (!Files.isRegularFile(log) || Files.size(log) <= limitBytes) return false;
        Files.copy(log, log.resolveSibling(log.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel channel = FileChannel.open(log, StandardOpenOption.WRITE)) {
            channel.truncate(0);
        }
        return true;
    }
}

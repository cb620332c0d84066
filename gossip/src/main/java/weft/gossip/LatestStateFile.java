package weft.gossip;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * A file that holds the latest state of something several threads change, written with {@link DurableFile}. The
 * writes are serialised, and each takes the state as it is when its turn comes, so the file never ends on an older
 * state than a completed write saw; the callers' own locks need not be held during the I/O, only while
 * {@code state} copies what is to be written.
 *
 * <p>Thread-safe.
 */
public final class LatestStateFile {
    private final Path file;
    private final Object writing = new Object();

    public LatestStateFile(Path file) {
        this.file = file;
    }

    public Path path() {
        return file;
    }

    /** Writes what {@code state} returns when this writer's turn comes; it runs under this file's write lock. */
    public void write(Supplier<byte[]> state) throws IOException {
        synchronized (writing) {
            DurableFile.write(file, state.get());
        }
    }
}

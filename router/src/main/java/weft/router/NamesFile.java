package weft.router;

import weft.dns.NameRecordsData;
import weft.dns.OriginRecords;
import weft.gossip.LatestStateFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * This router's own DNS names on disk ({@code dns.names}, crash-safe): each change is handed over by the mesh loop
 * and written on a thread of its own, which writes whatever is latest when its turn comes. The API waits for the
 * write of its change ({@link #awaitSaved}) before it answers, so a name the user was told is removed stays removed
 * after a crash; a name removed but not yet saved when the router dies would otherwise come back, as the router
 * would win back its older set on the mesh.
 *
 * <p>Thread-safe: {@link #save} is called on the mesh loop, the rest on the API's threads.
 */
final class NamesFile implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NamesFile.class.getName());
    private static final long SAVE_WAIT_SECONDS = 10;
    private final LatestStateFile file;
    private final ExecutorService saver = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("dns-save").daemon().factory());
    private final AtomicReference<byte[]> latest = new AtomicReference<>();
    private volatile CompletableFuture<Void> lastSave = CompletableFuture.completedFuture(null);

    NamesFile(LatestStateFile file) {
        this.file = file;
    }

    /** On the mesh loop: our names after a change, to write. */
    void save(OriginRecords own) {
        latest.set(NameRecordsData.of(own).encode());
        lastSave = CompletableFuture.runAsync(() -> {
            try {
                file.write(latest::get);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "DNS: saving this peer's names in " + file.path() + " failed: " + e.getMessage()
                        + "; they are on the mesh, and will be lost here if the router restarts before a save succeeds");
                throw new UncheckedIOException(e);
            }
        }, saver);
    }

    /** Waits for the writes handed over so far; says in the exception when the last one failed. */
    void awaitSaved() {
        try {
            lastSave.get(SAVE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("done on the mesh, but not saved in " + file.path() + ": " + e.getCause().getMessage()
                    + " (a restart before the next successful save loses it here)", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("done on the mesh, but saving it in " + file.path() + " takes more than " + SAVE_WAIT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while saving the names", e);
        }
    }

    @Override
    public void close() {
        saver.shutdown();
        try {
            if (!saver.awaitTermination(5, TimeUnit.SECONDS)) LOG.log(System.Logger.Level.WARNING, "DNS: the last save of the names did not finish in 5 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

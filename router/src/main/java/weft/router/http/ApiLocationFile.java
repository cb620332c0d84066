package weft.router.http;

import weft.api.ApiCodec;
import weft.api.ApiLocation;
import weft.gossip.DurableFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The router's side of {@link ApiLocation}: {@link #publish} records where its API listens in the data directory,
 * crash-safely, so that a reader sees a whole record or none; {@link #close} removes it when the router stops
 * cleanly. Published by the router once its API listens, while it holds the data directory; not thread-safe.
 */
public final class ApiLocationFile implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ApiLocationFile.class.getName());
    private final Path file;

    private ApiLocationFile(Path file) {
        this.file = file;
    }

    public static ApiLocationFile publish(Path dataDirectory, ApiLocation location, ApiCodec codec) throws IOException {
        Path file = dataDirectory.resolve(ApiLocation.FILE_NAME);
        DurableFile.write(file, codec.writePretty(location));
        return new ApiLocationFile(file);
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a record left behind names an address where nothing answers, which weft reads as no router running
            LOG.log(System.Logger.Level.WARNING, "cannot remove " + file + ": " + e.getMessage());
        }
    }
}

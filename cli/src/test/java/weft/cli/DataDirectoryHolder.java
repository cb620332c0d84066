package weft.cli;

import weft.router.DataDirectory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Another process that holds a data directory as a running router does (its lock, with its pid), for tests of what
 * weft says about it: a lock held by this JVM would not be another process's, and closing any channel on the lock
 * file would drop it (POSIX record locks belong to the process). Close it to end the process.
 */
final class DataDirectoryHolder implements AutoCloseable {
    private final Process process;

    private DataDirectoryHolder(Process process) {
        this.process = process;
    }

    /** Starts a JVM that claims {@code dataDir}; returns once it holds it. */
    static DataDirectoryHolder start(Path dataDir) throws IOException {
        Process process = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), DataDirectoryHolder.class.getName(), dataDir.toString()))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        var lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
        String line = lines.readLine(); // blocks until the child claims or dies; a hang here is the test's timeout
        if (!"held".equals(line)) {
            process.destroyForcibly();
            throw new IllegalStateException("the holder of " + dataDir + " did not start: " + line);
        }
        return new DataDirectoryHolder(process);
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() throws IOException {
        process.getOutputStream().close(); // its end of standard input: it exits
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** In the child: claims the directory, says so, and holds it until standard input ends. */
    public static void main(String[] args) throws IOException {
        try (DataDirectory ignored = DataDirectory.claim(Path.of(args[0]))) {
            System.out.println("held");
            System.out.flush();
            while (System.in.read() >= 0) {
                // holds until the test closes our standard input
            }
        }
    }
}

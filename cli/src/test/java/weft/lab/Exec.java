package weft.lab;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one command to completion, optionally inside a network namespace, for {@link Lab}.
 * Stateless and thread-safe.
 *
 * <p>Output goes to temporary files, not pipes: a command may leave a daemon behind that inherits
 * its stdout ({@code weft launch} does exactly that), and a pipe would then never reach end-of-file.
 * Files also mean a chatty command never blocks on a full pipe.
 */
final class Exec {
    private static final File DEV_NULL = new File("/dev/null");

    private Exec() {}

    /** The command line that runs {@code command} in {@code netns} ({@code null}: as it is). */
    static List<String> inNetns(String netns, List<String> command) {
        if (netns == null) {
            return command;
        }
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        full.addAll(command);
        return full;
    }

    /**
     * Runs {@code command} in {@code netns} with {@code env} added to this JVM's environment; kills it
     * and its descendants if it is still running after {@code timeout}.
     */
    static ExecResult run(String netns, Map<String, String> env, Duration timeout, List<String> command) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("weft-lab-exec-", ".out");
            err = Files.createTempFile("weft-lab-exec-", ".err");
            ProcessBuilder builder = new ProcessBuilder(inNetns(netns, command))
                    .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            boolean timedOut = !waitFor(process, timeout);
            if (timedOut) {
                kill(process);
            }
            return new ExecResult(netns, command, process.exitValue(), read(out), read(err), timeout, timedOut);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command + (netns == null ? "" : " in " + netns), e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /** Kills the process tree at once; waits (bounded) for the process itself to be gone. */
    static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        waitFor(process, Duration.ofSeconds(10));
    }

    private static boolean waitFor(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + process.info().commandLine(), e);
        }
    }

    private static String read(Path file) throws IOException {
        // Not Files.readString: that throws on bytes that are not UTF-8, and commands print anything.
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover temp file in /tmp is harmless; the result matters more
        }
    }
}

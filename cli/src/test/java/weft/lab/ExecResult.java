package weft.lab;

import java.time.Duration;
import java.util.List;

/**
 * How a command run by {@link Lab} ended, with everything it printed. An immutable value.
 *
 * @param netns    the namespace it ran in, or {@code null} for the root namespace
 * @param command  the command as given, without the {@code ip netns exec} around it
 * @param exitCode its exit code; after a timeout, whatever the kill left (usually 137)
 * @param timedOut whether it was still running at {@code timeout} and was killed
 */
public record ExecResult(String netns, List<String> command, int exitCode, String stdout, String stderr,
                         Duration timeout, boolean timedOut) {

    public ExecResult {
        command = List.copyOf(command);
    }

    /** Exited 0 within its timeout. */
    public boolean ok() {
        return exitCode == 0 && !timedOut;
    }

    /** Returns this if {@link #ok()}, else throws an {@link IllegalStateException} saying what happened. */
    public ExecResult orThrow() {
        if (!ok()) {
            throw new IllegalStateException(describe());
        }
        return this;
    }

    /** One line for the outcome, then the tails of stdout and stderr: made for assertion messages. */
    public String describe() {
        String where = netns == null ? "" : " in " + netns;
        String outcome = timedOut ? "timed out after " + timeout + " and was killed" : "exited " + exitCode;
        return "`" + String.join(" ", command) + "`" + where + " " + outcome
                + tail("stdout", stdout) + tail("stderr", stderr);
    }

    @Override
    public String toString() {
        return describe();
    }

    private static String tail(String name, String text) {
        if (text.isBlank()) {
            return "";
        }
        int max = 2000; // enough to see an error, short enough for a test report
        String shown = text.length() > max ? "…" + text.substring(text.length() - max) : text;
        return "\n--- " + name + " ---\n" + shown.stripTrailing();
    }
}

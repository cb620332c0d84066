package weft.cli;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What {@code weft launch} says while the router it started has not answered yet: nothing for the first
 * {@value #QUIET_SECONDS} s (a router usually answers within 1-3), then the router's latest log line each time it
 * changes, so that a start that waits (a slow disk, a busy machine, a kernel module loading) says on what instead of
 * looking hung. Pure; one per launch, used by one thread.
 */
final class StartProgress {
    static final int QUIET_SECONDS = 5;
    private String said = "";

    /**
     * @param elapsedNanos since the router was started
     * @param latestLine   the last line of its log so far, blank when it wrote none
     * @return the line to print, if any
     */
    Optional<String> update(long elapsedNanos, String latestLine) {
        if (elapsedNanos < TimeUnit.SECONDS.toNanos(QUIET_SECONDS) || latestLine.isBlank() || latestLine.equals(said)) return Optional.empty();
        said = latestLine;
        return Optional.of("weft launch: waiting for the router to answer (" + TimeUnit.NANOSECONDS.toSeconds(elapsedNanos)
                + " s); its log says: " + latestLine);
    }
}

package weft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StartProgressTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void aRouterThatAnswersSoonIsNotCommentedOn() {
        StartProgress progress = new StartProgress();
        assertEquals(Optional.empty(), progress.update(0, "starting Weft"));
        assertEquals(Optional.empty(), progress.update(StartProgress.QUIET_SECONDS * SECOND - 1, "loading the vxlan module"));
    }

    @Test
    void afterTheQuietTimeEachNewLogLineIsSaidOnce() {
        StartProgress progress = new StartProgress();
        assertEquals(Optional.of("weft launch: waiting for the router to answer (5 s); its log says: restoring 10000 allocations"),
                progress.update(5 * SECOND, "restoring 10000 allocations"));
        assertEquals(Optional.empty(), progress.update(6 * SECOND, "restoring 10000 allocations"));
        assertEquals(Optional.empty(), progress.update(7 * SECOND, "  "), "a blank log says nothing");
        assertEquals(Optional.of("weft launch: waiting for the router to answer (12 s); its log says: opening the sleeve"),
                progress.update(12 * SECOND + 999, "opening the sleeve"));
    }
}

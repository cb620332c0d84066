package weft.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line's own checks, which must answer before any router is asked. */
class WeftTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    /** Nothing listens on port 1, so any call that reaches for a router fails as unreachable. */
    private final Weft weft = new Weft(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of("WEFT_HTTP_ADDR", "127.0.0.1:1"));

    private int run(String... args) {
        return weft.run(List.of(args));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void everyVerbHasHelp() {
        for (Weft.Verb verb : Weft.VERBS) {
            out.reset();
            assertEquals(0, run(verb.name(), "--help"));
            assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: weft " + verb.name()), verb.name());
        }
    }

    @Test
    void unknownVerbIsAUsageError() {
        assertEquals(2, run("frobnicate"));
        assertTrue(err().contains("unknown command 'frobnicate'"));
    }

    @Test
    void malformedCidrIsRefusedWithOneLine() {
        assertEquals(1, run("attach", "10.32.1/12", "netns:c1"));
        assertEquals("weft attach: invalid CIDR '10.32.1/12': expected a.b.c.d/len, for example 10.32.0.1/12\n", err());
    }

    @Test
    void malformedTargetIsRefused() {
        assertEquals(1, run("attach", "10.32.1.1/12", "netns:../x"));
        assertTrue(err().contains("invalid network namespace name"), err());
    }

    @Test
    void attachWithoutTargetIsAUsageError() {
        assertEquals(2, run("attach"));
    }

    @Test
    void noRouterRunningIsReportedClearly() {
        assertEquals(1, run("status"));
        assertEquals("weft status: no router answers at 127.0.0.1:1 (is it running? 'weft launch' starts one)\n", err());
    }

    @Test
    void badRouterOptionsAreRefusedBeforeAnythingStarts() {
        assertEquals(1, run("launch", "--mtu", "12", "--data-dir", "/nonexistent-weft-test"));
        assertTrue(err().contains("MTU 12 is not in"), err());
        err.reset();
        assertEquals(1, run("launch", "--ipalloc-range", "10.32.0.1/12"));
        assertTrue(err().contains("has host bits set"), err());
        err.reset();
        assertEquals(2, run("launch", "--bogus"));
    }
}

package weft.cli;

import weft.router.Router;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line's own checks, which must answer before any router is asked, and what it says when none answers. */
class WeftTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    /** An empty data directory: no router runs with it. */
    @TempDir
    Path dataDir;
    private Weft weft;

    @BeforeEach
    void weftWhereNothingAnswers() {
        // nothing listens on port 1, so any call that reaches for a router fails as unreachable
        weft = weft(Map.of("WEFT_HTTP_ADDR", "127.0.0.1:1", "WEFT_DATA_DIR", dataDir.toString()));
    }

    private Weft weft(Map<String, String> environment) {
        return new Weft(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), environment);
    }

    private int run(String... args) {
        err.reset();
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
    void envPointsTheDockerClientAtTheProxyAndBackAndConfigGivesItsOption() {
        weft = weft(Map.of("DOCKER_HOST", "unix:///var/run/docker.sock"));
        out.reset();
        assertEquals(0, run("env"));
        assertEquals("export DOCKER_HOST='unix:///var/run/weft/weft.sock' ORIG_DOCKER_HOST='unix:///var/run/docker.sock'\n", out.toString(StandardCharsets.UTF_8));
        weft = weft(Map.of("DOCKER_HOST", "unix:///var/run/weft/weft.sock", "ORIG_DOCKER_HOST", "unix:///var/run/docker.sock"));
        out.reset();
        assertEquals(0, run("env"));
        assertTrue(out.toString(StandardCharsets.UTF_8).endsWith("ORIG_DOCKER_HOST='unix:///var/run/docker.sock'\n"), "evaluated twice, it keeps the way back");
        out.reset();
        assertEquals(0, run("env", "--restore"));
        assertEquals("export DOCKER_HOST='unix:///var/run/docker.sock'; unset ORIG_DOCKER_HOST\n", out.toString(StandardCharsets.UTF_8));
        out.reset();
        assertEquals(0, run("config", "--proxy-addr", "unix:///tmp/p.sock"));
        assertEquals("-H unix:///tmp/p.sock\n", out.toString(StandardCharsets.UTF_8));
        out.reset();
        assertEquals(0, run("config", "--proxy-addr", "tcp://10.0.0.5:12375"));
        assertEquals("-H tcp://10.0.0.5:12375\n", out.toString(StandardCharsets.UTF_8));
        assertEquals(2, run("config", "--proxy-addr", "http://0.0.0.0:12375"));
        assertTrue(err().contains("expected unix:///PATH or tcp://HOST:PORT"), err());
    }

    @Test
    void theKubernetesOptionsBelongToTheRouterInKubeModeAndNeedTheNodesName() {
        assertEquals(2, run("router", "--node-name", "n1"));
        assertEquals("weft router: --node-name goes with --kube\n", err());
        assertEquals(2, run("launch", "--kube"), "launch has no Kubernetes mode");
        assertTrue(err().contains("unknown option '--kube'"), err());
        assertEquals(1, run("router", "--kube"));
        assertTrue(err().startsWith("weft router: --kube needs this host's Node name: set NODE_NAME"), err());
    }

    @Test
    void unknownVerbIsAUsageError() {
        assertEquals(2, run("frobnicate"));
        assertTrue(err().contains("unknown command 'frobnicate'"));
    }

    @Test
    void malformedCidrIsAUsageErrorInOneLine() {
        assertEquals(2, run("attach", "10.32.1/12", "netns:c1"));
        assertEquals("weft attach: invalid CIDR '10.32.1/12': expected a.b.c.d/len, for example 10.32.0.1/12\n", err());
    }

    @Test
    void malformedTargetIsAUsageError() {
        assertEquals(2, run("attach", "10.32.1.1/12", "netns:../x"));
        assertTrue(err().contains("invalid network namespace name"), err());
    }

    @Test
    void attachWithoutTargetIsAUsageError() {
        assertEquals(2, run("attach"));
    }

    @Test
    void stopWithNoRouterRunningSucceedsAndSaysSo() {
        out.reset();
        assertEquals(0, run("stop"));
        assertEquals("no router runs with data directory " + dataDir + "; nothing to stop\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void versionNeedsNoRouter() {
        out.reset();
        assertEquals(0, run("--version"));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("weft " + Router.VERSION + "\nrouter: not running here"), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void noRouterRunningIsReportedClearly() {
        assertEquals(1, run("status"));
        assertEquals("weft status: nothing answers at 127.0.0.1:1 and no router runs with data directory " + dataDir
                + " ('weft launch' starts one)\n", err());
    }

    @Test
    void everyVerbThatAsksARouterTakesItsDataDirectory() {
        for (Weft.Verb verb : Weft.VERBS) {
            if (verb.name().equals("env") || verb.name().equals("config")) continue; // they print the Docker client's settings, asking nobody
            out.reset();
            assertEquals(0, run(verb.name(), "--help"));
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("--data-dir DIR"), verb.name());
        }
    }

    @Test
    void theDataDirectoryOptionWinsOverTheEnvironmentAndNamesTheDirectoryThatHasNoRouter(@TempDir Path other) {
        assertEquals(1, run("ps", "--data-dir", other.resolve("x/..").toString()));
        assertEquals("weft ps: nothing answers at 127.0.0.1:1 and no router runs with data directory " + other
                + " ('weft launch' starts one)\n", err());
    }

    @Test
    void aRecordLeftByARouterThatDiedLeadsToNoneRunning() throws IOException {
        Files.writeString(dataDir.resolve("api.json"), "{\"host\":\"127.0.0.1\",\"port\":1,\"pid\":999999999}");
        weft = weft(Map.of("WEFT_DATA_DIR", dataDir.toString()));

        assertEquals(1, run("connect", "host2"));
        assertEquals("weft connect: nothing answers at 127.0.0.1:1 and no router runs with data directory " + dataDir
                + " ('weft launch' starts one)\n", err());
    }

    @Test
    @Timeout(60)
    void aRouterThatHoldsTheDataDirectoryHereButDoesNotAnswerIsToldApartFromNone() throws IOException {
        try (DataDirectoryHolder holder = DataDirectoryHolder.start(dataDir)) {
            assertEquals(1, run("stop"));
            assertEquals("weft stop: a router runs with data directory " + dataDir + " in this network namespace (pid " + holder.pid()
                    + "), but nothing answers at 127.0.0.1:1; it may be starting or stuck: see " + dataDir.resolve("weft.log") + "\n", err());
        }
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

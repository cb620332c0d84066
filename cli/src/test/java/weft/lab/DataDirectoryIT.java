package weft.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code weft} given only a router's data directory: in the router's network namespace it calls the API address the
 * router recorded there, and from another namespace it says where the router runs instead of inviting a second one.
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
class DataDirectoryIT {
    private static final Duration WEFT = Duration.ofSeconds(90);

    /** {@code weft ARGS} in {@code netns} (null: this one) without WEFT_DATA_DIR or WEFT_HTTP_ADDR. */
    private static ExecResult weft(String netns, String... args) {
        List<String> command = new ArrayList<>(List.of(Lab.weftHome().resolve("weft").toString()));
        command.addAll(List.of(args));
        return Exec.run(netns, Map.of("JAVA_HOME", System.getProperty("java.home")), WEFT, command);
    }

    @Test
    void weftFindsTheRouterOfADataDirectoryOrSaysWhichNamespaceItRunsIn() throws IOException {
        try (Lab lab = Lab.create(1)) {
            Host host = lab.host(1);
            String dataDir = host.dataDir().toString();
            // not the default port: status can only find it through the recorded address
            lab.weft(host, "launch", "--http-addr", "127.0.0.1:7784", "--no-fastdp").orThrow();
            assertTrue(Files.exists(host.dataDir().resolve("api.json")));

            ExecResult status = weft(host.netns(), "status", "--data-dir", dataDir).orThrow();
            assertTrue(status.stdout().contains(dataDir), status.describe());

            ExecResult outside = weft(null, "status", "--data-dir", dataDir);
            assertEquals(1, outside.exitCode(), outside.describe());
            String pid = Files.readString(host.dataDir().resolve("router.lock")).strip();
            assertEquals("weft status: a router runs with data directory " + dataDir + " in another network namespace (pid " + pid
                    + "): run weft there, e.g. ip netns exec " + host.netns() + " weft status\n", outside.stderr());

            weft(host.netns(), "stop", "--data-dir", dataDir).orThrow();
            assertFalse(Files.exists(host.dataDir().resolve("api.json")), "a clean stop removes the record");
            ExecResult stopped = weft(host.netns(), "status", "--data-dir", dataDir);
            assertEquals("weft status: nothing answers at 127.0.0.1:6784 and no router runs with data directory " + dataDir
                    + " ('weft launch' starts one)\n", stopped.stderr());
        }
    }
}

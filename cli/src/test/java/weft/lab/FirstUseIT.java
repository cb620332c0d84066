package weft.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a first-time user meets on one host: a launch peer whose name does not resolve yet, Weave's password
 * variable, targets that persist as the README says and have one spelling, and an idempotent stop.
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
class FirstUseIT {
    private static final Duration WEFT = Duration.ofSeconds(90);

    /** {@code weft ARGS} in {@code host}'s namespace with its data directory and the extra environment {@code env}. */
    private static ExecResult weft(Host host, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(Lab.weftHome().resolve("weft").toString()));
        command.addAll(List.of(args));
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("WEFT_DATA_DIR", host.dataDir().toString());
        all.put("JAVA_HOME", System.getProperty("java.home"));
        return Exec.run(host.netns(), all, WEFT, command);
    }

    @Test
    void aLaunchPeerThatDoesNotResolveYetIsLookedUpAgainAndWeavesPasswordCounts() {
        try (Lab lab = Lab.create(1)) {
            Host host = lab.host(1);
            ExecResult launched = weft(host, Map.of("WEAVE_PASSWORD", "first-use-secret"), "launch", "--no-fastdp", "nosuchhost.invalid", "10.9.9.9:6783");
            assertTrue(launched.ok(), "an unresolvable peer stopped the start: " + launched.describe());
            assertTrue(launched.stderr().contains("note: read WEAVE_PASSWORD as WEFT_PASSWORD"), launched.stderr());
            assertFalse(launched.stderr().contains("no password"), "warned of no password though Weave's was given: " + launched.stderr());

            String status = lab.weft(host, "status").orThrow().stdout();
            assertTrue(status.contains("Encryption: enabled"), status);
            String targets = lab.weft(host, "status", "targets").orThrow().stdout();
            assertTrue(targets.contains("nosuchhost.invalid") && targets.contains("resolving, last error: cannot resolve peer 'nosuchhost.invalid'"), targets);
            assertTrue(targets.contains("10.9.9.9 "), "10.9.9.9:6783 is kept as 10.9.9.9: " + targets);

            ExecResult again = lab.weft(host, "connect", "10.9.9.9");
            assertEquals(1, again.exitCode(), again.describe()); // nothing listens there
            assertEquals(2, lab.weft(host, "status", "targets").orThrow().stdout().lines().count(), "10.9.9.9 became a second target");

            lab.weft(host, "stop").orThrow();
            ExecResult idle = lab.weft(host, "stop");
            assertEquals(0, idle.exitCode(), idle.describe());
            assertTrue(idle.stdout().contains("nothing to stop"), idle.stdout());

            // a relaunch that names its peers dials those, not the ones saved before
            weft(host, Map.of(), "launch", "--no-fastdp", "10.9.9.8").orThrow();
            String relaunched = lab.weft(host, "status", "targets").orThrow().stdout();
            assertTrue(relaunched.contains("10.9.9.8") && !relaunched.contains("10.9.9.9") && !relaunched.contains("nosuchhost"), relaunched);
            lab.weft(host, "stop").orThrow();
        }
    }
}

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

    @Test
    void resetGivesTheRangesAwayDetachesEverythingAndLeavesNothingBehind() throws Exception {
        try (Lab lab = Lab.create(2)) {
            Host h1 = lab.host(1), h2 = lab.host(2);
            lab.weft(h1, "launch", "--nickname", "host1", h2.underlayAddress()).orThrow();
            lab.weft(h2, "launch", "--nickname", "host2", h1.underlayAddress()).orThrow();
            String container = lab.container(h2, "c");
            lab.weft(h2, "attach", "netns:" + container).orThrow(); // the allocator splits the range between the two
            lab.weft(h2, "expose").orThrow();
            String h2Name = lab.weft(h2, "status").orThrow().stdout().lines().filter(l -> l.contains("Weft:")).findFirst().orElseThrow()
                    .replaceAll(".*peer (\\S+) .*", "$1");

            ExecResult reset = lab.weft(h2, "reset");
            assertEquals(0, reset.exitCode(), reset.describe());
            assertTrue(reset.stdout().contains("leave: dropped 0 allocations; gave ") && reset.stdout().contains("; confirmed"), reset.stdout());
            assertTrue(reset.stdout().contains("detached netns:" + container), reset.stdout());
            assertTrue(reset.stdout().contains("removed data directory " + h2.dataDir()), reset.stdout());

            String links = lab.exec(h2.netns(), Duration.ofSeconds(5), "ip", "-brief", "link").orThrow().stdout();
            assertFalse(links.contains("weft"), "links left behind: " + links);
            assertFalse(lab.exec(container, Duration.ofSeconds(5), "ip", "link", "show", "ethwe").ok(), "the container kept ethwe");
            assertFalse(lab.exec(h2.netns(), Duration.ofSeconds(5), "nft", "list", "table", "inet", "weft").ok(), "the guard's table stayed");
            assertFalse(java.nio.file.Files.exists(h2.dataDir()), "the data directory stayed");

            String ipam = lab.weft(h1, "status", "ipam").orThrow().stdout();
            assertTrue(ipam.contains("100.0%"), "host 1 did not get host 2's ranges: " + ipam);
            assertFalse(ipam.lines().anyMatch(l -> l.startsWith("  " + h2Name) && l.contains(" addresses (")), "host 2 still owns a share: " + ipam);

            ExecResult again = lab.weft(h2, "reset");
            assertEquals(0, again.exitCode(), again.describe());
            assertTrue(again.stdout().contains("no router runs with data directory"), again.stdout());
        }
    }

    @Test
    void anAttachWaitingForAQuorumIsDroppedWhenItsCommandIsKilled() throws Exception {
        try (Lab lab = Lab.create(1)) {
            Host host = lab.host(1);
            lab.weft(host, "launch", "--no-fastdp", "10.9.9.7").orThrow(); // consensus among two: the other never comes
            String container = lab.container(host, "waits");
            Process attach = lab.spawn(host.netns(), Lab.weftHome().resolve("weft").toString(), "attach", "--data-dir",
                    host.dataDir().toString(), "netns:" + container);
            String waiting = Poll.until(() -> lab.weft(host, "status", "ipam").orThrow().stdout(), s -> s.contains("pending: "), Duration.ofSeconds(20));
            assertTrue(waiting.contains("pending: "), waiting);
            attach.descendants().forEach(ProcessHandle::destroyForcibly);
            attach.destroyForcibly();
            String after = Poll.until(() -> lab.weft(host, "status", "ipam").orThrow().stdout(), s -> !s.contains("pending: "), Duration.ofSeconds(10));
            assertFalse(after.contains("pending: "), "the killed command's request still waits: " + after);
        }
    }
}

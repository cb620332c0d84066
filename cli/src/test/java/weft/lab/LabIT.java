package weft.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/** The lab fixture itself: it builds a working underlay, and leaves nothing behind whatever happens. */
@EnabledIf("weft.lab.Lab#runningAsRoot")
class LabIT {
    private static final Duration PING = Duration.ofSeconds(10);

    @Test
    void hostsReachEachOtherOverTheUnderlayAndCloseRemovesEverything() throws Exception {
        Lab lab = Lab.create(3);
        Process sleeper;
        String container;
        try (lab) {
            for (Host from : lab.hosts()) {
                for (Host to : lab.hosts()) {
                    if (from != to) {
                        lab.exec(from.netns(), PING, "ping", "-c", "1", "-W", "2", to.underlayAddress()).orThrow();
                    }
                }
            }
            container = lab.container(lab.host(1), "c1");
            assertEquals(lab.prefix() + "-c1", container);
            String links = lab.exec(container, PING, "ip", "-o", "link").orThrow().stdout();
            assertEquals(1, links.lines().count(), "a new container has only lo:\n" + links);
            assertTrue(Files.isDirectory(lab.host(2).dataDir()));
            sleeper = lab.spawn(lab.host(2).netns(), "sleep", "600");
            assertTrue(sleeper.isAlive());
            assertEquals(5, lab.namespaces().size(), "underlay, 3 hosts, 1 container: " + lab.namespaces());
        }
        assertEquals(List.of(), lab.namespaces());
        assertFalse(sleeper.isAlive(), "a spawned process survived close()");
        assertFalse(Files.exists(lab.dir()));
    }

    @Test
    void aFailingTestBodyStillLeavesNothingBehind() {
        AtomicReference<String> prefix = new AtomicReference<>();
        AtomicReference<Path> dir = new AtomicReference<>();
        IllegalStateException failure = assertThrows(IllegalStateException.class, () -> {
            try (Lab lab = Lab.create(2)) {
                prefix.set(lab.prefix());
                dir.set(lab.dir());
                lab.container(lab.host(2), "c2");
                // a process that ignores TERM: close() must still get rid of it
                lab.spawn(lab.host(1).netns(), "sh", "-c", "trap '' TERM; sleep 600");
                lab.exec(lab.host(1).netns(), PING, "ping", "-c", "1", "-W", "1", "192.168.77.99").orThrow();
            }
        });
        assertTrue(failure.getMessage().contains("exited 1"), failure.getMessage());
        assertEquals(List.of(), Lab.allNamespaces().stream().filter(n -> n.startsWith(prefix.get() + "-")).toList());
        assertFalse(Files.exists(dir.get()));
    }

    @Test
    void aTimedOutCommandIsKilledAndSaysSo() {
        try (Lab lab = Lab.create(1)) {
            ExecResult result = lab.exec(lab.host(1).netns(), Duration.ofMillis(500), "sleep", "600");
            assertTrue(result.timedOut());
            assertFalse(result.ok());
            assertTrue(result.describe().contains("timed out after PT0.5S"), result.describe());
        }
    }

    @Test
    void aChattyCommandDoesNotBlock() {
        try (Lab lab = Lab.create(1)) {
            ExecResult result = lab.exec(lab.host(1).netns(), Duration.ofSeconds(30),
                    "sh", "-c", "head -c 4000000 /dev/zero | tr '\\0' x; head -c 1000000 /dev/zero | tr '\\0' y >&2");
            assertTrue(result.ok(), result::describe);
            assertEquals(4_000_000, result.stdout().length());
            assertEquals(1_000_000, result.stderr().length());
        }
    }

    @Test
    void namespacesOfADeadJvmAreSweptByTheNextLab() throws Exception {
        // readAllLines: Files.readString got "3" of "32768" here (a /proc file says its size is 0)
        long deadPid = Long.parseLong(Files.readAllLines(Path.of("/proc/sys/kernel/pid_max")).getFirst().strip()) - 1;
        while (ProcessHandle.of(deadPid).isPresent()) {
            deadPid--;
        }
        String stale = "wl" + deadPid + "x0000-h1";
        Path staleDir = Path.of(System.getProperty("java.io.tmpdir"), "weft-lab-wl" + deadPid + "x0000");
        Lab.allNamespaces(); // the ip tool works before we create anything by hand
        new ProcessBuilder("ip", "netns", "add", stale).inheritIO().start().waitFor();
        Files.createDirectories(staleDir.resolve("h1"));
        assertTrue(Lab.allNamespaces().contains(stale));
        try (Lab lab = Lab.create(1)) {
            assertFalse(Lab.allNamespaces().contains(stale), "the stale namespace survived Lab.create");
            assertFalse(Files.exists(staleDir), "the stale lab's dir survived Lab.create");
            assertEquals(2, lab.namespaces().size());
        }
    }

    @Test
    void aLinkMtuIsSetAtBothEndsAndABadContainerNameIsRefused() {
        try (Lab lab = Lab.create(2)) {
            lab.setUnderlayMtu(lab.host(2), 1280);
            assertTrue(lab.exec(lab.host(2).netns(), PING, "ip", "-o", "link", "show", "eth0").orThrow().stdout().contains(" mtu 1280 "));
            assertTrue(lab.exec(lab.underlay(), PING, "ip", "-o", "link", "show", "h2").orThrow().stdout().contains(" mtu 1280 "));
            assertTrue(lab.exec(lab.host(1).netns(), PING, "ip", "-o", "link", "show", "eth0").orThrow().stdout().contains(" mtu 1500 "));
            assertThrows(IllegalArgumentException.class, () -> lab.container(lab.host(1), "Not_A_Name"));
            assertThrows(IllegalArgumentException.class, () -> Lab.create(0));
        }
    }

    @Test
    void theWeftLauncherIsFound() {
        assertTrue(Files.isExecutable(Lab.weftHome().resolve("weft")));
    }
}

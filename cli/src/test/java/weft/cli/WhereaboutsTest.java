package weft.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import weft.api.ApiLocation;
import weft.cli.Whereabouts.Finding;
import weft.router.DataDirectory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which router weft finds behind a data directory when nothing answers, and what it then says. */
class WhereaboutsTest {
    private static final Path DATA = Path.of("/var/lib/weft");
    private static final String HERE = "net:[4026531840]", THERE = "net:[4026532561]";

    @TempDir
    Path dataDir;

    @Test
    void theSameLinkTargetIsOurNamespaceAndAnotherIsNamedWhenRunNetnsHasIt() {
        assertEquals(new Finding.RunsHere(42), Whereabouts.locate(42, HERE, HERE, Map.of()));
        assertEquals(new Finding.RunsElsewhere(42, Optional.of("h1")), Whereabouts.locate(42, HERE, THERE, Map.of(4026532561L, "h1", 4026531840L, "root")));
        assertEquals(new Finding.RunsElsewhere(42, Optional.empty()), Whereabouts.locate(42, HERE, THERE, Map.of(4026531840L, "root")));
        assertEquals(new Finding.RunsElsewhere(42, Optional.empty()), Whereabouts.locate(42, HERE, "net:[x]", Map.of()));
    }

    @Test
    void theInodeIsReadFromANetworkNamespaceLinkOnly() {
        assertEquals(OptionalLong.of(4026531840L), Whereabouts.inode(HERE));
        assertEquals(OptionalLong.empty(), Whereabouts.inode("mnt:[4026531840]"));
        assertEquals(OptionalLong.empty(), Whereabouts.inode("net:[]"));
        assertEquals(OptionalLong.empty(), Whereabouts.inode("net:[99999999999999999999]"));
    }

    private static String message(Finding finding, Optional<ApiLocation> recorded) {
        return Whereabouts.message(finding, DATA, "127.0.0.1:6784", "status", recorded);
    }

    @Test
    void eachFindingSaysWhereToRunWeftOrThatNoRouterRuns() {
        assertEquals("nothing answers at 127.0.0.1:6784 and no router runs with data directory /var/lib/weft ('weft launch' starts one)",
                message(new Finding.NoneRuns(), Optional.empty()));
        assertEquals("a router runs with data directory /var/lib/weft in another network namespace (pid 42): run weft there,"
                + " e.g. ip netns exec h1 weft status", message(new Finding.RunsElsewhere(42, Optional.of("h1")), Optional.empty()));
        assertEquals("a router runs with data directory /var/lib/weft in another network namespace (pid 42): run weft there,"
                + " e.g. nsenter --net=/proc/42/ns/net weft status", message(new Finding.RunsElsewhere(42, Optional.empty()), Optional.empty()));
        assertEquals("a router runs with data directory /var/lib/weft in this network namespace (pid 42), but nothing answers at"
                + " 127.0.0.1:6784; it may be starting or stuck: see /var/lib/weft/weft.log",
                message(new Finding.RunsHere(42), Optional.of(new ApiLocation("127.0.0.1", 6784, 42))));
        assertEquals("a router runs with data directory /var/lib/weft in this network namespace (pid 42), but nothing answers at"
                + " 127.0.0.1:6784; it recorded its API at [::1]:7000 in /var/lib/weft/api.json, which --http-addr or WEFT_HTTP_ADDR overrode",
                message(new Finding.RunsHere(42), Optional.of(new ApiLocation("::1", 7000, 42))));
        assertEquals("a router runs with data directory /var/lib/weft (pid 42), but nothing answers at 127.0.0.1:6784; it may run in another"
                + " network namespace, where weft must run too (this user may not read /proc/42/ns/net: run weft as root to find out)",
                message(new Finding.RunsSomewhere(OptionalLong.of(42), "this user may not read /proc/42/ns/net: run weft as root to find out"),
                        Optional.empty()));
        assertEquals("nothing answers at 127.0.0.1:6784, and whether a router runs with data directory /var/lib/weft cannot be told: why",
                message(new Finding.Unknown("why"), Optional.empty()));
    }

    @Test
    void aDataDirectoryWithoutALockOrWithALockNobodyHoldsHasNoRouter() throws IOException {
        Whereabouts whereabouts = new Whereabouts(Path.of("/proc"), Path.of("/run/netns"));
        assertEquals(new Finding.NoneRuns(), whereabouts.find(dataDir.resolve("never-used")));

        DataDirectory.claim(dataDir).close(); // a router that stopped leaves its lock file, unlocked
        assertEquals(new Finding.NoneRuns(), whereabouts.find(dataDir));
    }

    @Test
    @Timeout(60)
    void aRouterHoldingTheDirectoryInThisNamespaceIsFoundHere() throws IOException {
        try (DataDirectoryHolder holder = DataDirectoryHolder.start(dataDir)) {
            assertEquals(new Finding.RunsHere(holder.pid()), new Whereabouts(Path.of("/proc"), Path.of("/run/netns")).find(dataDir));
        }
        assertEquals(new Finding.NoneRuns(), new Whereabouts(Path.of("/proc"), Path.of("/run/netns")).find(dataDir));
    }

    @Test
    @Timeout(60)
    void aRouterInAnotherNamespaceIsNamedByTheInodeOfItsEntryInRunNetns(@TempDir Path root) throws IOException {
        Path proc = Files.createDirectories(root.resolve("proc"));
        Path named = Files.createDirectories(root.resolve("netns"));
        long inode = (Long) Files.getAttribute(Files.createFile(named.resolve("h2")), "unix:ino");
        Files.createDirectories(proc.resolve("self/ns"));
        Files.createSymbolicLink(proc.resolve("self/ns/net"), Path.of(HERE));
        try (DataDirectoryHolder holder = DataDirectoryHolder.start(dataDir)) {
            Files.createDirectories(proc.resolve(holder.pid() + "/ns"));
            Files.createSymbolicLink(proc.resolve(holder.pid() + "/ns/net"), Path.of("net:[" + inode + "]"));

            assertEquals(new Finding.RunsElsewhere(holder.pid(), Optional.of("h2")), new Whereabouts(proc, named).find(dataDir));
            assertEquals(new Finding.RunsElsewhere(holder.pid(), Optional.empty()), new Whereabouts(proc, root.resolve("no-netns")).find(dataDir));
        }
    }

    @Test
    @Timeout(60)
    void aHolderWhoseProcessIsNotVisibleRunsSomewhereElse(@TempDir Path proc) throws IOException {
        Files.createDirectories(proc.resolve("self/ns"));
        Files.createSymbolicLink(proc.resolve("self/ns/net"), Path.of(HERE));
        try (DataDirectoryHolder holder = DataDirectoryHolder.start(dataDir)) {
            assertEquals(new Finding.RunsSomewhere(OptionalLong.of(holder.pid()), "no process " + holder.pid()
                    + " is visible here, so it runs in another PID namespace too"), new Whereabouts(proc, proc).find(dataDir));
        }
    }
}

package weft.lab;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rolling upgrade, as a DaemonSet does it, one node at a time: routers of the previous release ({@link #PREVIOUS},
 * checked out as a git worktree and built offline here) beside routers of this one, in one mesh. Containers on an old
 * and a new host reach each other both ways, without a password and with one (the sleeve's sealed datagrams), and a
 * new router claims an address in the part of the range an old router owns, which the old one hands over; a name a new
 * router puts on Weft DNS reaches an old one, and leaves their connection as it was.
 */
@EnabledIf("possible")
class UpgradeIT {
    /** The last release that landed before this one: what the other nodes of a cluster run while this one rolls out. */
    static final String PREVIOUS = "f8f6d15";
    private static final Duration BUILD = Duration.ofMinutes(6);
    private static final Duration SETTLE = Duration.ofSeconds(30);
    private static Path previous;

    static boolean possible() {
        return Lab.runningAsRoot() && Files.isDirectory(Lab.weftHome().resolve(".git"));
    }

    @BeforeAll
    static void buildThePreviousRelease() throws IOException {
        previous = Files.createTempDirectory("weft-previous-");
        Files.delete(previous); // git makes it
        Path home = Lab.weftHome();
        Exec.run(null, Map.of(), Duration.ofMinutes(1), List.of("git", "-C", home.toString(), "worktree", "add", "--detach", previous.toString(), PREVIOUS))
                .orThrow();
        // offline: this build fetched every dependency the previous one has (the same versions, fewer modules)
        ExecResult built = Exec.run(null, Map.of("JAVA_HOME", System.getProperty("java.home"), "MAVEN_OPTS", "--sun-misc-unsafe-memory-access=allow"),
                BUILD, List.of("mvn", "-B", "-o", "-q", "-f", previous.resolve("pom.xml").toString(), "package", "-DskipTests"));
        if (!built.ok()) throw new IllegalStateException("the previous release " + PREVIOUS + " did not build: " + built.describe());
    }

    @AfterAll
    static void removeIt() {
        if (previous != null) {
            Exec.run(null, Map.of(), Duration.ofMinutes(1), List.of("git", "-C", Lab.weftHome().toString(), "worktree", "remove", "--force", previous.toString()));
        }
    }

    @Test
    void routersOfThePreviousReleaseAndOfThisOneCarryTrafficBothWaysAndHandAddressesOver() throws IOException {
        try (Lab lab = Lab.create(4)) {
            Path password = Files.writeString(lab.dir().resolve("password"), "an upgrade in progress\n");
            // hosts 1 and 3 run the previous release, 2 and 4 this one; 3 and 4 with a password
            launch(lab, previous, 1, 2, List.of());
            launch(lab, Lab.weftHome(), 2, 1, List.of());
            launch(lab, previous, 3, 4, List.of("--password-file", password.toString()));
            launch(lab, Lab.weftHome(), 4, 3, List.of("--password-file", password.toString()));
            String[] containers = new String[5];
            String[] addresses = new String[5];
            for (int i = 1; i <= 4; i++) {
                containers[i] = lab.container(lab.host(i), "c" + i);
                Path launcher = i % 2 == 1 ? previous : Lab.weftHome();
                addresses[i] = Lab.firstAddress(lab.weftFrom(launcher, lab.host(i), "attach", "netns:" + containers[i]).orThrow().stdout());
            }
            reach(lab, containers[1], addresses[2], "old to new, in clear");
            reach(lab, containers[2], addresses[1], "new to old, in clear");
            reach(lab, containers[3], addresses[4], "old to new, sealed");
            reach(lab, containers[4], addresses[3], "new to old, sealed");

            // the new router claims an address in the old one's part of the range: the old one hands it over
            String claimed = lab.addressOwnedBy(previous, lab.host(1), 8192 + 33);
            String second = lab.container(lab.host(2), "c2b");
            lab.weft(lab.host(2), "attach", claimed + "/12", "netns:" + second).orThrow();
            reach(lab, containers[1], claimed, "the old host's container to the address its router handed over");

            // Weft DNS's gossip channel: a name the new router puts on the mesh reaches the old one, over a connection
            // that stays as it was (a reset would show as a new 'since')
            String before = connectionSince(lab, 2);
            lab.weft(lab.host(2), "dns-add", addresses[2], "upgraded").orThrow();
            assertTrue(Poll.until(() -> lab.weftFrom(previous, lab.host(1), "dns-lookup", "upgraded").stdout().strip().equals(addresses[2]),
                    SETTLE), "the old router did not learn the new one's name");
            reach(lab, containers[1], addresses[2], "old to new, after the new router broadcast a name");
            assertEquals(before, connectionSince(lab, 2), "the connection between the releases was reset by the dns channel");
        }
    }

    private static void launch(Lab lab, Path launcher, int host, int peer, List<String> extra) {
        List<String> args = new java.util.ArrayList<>(List.of("launch", "--no-discovery", "--nickname", "host" + host));
        args.addAll(extra);
        args.add(lab.host(peer).underlayAddress());
        lab.weftFrom(launcher, lab.host(host), args.toArray(String[]::new)).orThrow();
    }

    /** When host {@code i}'s one connection was established, from {@code weft report}. */
    private static String connectionSince(Lab lab, int i) throws IOException {
        JsonNode connections = new ObjectMapper().readTree(lab.weft(lab.host(i), "report").orThrow().stdout()).path("connections");
        assertEquals(1, connections.size(), connections.toString());
        return connections.get(0).path("since").asText();
    }

    private static void reach(Lab lab, String from, String address, String what) {
        ExecResult ping = Poll.until(() -> lab.exec(from, Duration.ofSeconds(5), "ping", "-c", "1", "-W", "1", address), ExecResult::ok, SETTLE);
        assertTrue(ping.ok(), what + ": " + ping.describe());
    }
}

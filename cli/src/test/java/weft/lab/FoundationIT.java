package weft.lab;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three simulated hosts, each running a real router launched with the real CLI, and a container namespace on each
 * attached with {@code weft attach}: the whole foundation path, CLI to kernel to UDP to the other router.
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FoundationIT {
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static Lab lab;
    private static final List<String> containers = new ArrayList<>();

    /** Outside the allocation range: explicit addresses the operator manages, so this test does not lean on IP allocation. */
    static String overlayAddress(int host) {
        return "10.99.7." + host;
    }

    static List<String> peersOf(Host host) {
        return lab.hosts().stream().filter(other -> other != host).map(Host::underlayAddress).toList();
    }

    static ExecResult launch(Host host) {
        List<String> args = new ArrayList<>(List.of("launch", "--nickname", "host" + host.index()));
        args.addAll(peersOf(host));
        return lab.weft(host, args.toArray(String[]::new));
    }

    @BeforeAll
    static void buildLab() {
        lab = Lab.create(3);
        for (Host host : lab.hosts()) {
            ExecResult launched = launch(host).orThrow();
            assertTrue(launched.stdout().strip().matches("([0-9a-f]{2}:){5}[0-9a-f]{2}"), launched.describe());
        }
        for (Host host : lab.hosts()) {
            String container = lab.container(host, "c" + host.index());
            containers.add(container);
            lab.weft(host, "attach", overlayAddress(host.index()) + "/24", "netns:" + container).orThrow();
        }
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) lab.close();
    }


    @Test
    @Order(1)
    void containersOnThreeHostsPingEachOther() {
        for (int from = 0; from < 3; from++) {
            for (int to = 1; to <= 3; to++) {
                if (to == from + 1) continue;
                assertTrue(Reachability.reachable(lab, containers.get(from), overlayAddress(to), SETTLE), containers.get(from) + " -> " + overlayAddress(to));
                ExecResult ping = lab.exec(containers.get(from), Duration.ofSeconds(20), "ping", "-c", "3", "-i", "0.2", "-W", "2", overlayAddress(to));
                assertTrue(ping.ok(), ping.describe());
                assertTrue(ping.stdout().contains("3 received"), ping.describe());
            }
        }
        ExecResult status = lab.weft(lab.host(1), "status").orThrow();
        assertTrue(status.stdout().contains("Connections: 2 established ("), status.stdout());
        ExecResult ps = lab.weft(lab.host(1), "ps").orThrow();
        assertTrue(ps.stdout().contains("netns:" + containers.getFirst()) && ps.stdout().contains(overlayAddress(1) + "/24"), ps.stdout());
    }

    @Test
    @Order(2)
    void hundredMegabytesCrossHostsIntact() throws Exception {
        NcTransfer.Hashes hashes = NcTransfer.sendRandom(lab, containers.get(0), containers.get(1), overlayAddress(2), 5001, 100L << 20, 42, "100mb");
        assertEquals(hashes.sent(), hashes.received());
    }

    @Test
    @Order(3)
    void badInputGetsOneClearLineAndLeavesNothingBehind() {
        Host h1 = lab.host(1);
        String before = lab.exec(h1.netns(), Duration.ofSeconds(5), "ip", "-brief", "link").orThrow().stdout();

        ExecResult missing = lab.weft(h1, "attach", "10.99.9.1/24", "netns:no-such-namespace");
        assertEquals(1, missing.exitCode(), missing.describe());
        assertTrue(missing.stderr().contains("no-such-namespace") && missing.stderr().strip().lines().count() == 1, missing.describe());

        String spare = lab.container(h1, "spare");
        ExecResult inUse = lab.weft(h1, "attach", overlayAddress(1) + "/24", "netns:" + spare);
        assertEquals(1, inUse.exitCode(), inUse.describe());
        assertTrue(inUse.stderr().contains("already in use by netns:" + containers.getFirst()), inUse.describe());
        assertFalse(lab.exec(spare, Duration.ofSeconds(5), "ip", "link", "show", "ethwe").ok(), "a refused attach left ethwe behind");

        ExecResult malformed = lab.weft(h1, "attach", "10.99.9/24", "netns:" + spare);
        assertEquals(2, malformed.exitCode(), "a malformed address is a usage error: " + malformed.describe());
        assertTrue(malformed.stderr().contains("invalid CIDR"), malformed.describe());

        ExecResult unresolvable = lab.weft(h1, "connect", "no-such-host.invalid");
        assertEquals(1, unresolvable.exitCode(), unresolvable.describe());
        assertTrue(unresolvable.stderr().contains("cannot resolve"), unresolvable.describe());

        ExecResult unreachable = lab.weft(h1, "connect", "192.168.77.200:6799");
        assertEquals(1, unreachable.exitCode(), unreachable.describe());
        assertTrue(unreachable.stderr().contains("192.168.77.200:6799"), unreachable.describe());
        lab.weft(h1, "forget", "192.168.77.200:6799").orThrow();

        assertEquals(before, lab.exec(h1.netns(), Duration.ofSeconds(5), "ip", "-brief", "link").orThrow().stdout(),
                "failed commands changed the host's interfaces");

        ExecResult again = lab.weft(h1, "launch");
        assertEquals(1, again.exitCode(), again.describe());
        assertTrue(again.stderr().contains("already running with data directory"), again.describe());
    }

    @Test
    @Order(4)
    void datagramsThatAreNotWeftFramesAreCountedAndDropped() {
        ExecResult sent = lab.exec(lab.host(2).netns(), Duration.ofSeconds(5), "bash", "-c",
                "echo 'definitely not a weft frame, though long enough to pass the length check' > /dev/udp/" + lab.host(1).underlayAddress() + "/6783");
        assertTrue(sent.ok(), sent.describe());
        String metrics = Poll.until(() -> lab.weft(lab.host(1), "metrics").orThrow().stdout(),
                m -> m.contains("weft_sleeve_dropped_total{reason=\"bad-magic\"} 1"), Duration.ofSeconds(10));
        assertTrue(metrics.contains("weft_sleeve_dropped_total{reason=\"bad-magic\"} 1"), metrics);
        assertTrue(Reachability.reachable(lab, containers.get(0), overlayAddress(2), SETTLE), "the router kept forwarding");
    }

    /** The control for MeshIT's capture test: without a password the same capture does show the payload. */
    @Test
    @Order(5)
    void withoutAPasswordTheUnderlayShowsThePayload() throws Exception {
        assertTrue(Reachability.reachable(lab, containers.get(0), overlayAddress(2), SETTLE));
        UnderlayCapture.Result capture = UnderlayCapture.transfer(lab, lab.host(1).netns(), containers.get(0), containers.get(1), overlayAddress(2), 5003);
        assertTrue(capture.showsMarker(), "an unencrypted transfer should be visible on the underlay");
        assertTrue(lab.weft(lab.host(1), "status").orThrow().stdout().contains("Encryption: disabled"));
    }

    @Test
    @Order(6)
    void restartedRouterReconnectsAndTrafficResumes() {
        Host h2 = lab.host(2);
        String name = lab.weft(h2, "status").orThrow().stdout();
        lab.weft(h2, "stop").orThrow();
        assertFalse(lab.exec(containers.get(0), Duration.ofSeconds(10), "ping", "-c", "2", "-W", "1", overlayAddress(2)).ok(),
                "traffic still flowed with the router stopped");
        ExecResult relaunched = lab.weft(h2, "launch", "--nickname", "host2");
        relaunched.orThrow();
        assertTrue(name.contains(relaunched.stdout().strip()), "the peer name changed across a restart");
        assertTrue(Reachability.reachable(lab, containers.get(0), overlayAddress(2), SETTLE), "traffic did not resume after the restart");
        assertTrue(Reachability.reachable(lab, containers.get(1), overlayAddress(3), SETTLE), "traffic did not resume after the restart");
        assertNotEquals("", lab.weft(h2, "ps").orThrow().stdout().strip(), "the restarted router forgot its attachments");
    }
}

package weft.lab;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code weft doctor} on two launched, connected hosts, host 1 exposed: all ok, then one thing broken on purpose at a
 * time, each seen as its own FAIL line with exit status 1, and the fix bringing it back to ok: UDP 6783 and 6784
 * dropped between the hosts while TCP 6783 passes (the data path dead, the status otherwise fine), ip_forward off, a
 * route for part of the allocation range through another device, and the router stopped. In order: each test
 * leaves the lab as it found it, but the last.
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DoctorIT {
    /** Long enough for the data path check's quiet limit (25 s) and the next probe after it. */
    private static final Duration NOTICED = Duration.ofSeconds(60);
    private static final Duration SHORT = Duration.ofSeconds(10);
    private static Lab lab;
    private static Host h1, h2;

    @BeforeAll
    static void buildLab() {
        lab = Lab.create(2);
        h1 = lab.host(1);
        h2 = lab.host(2);
        for (Host host : lab.hosts()) lab.exec(host.netns(), SHORT, "sysctl", "-qw", "net.ipv4.ip_forward=1").orThrow();
        lab.weft(h1, "launch", "--nickname", "host1", h2.underlayAddress()).orThrow();
        lab.weft(h2, "launch", "--nickname", "host2", h1.underlayAddress()).orThrow();
        // an address outside the allocation range: the host is exposed (so ip_forward matters) without waiting for the ring
        lab.weft(h1, "expose", "10.99.0.1/24").orThrow();
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) lab.close();
    }

    private static ExecResult doctor(Host host) {
        return lab.weft(host, "doctor");
    }

    /** The doctor's run once it ends with {@code exit} and prints a line starting with {@code line}; the last run otherwise. */
    private static ExecResult awaitDoctor(Host host, int exit, String line, Duration within) {
        return Poll.until(() -> doctor(host), r -> r.exitCode() == exit && r.stdout().lines().anyMatch(l -> l.startsWith(line)), within);
    }

    private static void assertAllOk(Host host) {
        ExecResult healthy = awaitDoctor(host, 0, "ok    data path   1 connected peer heard", NOTICED);
        assertEquals(0, healthy.exitCode(), healthy.describe());
        assertTrue(healthy.stdout().lines().noneMatch(l -> l.startsWith("FAIL")), healthy.stdout());
        assertTrue(healthy.stdout().contains("ok    data path   1 connected peer heard on UDP within 25 s (1 on the fast path)"), healthy.stdout());
    }

    @Test
    @Order(1)
    void twoConnectedHostsAreAllOk() {
        assertAllOk(h1);
        assertAllOk(h2);
        String h1Text = doctor(h1).stdout();
        System.out.println("weft doctor on " + h1.netns() + ", healthy:\n" + h1Text); // for the report
        assertTrue(h1Text.contains("ok    ports       TCP 6783, UDP 6783, UDP 6784 are the router's"), h1Text);
        assertTrue(h1Text.contains("ok    router      weft "), h1Text);
    }

    @Test
    @Order(2)
    void udpDroppedBetweenTheHostsWhileTcpPassesIsADeadDataPathOnBothSidesThoughTheStatusLooksFine() {
        String h1Address = h1.underlayAddress();
        lab.exec(h2.netns(), SHORT, "bash", "-c", "nft -f - <<'EOF'\n"
                + "table inet doctorit {\n"
                + "  chain input { type filter hook input priority 0; ip saddr " + h1Address + " udp dport { 6783, 6784 } drop; }\n"
                + "  chain output { type filter hook output priority 0; ip daddr " + h1Address + " udp dport { 6783, 6784 } drop; }\n"
                + "}\nEOF").orThrow();
        try {
            for (Host host : new Host[]{h1, h2}) {
                ExecResult dead = awaitDoctor(host, 1, "FAIL  data path", NOTICED);
                System.out.println("weft doctor on " + host.netns() + " with UDP dropped:\n" + dead.stdout()); // for the report
                assertEquals(1, dead.exitCode(), dead.describe());
                assertTrue(dead.stdout().contains("the control connection (TCP 6783) is up but the data path is dead")
                        && dead.stdout().contains("let UDP 6783 and 6784 through, both ways"), dead.stdout());
            }
            String status = lab.weft(h1, "status", "connections").orThrow().stdout();
            assertTrue(status.contains("established"), "the control connection stays up: " + status);
            String h2Text = doctor(h2).stdout();
            assertTrue(h2Text.contains("warn  firewall    nftables rule inet doctorit input handle ") && h2Text.contains("drops UDP 6783, UDP 6784 (dport"), h2Text);
        } finally {
            lab.exec(h2.netns(), SHORT, "nft", "delete", "table", "inet", "doctorit").orThrow();
        }
        assertAllOk(h1);
        assertAllOk(h2);
    }

    @Test
    @Order(3)
    void ipForwardOffOnAnExposedHostFails() {
        lab.exec(h1.netns(), SHORT, "sysctl", "-qw", "net.ipv4.ip_forward=0").orThrow();
        ExecResult off = doctor(h1);
        lab.exec(h1.netns(), SHORT, "sysctl", "-qw", "net.ipv4.ip_forward=1").orThrow();
        assertEquals(1, off.exitCode(), off.describe());
        assertTrue(off.stdout().contains("FAIL  ip_forward  net.ipv4.ip_forward is 0 while the host has an overlay address")
                && off.stdout().contains("-- do: sysctl -w net.ipv4.ip_forward=1"), off.stdout());
        assertEquals(0, doctor(h1).exitCode());
    }

    @Test
    @Order(4)
    void aRouteForPartOfTheRangeThroughAnotherDeviceFails() {
        lab.exec(h1.netns(), SHORT, "ip", "link", "add", "doctorit0", "type", "veth", "peer", "name", "doctorit1").orThrow();
        ExecResult overlapped;
        try {
            lab.exec(h1.netns(), SHORT, "ip", "link", "set", "doctorit0", "up").orThrow();
            lab.exec(h1.netns(), SHORT, "ip", "link", "set", "doctorit1", "up").orThrow();
            lab.exec(h1.netns(), SHORT, "ip", "route", "add", "10.32.5.0/24", "dev", "doctorit0").orThrow();
            overlapped = doctor(h1);
        } finally {
            lab.exec(h1.netns(), SHORT, "ip", "link", "del", "doctorit0").orThrow();
        }
        assertEquals(1, overlapped.exitCode(), overlapped.describe());
        assertTrue(overlapped.stdout().contains("FAIL  routes      the allocation range 10.32.0.0/12 overlaps 10.32.5.0/24 dev doctorit0")
                && overlapped.stdout().contains("ip route del 10.32.5.0/24 dev doctorit0"), overlapped.stdout());
        assertEquals(0, doctor(h1).exitCode());
    }

    @Test
    @Order(5)
    void aStoppedRouterIsNoRouterAnswering() {
        lab.weft(h1, "stop").orThrow();
        ExecResult stopped = doctor(h1);
        assertEquals(1, stopped.exitCode(), stopped.describe());
        assertTrue(stopped.stdout().startsWith("FAIL  router      nothing answers at ") && stopped.stdout().contains("no router runs with data directory")
                && stopped.stdout().contains("-- do: start one: weft launch"), stopped.stdout());
        assertTrue(stopped.stdout().contains("skip  data path   no router answered to ask"), stopped.stdout());
    }
}

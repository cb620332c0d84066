package weft.lab;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two hosts on a 1500-byte underlay whose path shrinks while the routers run: host 2's {@code eth0} and its port on
 * the underlay bridge drop to 1280, so host 1's full-size datagrams vanish at the bridge and nothing says so (no
 * ICMP: a black hole). Host 1's router checks the path MTU it believes with one probe every 10 s; when that probe goes
 * unanswered it probes a round at once. Large pings cross again within seconds, and a transfer arrives intact.
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
class PathShrinkIT {
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static Lab lab;
    private static String c1, c2;

    private static String overlayAddress(int host) {
        return "10.96.0." + host;
    }

    @BeforeAll
    static void buildLab() {
        lab = Lab.create(2);
        Host h1 = lab.host(1), h2 = lab.host(2);
        lab.weft(h1, "launch", "--nickname", "host1", h2.underlayAddress()).orThrow();
        lab.weft(h2, "launch", "--nickname", "host2", h1.underlayAddress()).orThrow();
        c1 = lab.container(h1, "c1");
        c2 = lab.container(h2, "c2");
        lab.weft(h1, "attach", overlayAddress(1) + "/24", "netns:" + c1).orThrow();
        lab.weft(h2, "attach", overlayAddress(2) + "/24", "netns:" + c2).orThrow();
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) lab.close();
    }

    private static String connections(Host host) {
        return lab.weft(host, "status", "connections").orThrow().stdout();
    }

    private static boolean largePingCrosses() {
        return lab.exec(c1, Duration.ofSeconds(5), "ping", "-s", "4000", "-c", "1", "-W", "1", overlayAddress(2)).ok();
    }

    @Test
    void aPathThatShrinksWithoutAnIcmpIsFoundWithinSecondsAndLargeTransfersCrossIt() throws Exception {
        Host h1 = lab.host(1), h2 = lab.host(2);
        assertTrue(Poll.until(() -> connections(h1).contains("path MTU 1500"), SETTLE), connections(h1));
        assertTrue(Poll.until(PathShrinkIT::largePingCrosses, SETTLE), "large pings never crossed the 1500-byte path");

        lab.setUnderlayMtu(h2, 1280);
        long shrank = System.nanoTime();
        ExecResult stuck = lab.exec(c1, Duration.ofSeconds(5), "ping", "-s", "4000", "-c", "1", "-W", "1", overlayAddress(2));
        assertTrue(!stuck.ok() || connections(h1).contains("path MTU 1280"),
                "a large ping crossed the shrunk path before the router knew of it: the lab lets it through");

        assertTrue(Poll.until(PathShrinkIT::largePingCrosses, Duration.ofSeconds(40)),
                "large pings still lost 40 s after the path shrank: " + connections(h1));
        System.out.printf("PathShrinkIT: large pings cross again %.1f s after the path shrank%n", (System.nanoTime() - shrank) / 1e9);
        assertTrue(connections(h1).contains("path MTU 1280"), connections(h1));
        String status = lab.weft(h1, "status", "counters").orThrow().stdout();
        assertTrue(status.matches("(?s).*path-mtu-lowered\\s+[1-9].*"), status);

        NcTransfer.Hashes there = NcTransfer.sendRandom(lab, c1, c2, overlayAddress(2), 5001, 30L << 20, 11, "shrunk");
        assertEquals(there.sent(), there.received());
    }
}

package weft.lab;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two hosts whose underlay path carries only 1280 bytes: host 2's {@code eth0} and its port on the underlay bridge
 * have MTU 1280, so host 1's full-size datagrams vanish at the bridge without an ICMP. Host 1's router sees a
 * 1500-byte link, keeps the 1410 overlay MTU and learns the 1280 path with its probes; host 2's sees its own
 * 1280-byte link and takes 1190 (and that path) from the start. Large transfers and pings cross both ways.
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SmallMtuIT {
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static final Pattern LOWERED = Pattern.compile("path-mtu-lowered\\s+(\\d+)");
    private static Lab lab;
    private static String c1, c2;

    private static String overlayAddress(int host) {
        return "10.97.0." + host;
    }

    @BeforeAll
    static void buildLab() {
        lab = Lab.create(2);
        Host h1 = lab.host(1), h2 = lab.host(2);
        lab.setUnderlayMtu(h2, 1280);
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

    private static long lowered(Host host) {
        String status = lab.weft(host, "status", "counters").orThrow().stdout();
        Matcher m = LOWERED.matcher(status);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    @Test
    @Order(1)
    void bothRoutersLearnTheNarrowPath() {
        // the routers connect, then a probe round takes a second: poll the status rather than sleep
        long one = Poll.until(() -> lowered(lab.host(1)), n -> n >= 1, SETTLE);
        assertTrue(one >= 1, "host 1 never lowered its path MTU: " + lab.weft(lab.host(1), "status").stdout());
        String report = lab.weft(lab.host(1), "report").orThrow().stdout();
        assertTrue(report.contains("\"path-mtu-lowered\""), report);
        String connections = lab.weft(lab.host(2), "status", "connections").orThrow().stdout();
        assertTrue(connections.contains("path MTU 1280"), "the narrow path is not shown per connection: " + connections);
        String status = lab.weft(lab.host(2), "status").orThrow().stdout();
        assertTrue(status.contains("MTU 1190 (automatic, from the underlay MTU 1280 of eth0"), status);
    }

    @Test
    @Order(2)
    void largePingsCrossTheNarrowPath() {
        ExecResult small = Poll.until(() -> lab.exec(c1, Duration.ofSeconds(10), "ping", "-c", "1", "-W", "1", overlayAddress(2)),
                ExecResult::ok, SETTLE);
        assertTrue(small.ok(), small.describe());
        ExecResult big = lab.exec(c1, Duration.ofSeconds(20), "ping", "-s", "4000", "-c", "3", "-i", "0.2", "-W", "2", overlayAddress(2));
        assertTrue(big.ok(), big.describe());
        ExecResult back = lab.exec(c2, Duration.ofSeconds(20), "ping", "-s", "4000", "-c", "3", "-i", "0.2", "-W", "2", overlayAddress(1));
        assertTrue(back.ok(), back.describe());
    }

    @Test
    @Order(3)
    void fiftyMegabytesCrossTheNarrowPathIntact() throws Exception {
        NcTransfer.Hashes there = NcTransfer.sendRandom(lab, c1, c2, overlayAddress(2), 5001, 50L << 20, 7, "to2");
        assertEquals(there.sent(), there.received());
        NcTransfer.Hashes back = NcTransfer.sendRandom(lab, c2, c1, overlayAddress(1), 5001, 50L << 20, 7, "to1");
        assertEquals(back.sent(), back.received());
        for (Host host : lab.hosts()) System.out.println(lab.weft(host, "status").orThrow().stdout());
    }
}

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
 * A jumbo underlay: hosts 1 and 2 have MTU 9000 links, host 3 a 1500 one on the same underlay bridge, so what host 1
 * or 2 sends host 3 in more than 1500 bytes vanishes at host 3's port without an ICMP. The routers are launched
 * without {@code --mtu}: hosts 1 and 2 pick the jumbo overlay MTU 8910 and carry 8800-byte pings unfragmented; host
 * 3 picks 1410, and the jumbo hosts still reach it, the sleeve fragmenting to the 1500 path its probes find, or
 * answering a frame with don't-fragment set with ICMP "fragmentation needed".
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JumboMtuIT {
    private static final Duration SETTLE = Duration.ofSeconds(30);
    private static final Pattern FRAG_NEEDED = Pattern.compile("frag-needed-sent\\s+(\\d+)");
    private static Lab lab;
    private static final String[] containers = new String[4];

    private static String overlayAddress(int host) {
        return "10.97.0." + host;
    }

    @BeforeAll
    static void buildLab() {
        lab = Lab.create(3);
        lab.setUnderlayMtu(lab.host(1), 9000);
        lab.setUnderlayMtu(lab.host(2), 9000);
        for (Host host : lab.hosts()) {
            String[] others = lab.hosts().stream().filter(h -> h != host).map(Host::underlayAddress).toArray(String[]::new);
            String[] args = new String[3 + others.length];
            args[0] = "launch";
            args[1] = "--nickname";
            args[2] = "host" + host.index();
            System.arraycopy(others, 0, args, 3, others.length);
            lab.weft(host, args).orThrow();
            containers[host.index()] = lab.container(host, "c" + host.index());
            lab.weft(host, "attach", overlayAddress(host.index()) + "/24", "netns:" + containers[host.index()]).orThrow();
        }
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) lab.close();
    }

    private static String link(String netns, String name) {
        return lab.exec(netns, Duration.ofSeconds(5), "ip", "-o", "link", "show", name).orThrow().stdout();
    }

    /** Pings until one answer comes back: the routers connect and learn the containers' MACs after launch. */
    private static void reach(int from, int to) {
        ExecResult ping = Poll.until(() -> lab.exec(containers[from], Duration.ofSeconds(5), "ping", "-c", "1", "-W", "1", overlayAddress(to)),
                ExecResult::ok, SETTLE);
        if (!ping.ok()) throw new AssertionError("c" + from + " never reached c" + to + ": " + ping.describe());
    }

    @Test
    @Order(1)
    void eachRouterTakesItsOverlayMtuFromItsOwnUnderlayLink() {
        for (int i = 1; i <= 3; i++) {
            String expected = i < 3 ? "mtu 8910 " : "mtu 1410 ";
            assertTrue(link(lab.host(i).netns(), "weft").contains(expected), "bridge on host " + i + ": " + link(lab.host(i).netns(), "weft"));
            assertTrue(link(containers[i], "ethwe").contains(expected), "container on host " + i + ": " + link(containers[i], "ethwe"));
        }
        String status = lab.weft(lab.host(1), "status").orThrow().stdout();
        assertTrue(status.contains("MTU 8910 (automatic, from the underlay MTU 9000 of eth0 on the route to 192.168.77."), status);
        String narrow = lab.weft(lab.host(3), "status").orThrow().stdout();
        assertTrue(narrow.contains("MTU 1410 (automatic, from the underlay MTU 1500 of eth0 on the route to 192.168.77."), narrow);
    }

    @Test
    @Order(2)
    void jumboPingsCrossWholeBetweenJumboHosts() {
        reach(1, 2);
        ExecResult ping = lab.exec(containers[1], Duration.ofSeconds(20), "ping", "-M", "do", "-s", "8800", "-c", "3", "-i", "0.2", "-W", "2", overlayAddress(2));
        assertTrue(ping.ok(), ping.describe());
    }

    @Test
    @Order(3)
    void fiftyMegabytesCrossTheJumboOverlayIntact() throws Exception {
        NcTransfer.Hashes hashes = NcTransfer.sendRandom(lab, containers[1], containers[2], overlayAddress(2), 5001, 50L << 20, 11, "jumbo");
        assertEquals(hashes.sent(), hashes.received());
    }

    @Test
    @Order(4)
    void jumboHostsReachTheNarrowHostThroughItsPath() throws Exception {
        reach(1, 3);
        String connections = Poll.until(() -> lab.weft(lab.host(1), "status", "connections").orThrow().stdout(),
                c -> c.contains("path MTU 1500"), SETTLE);
        assertTrue(connections.contains("path MTU 1500") && connections.contains("path MTU 9000"),
                "host 1 should see a 9000 path to host 2 and a 1500 one to host 3: " + connections);

        // with don't-fragment, the sleeve refuses the 8000-byte packet with the 1500 path's overlay MTU ...
        ExecResult refused = lab.exec(containers[1], Duration.ofSeconds(10), "ping", "-M", "do", "-s", "8000", "-c", "1", "-W", "2", overlayAddress(3));
        assertTrue(!refused.ok(), refused.describe());
        Matcher sent = FRAG_NEEDED.matcher(lab.weft(lab.host(1), "status", "counters").orThrow().stdout());
        assertTrue(sent.find() && Long.parseLong(sent.group(1)) >= 1, "host 1 sent no ICMP fragmentation needed");
        String route = lab.exec(containers[1], Duration.ofSeconds(5), "ip", "route", "get", overlayAddress(3)).orThrow().stdout();
        assertTrue(route.contains("mtu 1410"), "the container's kernel did not learn the path: " + route);
        // ... so that the container's kernel fragments to it from then on, in both directions
        ExecResult there = lab.exec(containers[1], Duration.ofSeconds(20), "ping", "-s", "8000", "-c", "3", "-i", "0.2", "-W", "2", overlayAddress(3));
        assertTrue(there.ok(), there.describe());
        ExecResult back = lab.exec(containers[3], Duration.ofSeconds(20), "ping", "-s", "8000", "-c", "3", "-i", "0.2", "-W", "2", overlayAddress(1));
        assertTrue(back.ok(), back.describe());
        NcTransfer.Hashes hashes = NcTransfer.sendRandom(lab, containers[1], containers[3], overlayAddress(3), 5002, 20L << 20, 13, "narrow");
        assertEquals(hashes.sent(), hashes.received());
        for (Host host : lab.hosts()) System.out.println(lab.weft(host, "status").orThrow().stdout());
    }
}

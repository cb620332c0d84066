package weft.lab;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hosts that cannot or may not use the fast path: host 2's kernel refuses the VXLAN port (something else holds
 * UDP 6784 there, as another overlay would), host 3 runs with {@code --no-fastdp}. Every pair involving them
 * travels by sleeve, and each side says why.
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
class FastPathFallbackIT {
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static Lab lab;
    private static Host h1, h2, h3;
    private static String c1;

    @BeforeAll
    static void buildLab() {
        lab = Lab.create(3);
        h1 = lab.host(1);
        h2 = lab.host(2);
        h3 = lab.host(3);
        lab.spawn(h2.netns(), "nc.openbsd", "-u", "-l", "6784");
        awaitPortTaken(h2);
        lab.weft(h1, "launch", "--nickname", "host1", h2.underlayAddress(), h3.underlayAddress()).orThrow();
        lab.weft(h2, "launch", "--nickname", "host2", h1.underlayAddress()).orThrow();
        lab.weft(h3, "launch", "--nickname", "host3", "--no-fastdp", h1.underlayAddress()).orThrow();
        c1 = lab.container(h1, "c1");
        lab.weft(h1, "attach", "10.97.0.1/24", "netns:" + c1).orThrow();
        for (Host host : new Host[]{h2, h3}) {
            String container = lab.container(host, "c" + host.index());
            lab.weft(host, "attach", "10.97.0." + host.index() + "/24", "netns:" + container).orThrow();
        }
    }

    private static void awaitPortTaken(Host host) {
        assertTrue(Poll.until(() -> lab.exec(host.netns(), Duration.ofSeconds(5), "ss", "-Hlun", "sport = :6784").stdout().contains("6784"),
                Duration.ofSeconds(10)), "netcat did not take UDP 6784");
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) lab.close();
    }

    /** The line of {@code host}'s connections about the router nicknamed {@code nickname}, once it is established; empty if it never is. */
    private static String awaitConnection(Host host, String nickname) {
        return Poll.until(() -> lab.weft(host, "status", "connections").orThrow().stdout().lines()
                        .filter(l -> l.contains("(" + nickname + ")") && l.contains("established")).findFirst().orElse(""),
                line -> !line.isEmpty(), SETTLE);
    }

    @Test
    void aHostWithoutVxlanAndAHostWithTheFastPathOffCarryEveryPairBySleeveAndSayWhy() {
        String status2 = lab.weft(h2, "status").orThrow().stdout();
        assertTrue(status2.contains("Fast path: this host has no fast path: ") && status2.contains("Address already in use"), status2);
        String fromHost2 = awaitConnection(h2, "host1");
        assertTrue(fromHost2.contains("sleeve: this host has no fast path"), fromHost2);
        String fromHost3 = awaitConnection(h3, "host1");
        assertTrue(fromHost3.contains("sleeve: fast path off (--no-fastdp"), fromHost3);
        String report3 = lab.weft(h3, "report").orThrow().stdout();
        assertTrue(report3.contains("not tried (fast path off)"), report3);

        String toHost2 = awaitConnection(h1, "host2");
        assertTrue(toHost2.contains("fast: no heartbeats from the peer") && toHost2.contains("on sleeve"), toHost2);
        for (String address : new String[]{"10.97.0.2", "10.97.0.3"}) {
            assertTrue(Reachability.reachable(lab, c1, address, SETTLE), "c1 cannot reach " + address + " by sleeve");
        }
    }
}

package weft.lab;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Weft DNS on three hosts, asked by real clients in the containers (dig, and the glibc resolver through getent and
 * ping, with each container's resolv.conf naming its host's Weft DNS): names added on one host resolve on the others,
 * go when removed or detached, come back after a restart, survive a partition as their origins left them; queries
 * for other domains are forwarded to the host's upstream (dnsmasq); long answers are truncated over UDP and whole
 * over TCP.
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DnsIT {
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static final String UPSTREAM_NAME = "upstream.example.test", UPSTREAM_ADDRESS = "192.0.2.7";
    private static Lab lab;
    /** Host index → the bridge's overlay address, where its Weft DNS answers. */
    private static final Map<Integer, String> dnsAddress = new HashMap<>();
    /** Host index → its container's namespace. */
    private static final Map<Integer, String> container = new HashMap<>();

    @BeforeAll
    static void launch() throws IOException {
        lab = Lab.create(3);
        // host 3's upstream: dnsmasq on its loopback, serving one name from a hosts file and NXDOMAIN
        // for the rest of example.test (as root: the lab's directory is
        // closed to the user dnsmasq would become)
        Path hosts = Files.writeString(lab.dir().resolve("upstream-hosts"), UPSTREAM_ADDRESS + " " + UPSTREAM_NAME + "\n");
        lab.spawn(lab.host(3).netns(), "dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--addn-hosts=" + hosts,
                "--local=/example.test/", "--listen-address=127.0.0.1", "--bind-interfaces", "--port=53", "--user=root", "--pid-file=" + lab.dir().resolve("dnsmasq.pid"));
        Path upstreamConf = Files.writeString(lab.dir().resolve("h3-resolv.conf"), "nameserver 127.0.0.1\n");
        for (Host host : lab.hosts()) {
            List<String> args = new ArrayList<>(List.of("launch", "--nickname", "host" + host.index()));
            if (host.index() == 3) args.addAll(List.of("--resolv-conf", upstreamConf.toString()));
            lab.hosts().stream().filter(h -> h != host).forEach(h -> args.add(h.underlayAddress()));
            lab.weft(host, args.toArray(String[]::new)).orThrow();
        }
        for (Host host : lab.hosts()) {
            dnsAddress.put(host.index(), Lab.firstAddress(lab.weft(host, "expose").orThrow().stdout()));
            String c = lab.container(host, "c" + host.index());
            container.put(host.index(), c);
            lab.resolver(c, dnsAddress.get(host.index()));
            lab.weft(host, "attach", "--name", "c" + host.index(), "netns:" + c).orThrow();
        }
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) lab.close();
    }

    /** dig from host {@code i}'s container at its Weft DNS; the answer section only. */
    private static ExecResult dig(int i, String... query) {
        List<String> command = new ArrayList<>(List.of("dig", "@" + dnsAddress.get(i), "+time=2", "+tries=2"));
        command.addAll(List.of(query));
        return lab.exec(container.get(i), Duration.ofSeconds(20), command.toArray(String[]::new));
    }

    private static String resolved(int i, String name) {
        return dig(i, "+short", name).stdout().strip();
    }

    private static String addressOf(int host) {
        return Lab.firstAddress(lab.weft(lab.host(host), "ps", "netns:" + container.get(host)).orThrow().stdout());
    }

    @Test
    @Order(1)
    void aContainerNamedOnHost1ResolvesOnHost3ForDigAndTheGlibcResolver() {
        String c1 = addressOf(1);
        assertEquals(c1, Poll.until(() -> resolved(3, "c1.weft.local"), c1::equals, SETTLE), "dig on host 3");
        ExecResult getent = lab.exec(container.get(3), Duration.ofSeconds(10), "getent", "hosts", "c1");
        assertTrue(getent.ok() && getent.stdout().startsWith(c1 + " "), "glibc resolver, a single label through the search domain: " + getent);
        assertTrue(Reachability.reachable(lab, container.get(3), "c1", SETTLE), "ping c1 from host 3");
        ExecResult status = lab.weft(lab.host(3), "status", "dns").orThrow();
        assertTrue(status.stdout().contains("serving on " + dnsAddress.get(3) + ":53"), status.stdout());
        assertTrue(status.stdout().contains("c1.weft.local."), status.stdout());
        String ptr = dig(3, "+short", "-x", c1).stdout().strip();
        assertEquals("c1.weft.local.", ptr, "PTR of an overlay address");
    }

    @Test
    @Order(2)
    void aRemovedNameStopsResolvingEverywhereAndADetachedContainersNameGoes() {
        lab.weft(lab.host(2), "dns-add", "10.99.0.1", "10.99.0.2", "svc").orThrow();
        assertEquals("10.99.0.1\n10.99.0.2", Poll.until(() -> String.join("\n", resolved(1, "svc.weft.local").lines().sorted().toList()),
                "10.99.0.1\n10.99.0.2"::equals, SETTLE));
        assertEquals("10.99.0.1\n10.99.0.2", Poll.until(() -> String.join("\n", lab.weft(lab.host(3), "dns-lookup", "svc").stdout().strip()
                .lines().sorted().toList()), "10.99.0.1\n10.99.0.2"::equals, SETTLE), "weft dns-lookup on host 3");
        lab.weft(lab.host(2), "dns-remove", "svc").orThrow();
        for (int i : List.of(1, 3)) {
            assertTrue(Poll.until(() -> dig(i, "svc.weft.local").stdout().contains("status: NXDOMAIN"), SETTLE), "svc gone on host " + i);
        }
        lab.weft(lab.host(2), "detach", "netns:" + container.get(2)).orThrow();
        assertTrue(Poll.until(() -> dig(3, "c2.weft.local").stdout().contains("status: NXDOMAIN"), SETTLE), "a detached container's name goes");
    }

    @Test
    @Order(3)
    void otherDomainsAreForwardedToTheHostsUpstream() {
        ExecResult answer = dig(3, UPSTREAM_NAME);
        assertTrue(answer.stdout().contains(UPSTREAM_ADDRESS) && answer.stdout().contains("status: NOERROR"), answer.stdout());
        ExecResult tcp = dig(3, "+tcp", UPSTREAM_NAME);
        assertTrue(tcp.stdout().contains(UPSTREAM_ADDRESS), "forwarded over TCP: " + tcp.stdout());
        ExecResult unknown = dig(3, "nothing.example.test");
        assertTrue(unknown.stdout().contains("status: NXDOMAIN"), "the upstream's NXDOMAIN comes back: " + unknown.stdout());
    }

    @Test
    @Order(4)
    void aLongAnswerIsTruncatedOverUdpAndWholeOverTcp() {
        List<String> args = new ArrayList<>(List.of("dns-add"));
        for (int i = 1; i <= 60; i++) args.add("10.98.0." + i);
        args.add("big");
        lab.weft(lab.host(1), args.toArray(String[]::new)).orThrow();
        assertTrue(Poll.until(() -> dig(3, "+tcp", "big.weft.local").stdout().contains("ANSWER: 60,"), SETTLE), "all 60 over TCP");
        String udp = dig(3, "+noedns", "+ignore", "big.weft.local").stdout();
        assertTrue(udp.contains(" tc") && !udp.contains("ANSWER: 60,"), "truncated over UDP without EDNS0: " + udp);
        String retried = dig(3, "+noedns", "big.weft.local").stdout();
        assertTrue(retried.contains("ANSWER: 60,"), "dig retries over TCP on TC: " + retried);
    }

    @Test
    @Order(5)
    void namesSurviveARestartOfTheirRouter() {
        // the bridge's MAC is set, not taken from its lowest port, so that the restart's new TAP port cannot change it
        // under the containers' ARP caches (then their queries to the bridge's address go nowhere for a while)
        assertEquals("3", lab.exec(lab.host(1).netns(), Duration.ofSeconds(5), "cat", "/sys/class/net/weft/addr_assign_type")
                .orThrow().stdout().strip(), "NET_ADDR_SET");
        lab.weft(lab.host(1), "stop").orThrow();
        lab.weft(lab.host(1), "launch", "--nickname", "host1", lab.host(2).underlayAddress(), lab.host(3).underlayAddress()).orThrow();
        assertEquals(addressOf(1), resolved(1, "c1.weft.local"), "restored from the data directory, served at once");
        assertTrue(Poll.until(() -> dig(3, "+tcp", "big.weft.local").stdout().contains("ANSWER: 60,"), SETTLE));
    }

    @Test
    @Order(6)
    void afterAPartitionHealsBothSidesNamesAreEverywhereAndADeletedOneStaysDeleted() throws IOException {
        lab.weft(lab.host(1), "dns-add", "10.97.0.1", "doomed").orThrow();
        assertTrue(Poll.until(() -> resolved(3, "doomed.weft.local").equals("10.97.0.1"), SETTLE));
        Path rules = Files.writeString(lab.dir().resolve("partition.nft"), """
                table inet partition {
                  chain in { type filter hook input priority 0; policy accept; ip saddr { %s, %s } drop; }
                  chain out { type filter hook output priority 0; policy accept; ip daddr { %s, %s } drop; }
                }
                """.formatted(lab.host(1).underlayAddress(), lab.host(2).underlayAddress(),
                lab.host(1).underlayAddress(), lab.host(2).underlayAddress()));
        lab.exec(lab.host(3).netns(), Duration.ofSeconds(10), "nft", "-f", rules.toString()).orThrow();
        // long enough for the routers to see the connections dead (heartbeats), so this is a partition, not a hiccup
        assertTrue(Poll.until(() -> !lab.weft(lab.host(3), "status", "connections").orThrow().stdout().contains("established"),
                Duration.ofSeconds(60)), "host 3 cut off");
        lab.weft(lab.host(1), "dns-add", "10.97.0.11", "left").orThrow();
        lab.weft(lab.host(3), "dns-add", "10.97.0.13", "right").orThrow();
        lab.weft(lab.host(1), "dns-remove", "doomed").orThrow();
        assertEquals("10.97.0.1", resolved(3, "doomed.weft.local"), "host 3 cannot have heard of the removal");

        lab.exec(lab.host(3).netns(), Duration.ofSeconds(10), "nft", "delete", "table", "inet", "partition").orThrow();
        long healed = System.nanoTime();
        assertTrue(Poll.until(() -> lab.weft(lab.host(3), "status", "connections").orThrow().stdout().contains("established")
                && lab.weft(lab.host(1), "status", "connections").orThrow().stdout().lines()
                        .anyMatch(line -> line.contains("established") && line.contains("(host3)")), SETTLE), "host 3 reconnected");
        long reconnected = System.nanoTime();
        assertTrue(Poll.until(() -> resolved(1, "right.weft.local").equals("10.97.0.13") && resolved(3, "left.weft.local").equals("10.97.0.11")
                && dig(3, "doomed.weft.local").stdout().contains("status: NXDOMAIN"), Duration.ofSeconds(5)),
                "both sides' names within 5 s of the reconnection, the removed one gone");
        System.out.printf("DnsIT: after the heal, reconnected in %.1f s, names everywhere %.1f s later%n",
                (reconnected - healed) / 1e9, (System.nanoTime() - reconnected) / 1e9);
        assertFalse(resolved(2, "doomed.weft.local").contains("10.97.0.1"));
    }
}

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
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Four hosts without a password, so every direct pair may use the kernel fast path. Host 1's own firewall (the
 * lab's nftables rules) drops UDP 6784 to and from host 3, so that pair stays on sleeve, and everything to and from
 * host 4, which host 1 then reaches only through a relay. Host 1 and host 2 are on the fast path, until a rule
 * drops UDP 6784 between them for a while.
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FastPathIT {
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    /** How long a count must stay the same to count as settled, and how long a duplicate gets to show up. */
    private static final Duration SETTLED = Duration.ofMillis(300), DUPLICATE_WINDOW = Duration.ofMillis(500);
    /** An iperf3 interval line, "0.00-1.00 sec 23.9 MBytes ...": group 1 is the amount moved. */
    private static final Pattern INTERVAL = Pattern.compile("\\d+\\.\\d+-\\d+\\.\\d+\\s+sec\\s+(\\d+(?:\\.\\d+)?) \\w?Bytes");
    private static Lab lab;
    private static Host h1, h2, h3, h4;
    private static final Map<Integer, String> containers = new java.util.TreeMap<>();

    private static String overlayAddress(int host) {
        return "10.97.0." + host;
    }

    @BeforeAll
    static void buildLab() throws IOException {
        lab = Lab.create(4);
        h1 = lab.host(1);
        h2 = lab.host(2);
        h3 = lab.host(3);
        h4 = lab.host(4);
        Path rules = Files.writeString(lab.dir().resolve("rules-h1.nft"), """
                table inet lab {
                  chain in { type filter hook input priority 0; policy accept; ip saddr %1$s udp dport 6784 drop; ip saddr %2$s drop; }
                  chain out { type filter hook output priority 0; policy accept; ip daddr %1$s udp dport 6784 drop; ip daddr %2$s drop; }
                }
                """.formatted(h3.underlayAddress(), h4.underlayAddress()));
        lab.exec(h1.netns(), Duration.ofSeconds(10), "nft", "-f", rules.toString()).orThrow();
        lab.weft(h1, "launch", "--nickname", "host1", "--no-discovery", h2.underlayAddress(), h3.underlayAddress()).orThrow();
        lab.weft(h2, "launch", "--nickname", "host2", "--no-discovery", h1.underlayAddress(), h3.underlayAddress()).orThrow();
        lab.weft(h3, "launch", "--nickname", "host3", "--no-discovery", h1.underlayAddress(), h2.underlayAddress()).orThrow();
        lab.weft(h4, "launch", "--nickname", "host4", "--no-discovery", h2.underlayAddress(), h3.underlayAddress()).orThrow();
        for (Host host : List.of(h1, h2, h3, h4)) {
            String container = lab.container(host, "c" + host.index());
            containers.put(host.index(), container);
            lab.weft(host, "attach", overlayAddress(host.index()) + "/24", "netns:" + container).orThrow();
        }
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) lab.close();
    }

    private static String connections(Host host) {
        return lab.weft(host, "status", "connections").orThrow().stdout();
    }

    /** The line of {@code host}'s connections that is about the router nicknamed {@code nickname}. */
    private static String connectionTo(Host host, String nickname) {
        return connections(host).lines().filter(line -> line.contains("(" + nickname + ")")).findFirst().orElse("");
    }

    private static String awaitConnection(Host host, String nickname, Predicate<String> wanted, Duration within) {
        String line = Poll.until(() -> connectionTo(host, nickname), wanted, within);
        assertTrue(wanted.test(line), "connection of host " + host.index() + " to " + nickname + " is: " + line + "\n" + connections(host));
        return line;
    }

    private static boolean fast(String line) {
        return line.contains(" fast,");
    }

    private static boolean onSleeve(String line) {
        return line.contains(", on sleeve,") || line.contains(" sleeve: ");
    }

    private static long counter(Host host, String path) {
        return Long.parseLong(lab.exec(host.netns(), Duration.ofSeconds(5), "cat", "/sys/class/net/" + path).orThrow().stdout().strip());
    }

    @Test
    @Order(1)
    void directPairsWhoseHeartbeatsFlowUseTheFastPathAndTheOthersSayWhyNot() throws Exception {
        awaitConnection(h1, "host2", FastPathIT::fast, SETTLE);
        awaitConnection(h4, "host2", FastPathIT::fast, SETTLE);
        String toHost3 = awaitConnection(h1, "host3", line -> line.contains("established"), SETTLE);
        assertTrue(toHost3.contains("fast: no heartbeats from the peer"), toHost3);
        assertTrue(toHost3.contains(", on sleeve"), toHost3);

        for (int other : List.of(2, 3, 4)) {
            assertTrue(Reachability.reachable(lab, containers.get(1), overlayAddress(other), SETTLE), "c1 cannot reach c" + other);
        }
        long before = counter(h1, "weft-vxlan/statistics/tx_bytes");
        NcTransfer.Hashes hashes = NcTransfer.sendRandom(lab, containers.get(1), containers.get(2), overlayAddress(2), 5201,
                50L << 20, 1, "fast");
        assertEquals(hashes.sent(), hashes.received());
        long carried = counter(h1, "weft-vxlan/statistics/tx_bytes") - before;
        assertTrue(carried >= 50L << 20, "the kernel VXLAN port carried only " + carried + " bytes of a 50 MiB transfer");

        String report = lab.weft(h1, "report").orThrow().stdout();
        assertTrue(report.contains("\"esp (xfrm rfc4106(gcm(aes)))\""), report);
        assertTrue(lab.exec(h1.netns(), Duration.ofSeconds(5), "bridge", "-d", "link", "show", "dev", "weft-vxlan").orThrow().stdout()
                .contains("isolated on"), "the VXLAN port must not forward to the TAP port");
    }

    @Test
    @Order(2)
    void aBroadcastReachesEveryPeerOnceWhetherByKernelSleeveOrRelay() throws Exception {
        Path underlay = lab.dir().resolve("broadcast-underlay.pcap");
        // only the ARP requests for 10.97.0.250 (0x0a6100fa), at offset 38 of the frame: after the 8-byte UDP header and
        // the 8-byte VXLAN header, or the 32-byte sleeve header (unsealed: this mesh has no password)
        Process capture = lab.spawn(h1.netns(), "tcpdump", "-i", "eth0", "--immediate-mode", "-U", "-n", "-w", underlay.toString(),
                "src host " + h1.underlayAddress() + " and ((udp dst port 6784 and udp[54:4] = 0x0a6100fa)"
                        + " or (udp dst port 6783 and udp[78:4] = 0x0a6100fa))");
        Map<Integer, Process> listeners = new java.util.TreeMap<>();
        for (int host = 1; host <= 4; host++) {
            listeners.put(host, lab.spawn(containers.get(host), "tcpdump", "-i", "ethwe", "--immediate-mode", "-l", "-n",
                    "arp and arp[24:4] = 0x0a6100fa"));
        }
        awaitListening(capture);
        for (Process listener : listeners.values()) awaitListening(listener);

        // 10.97.0.250 is nobody: c1's kernel broadcasts its ARP requests for it until it gives up
        lab.exec(containers.get(1), Duration.ofSeconds(15), "ping", "-c", "1", "-W", "3", "10.97.0.250");
        long sent = settledCount(listeners.get(1));
        assertTrue(sent >= 1, "c1 sent no ARP request");
        for (int host = 2; host <= 4; host++) {
            Process listener = listeners.get(host);
            long received = Poll.until(() -> count(listener), n -> n >= sent, Duration.ofSeconds(10));
            assertEquals(sent, received, "c" + host + " received " + received + " of " + sent + " ARP requests");
        }
        // A window, not a wait for an event: a duplicate would arrive within the same round trip as its original, so
        // none within DUPLICATE_WINDOW of the last original means none. Watching the counts ends it early if one comes.
        Poll.until(() -> anyCountAbove(listeners, sent), DUPLICATE_WINDOW);
        for (int host = 2; host <= 4; host++) assertEquals(sent, count(listeners.get(host)), "a duplicate reached c" + host);

        // the capture writes what it saw a little later than the containers see it: read until all copies are in
        Poll.until(() -> readCapture(underlay),
                p -> countLines(p, ".6783:") >= 2 * sent && countLines(p, ".6784:") >= sent, Duration.ofSeconds(10));
        // a window again, as for the containers: a duplicate would show in the capture within DUPLICATE_WINDOW
        String packets = Poll.until(() -> readCapture(underlay),
                p -> countLines(p, ".6783:") > 2 * sent || countLines(p, ".6784:") > sent, DUPLICATE_WINDOW);
        capture.destroy();
        capture.waitFor(10, TimeUnit.SECONDS);
        long kernelToHost2 = countLines(packets, "> " + h2.underlayAddress() + ".6784:");
        long kernelElsewhere = countLines(packets, ".6784:") - kernelToHost2;
        long sleeve = countLines(packets, ".6783:");
        assertEquals(sent, kernelToHost2, "by the kernel to host 2 only:\n" + packets);
        assertEquals(0, kernelElsewhere, packets);
        assertEquals(2 * sent, sleeve, "by sleeve: one copy for host 3, one for host 4 through a relay:\n" + packets);
    }

    @Test
    @Order(3)
    void droppingUdp6784MovesThePairToSleeveWithinThreeSecondsWhileAStreamKeepsRunningAndBack() throws Exception {
        awaitConnection(h1, "host2", FastPathIT::fast, SETTLE);
        Process server = lab.spawn(containers.get(2), "iperf3", "-s", "-1", "--forceflush");
        awaitTrue(() -> Files.readString(lab.logOf(server)).contains("Server listening"), Duration.ofSeconds(20));
        // 20 s: the stream must outlast both switches and their waits even on a loaded machine
        Process client = lab.spawn(containers.get(1), "iperf3", "-c", overlayAddress(2), "-t", "20", "-b", "200M", "-i", "1", "--forceflush");
        // pings through both switches: lost ones are expected while the path is broken, duplicates never
        Process pings = lab.spawn(containers.get(1), "ping", "-i", "0.02", "-c", "600", overlayAddress(2));
        // the stream runs on the fast path first: two seconds of it that carried data
        awaitTrue(() -> intervalsWithData(client) >= 2, Duration.ofSeconds(20));

        Path flap = Files.writeString(lab.dir().resolve("flap.nft"), """
                table inet flap {
                  chain in { type filter hook input priority 0; policy accept; ip saddr %1$s udp dport 6784 drop; }
                  chain out { type filter hook output priority 0; policy accept; ip daddr %1$s udp dport 6784 drop; }
                }
                """.formatted(h2.underlayAddress()));
        LocalDateTime dropped = LocalDateTime.now();
        lab.exec(h1.netns(), Duration.ofSeconds(10), "nft", "-f", flap.toString()).orThrow();
        String line = awaitConnection(h1, "host2", FastPathIT::onSleeve, Duration.ofSeconds(10));
        assertTrue(line.contains("heartbeats lost"), line);
        awaitConnection(h2, "host1", FastPathIT::onSleeve, Duration.ofSeconds(10));
        Duration toSleeve = sinceInLog(h1, "host2): heartbeats lost", dropped);
        assertTrue(toSleeve.toMillis() < 3000, "host 1 moved host 2 to sleeve after " + toSleeve.toMillis() + " ms");

        // the stream runs on sleeve for a while: three more seconds of it that carried data
        long onSleeveFrom = intervalsWithData(client);
        awaitTrue(() -> intervalsWithData(client) >= onSleeveFrom + 3, Duration.ofSeconds(10));
        LocalDateTime restored = LocalDateTime.now();
        lab.exec(h1.netns(), Duration.ofSeconds(10), "nft", "delete", "table", "inet", "flap").orThrow();
        awaitConnection(h1, "host2", FastPathIT::fast, Duration.ofSeconds(10));
        awaitConnection(h2, "host1", FastPathIT::fast, Duration.ofSeconds(10));
        Duration toFast = sinceInLog(h1, "host2) (" + h2.underlayAddress() + "): working", restored);
        assertTrue(toFast.toMillis() < 3000, "host 1 moved host 2 back to the fast path after " + toFast.toMillis() + " ms");
        System.out.println("FastPathIT: UDP 6784 dropped -> sleeve after " + toSleeve.toMillis() + " ms; restored -> fast after "
                + toFast.toMillis() + " ms");

        assertTrue(pings.waitFor(40, TimeUnit.SECONDS), "ping did not finish");
        String pinged = Files.readString(lab.logOf(pings));
        assertTrue(!pinged.contains("DUP!"), "a frame arrived twice around a switch:\n" + pinged.lines().filter(l -> l.contains("DUP!")).toList());
        pinged.lines().filter(l -> l.contains("packets transmitted")).forEach(l -> System.out.println("FastPathIT: pings across both switches: " + l));
        assertTrue(client.waitFor(40, TimeUnit.SECONDS), "iperf3 did not finish");
        String output = Files.readString(lab.logOf(client));
        assertEquals(0, client.exitValue(), "the stream broke:\n" + output);
        assertTrue(output.contains("receiver"), output);
        Matcher interval = Pattern.compile("\\d+\\.\\d+-\\d+\\.\\d+\\s+sec").matcher(output);
        int intervals = 0;
        while (interval.find()) {
            intervals++;
        }
        assertTrue(intervals >= 20, output);
    }

    private static String readCapture(Path pcap) {
        return lab.exec(h1.netns(), Duration.ofSeconds(20), "tcpdump", "-r", pcap.toString(), "-n").stdout();
    }

    /** How long after {@code from} the first log line of {@code host} containing {@code text} was written. */
    private static Duration sinceInLog(Host host, String text, LocalDateTime from) throws IOException {
        for (String line : Files.readAllLines(host.dataDir().resolve("weft.log"))) {
            if (!line.contains(text) || line.length() < 23) continue;
            LocalDateTime at = LocalDateTime.parse(line.substring(0, 23), LOG_TIME);
            if (!at.isBefore(from)) return Duration.between(from, at);
        }
        throw new AssertionError("no line with '" + text + "' after " + from + " in host " + host.index() + "'s log");
    }

    private static long countLines(String text, String fragment) {
        return text.lines().filter(line -> line.contains(fragment)).count();
    }

    private static void awaitListening(Process tcpdump) throws IOException {
        awaitTrue(() -> Files.readString(lab.logOf(tcpdump)).contains("listening on"), Duration.ofSeconds(20));
    }

    /** ARP requests a container's tcpdump printed (one line each). */
    private static long count(Process tcpdump) throws IOException {
        return Files.readAllLines(lab.logOf(tcpdump)).stream().filter(line -> line.contains("Request who-has")).count();
    }

    /** Whether a listener of hosts 2 to 4 counted more than {@code sent} requests. */
    private static boolean anyCountAbove(Map<Integer, Process> listeners, long sent) throws IOException {
        for (int host = 2; host <= 4; host++) {
            if (count(listeners.get(host)) > sent) return true;
        }
        return false;
    }

    /**
     * What a tcpdump counted once its count is not zero and has not changed for {@link #SETTLED}: the requests were
     * all sent before {@code ping} returned, but tcpdump prints them a little after they pass, and nothing says
     * when it has printed the last one.
     */
    private static long settledCount(Process tcpdump) throws IOException {
        long[] changed = {-1, System.nanoTime()}; // the count last read, and when it last changed
        return Poll.until(() -> {
            long n = count(tcpdump);
            if (n != changed[0]) {
                changed[0] = n;
                changed[1] = System.nanoTime();
            }
            return n;
        }, n -> n > 0 && System.nanoTime() - changed[1] >= SETTLED.toNanos(), Duration.ofSeconds(10));
    }

    /** The one-second intervals in which the iperf3 client moved data, as its log reports them so far (not the summary). */
    private static long intervalsWithData(Process iperf3) throws IOException {
        return Files.readAllLines(lab.logOf(iperf3)).stream()
                .filter(line -> !line.contains("sender") && !line.contains("receiver"))
                .map(INTERVAL::matcher)
                .filter(Matcher::find)
                .filter(interval -> Double.parseDouble(interval.group(1)) > 0)
                .count();
    }

    private static <E extends Exception> void awaitTrue(Poll.Check<E> check, Duration within) throws E {
        assertTrue(Poll.until(check, within), "condition not met within " + within);
    }
}

package weft.cli.doctor;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import weft.api.StatusReport;
import weft.api.StatusReport.ConnectionView;
import weft.api.StatusReport.IpamView;
import weft.api.StatusReport.SleeveHeard;
import weft.api.StatusReport.TargetView;
import weft.gossip.Cidr;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each check on fabricated facts: what it says when all is well, and the line and remedy for each way it breaks. */
class DoctorTest {
    private static final Instant NOW = Instant.parse("2025-01-01T01:00:00Z");
    private static final String LONG_AGO = "2025-01-01T00:00:00Z";
    private static final Cidr RANGE = Cidr.parse("10.32.0.0/12");
    private static final IpamView READY = new IpamView("10.32.0.0/12", "10.32.0.0/12", "ready", "nothing", "ring", 1000, 2,
            List.of(new IpamView.Share("aa:bb:cc:dd:ee:01", "host1", 1 << 20, 100.0, 1000, true, List.of("10.32.0.0/12"))), List.of(), List.of(), "");
    private static final Map<String, String> KERNEL = Map.of("vxlan and bridge port isolation", "available",
            "esp (xfrm rfc4106(gcm(aes)))", "no ESP: the kernel refused an rfc4106(gcm(aes)) SA: Function not implemented",
            "tap vnet_hdr, offloads and multi-queue", "available (csum, tso4, tso6, tso_ecn; 2 queues)", "udp gso", "available", "udp gro", "available");

    private static ConnectionView connection(String path, SleeveHeard heard) {
        return new ConnectionView("aa:bb:cc:dd:ee:02", "host2", "192.168.1.2:6783", "outbound", "established", LONG_AGO, path,
                "plaintext", 1500, heard);
    }

    private static StatusReport status(List<ConnectionView> connections, List<TargetView> targets, IpamView ipam, String encryption, int mtu) {
        return new StatusReport("0.1.0", 4242, "aa:bb:cc:dd:ee:01", "host1", encryption, "0.0.0.0:6783", 6783, "127.0.0.1:6784", "weft",
                "weft-sleeve", mtu, "automatic, from the underlay MTU 1500 of eth0", "10.32.0.0/12", "/var/lib/weft", connections, targets,
                List.of(), Map.of("aa:bb:cc:dd:ee:02", "aa:bb:cc:dd:ee:02"), 0, Map.of(), ipam,
                "weft-vxlan (VXLAN, UDP 6784) on weft, isolated from weft-sleeve", Map.of(), KERNEL);
    }

    private static StatusReport healthy() {
        return status(List.of(connection("fast", new SleeveHeard(500, 3_000, 4_000))),
                List.of(new TargetView("192.168.1.2", "connected", "aa:bb:cc:dd:ee:02", "", "", 1)), READY, "disabled (no password)", 1410);
    }

    private static RouterState answering(StatusReport status) {
        return new RouterState.Answering("127.0.0.1:6784", status, false, false);
    }

    private static Facts facts(RouterState router) {
        return new Facts(NOW, router, RANGE, new Gathered.Known<>(new Facts.Sysctls(true, Optional.of(true))),
                new Gathered.Known<>(List.of(new Facts.Route(Cidr.parse("192.168.1.0/24"), "eth0"), new Facts.Route(RANGE, "weft"))),
                new Gathered.Known<>(List.of(new PortHolder("tcp", "0.0.0.0", 6783, 11, 4242, "java"),
                        new PortHolder("udp", "0.0.0.0", 6783, 12, 4242, "java"), new PortHolder("udp", "0.0.0.0", 6784, 0, PortHolder.KERNEL, ""))),
                new Gathered.Known<>(List.of()));
    }

    private static Facts with(Facts f, StatusReport status) {
        return new Facts(f.now(), answering(status), f.defaultRange(), f.sysctls(), f.routes(), f.sockets(), f.firewall());
    }

    private static Finding only(List<Finding> findings) {
        assertEquals(1, findings.size(), findings.toString());
        return findings.getFirst();
    }

    @Test
    void aHealthyHostIsAllOkWithExitStatusZero() {
        List<Finding> findings = Doctor.examine(facts(answering(healthy())));
        assertTrue(findings.stream().allMatch(f -> f.level() == Finding.Level.OK), Doctor.text(findings));
        assertTrue(findings.contains(Finding.ok("peers", "1 target, every one connected; 1 peer reachable")), Doctor.text(findings));
        assertEquals(0, Doctor.exitStatus(findings));
        assertEquals(Doctor.CHECKS.size(), findings.size(), "one line per check when all is well");
    }

    @Test
    void noRouterFailsTheRouterLineWithItsRemedyAndSkipsWhatOnlyTheRouterKnows() {
        Facts facts = facts(new RouterState.Silent("nothing answers at 127.0.0.1:6784 and no router runs", "start one: weft launch PEER..."));
        List<Finding> findings = Doctor.examine(facts);
        assertEquals(new Finding("router", Finding.Level.FAIL, "nothing answers at 127.0.0.1:6784 and no router runs", "start one: weft launch PEER..."),
                findings.getFirst());
        assertEquals(1, Doctor.exitStatus(findings));
        for (String check : List.of(DataPath.NAME, Targets.NAME, Mtu.NAME, Allocator.NAME, KernelFeatures.NAME)) {
            assertTrue(findings.contains(Finding.skip(check, "no router answered to ask")), check + " in " + findings);
        }
    }

    @Test
    void aPeerConnectedOnTcpButQuietOnUdpAndWithoutHeartbeatsIsADeadDataPath() {
        Finding dead = only(DataPath.check(with(facts(null), status(List.of(connection("fast: heartbeats lost 40.2 s ago, on sleeve",
                new SleeveHeard(500, 40_000, 41_000))), List.of(), READY, "disabled", 1410))));
        assertEquals(Finding.Level.FAIL, dead.level());
        assertEquals("aa:bb:cc:dd:ee:02(host2) at 192.168.1.2: the control connection (TCP 6783) is up but the data path is dead: nothing arrived"
                + " on UDP 6783 from it for 40 s, and the fast path's heartbeats (UDP 6784) are lost", dead.finding());
        assertTrue(dead.remedy().startsWith("let UDP 6783 and 6784 through, both ways, between this host and 192.168.1.2"), dead.remedy());
    }

    @Test
    void aPeerWhoseDatagramsArriveButWhoAnswersNoProbeIsDeadTooForOursDoNotReachIt() {
        Finding dead = only(DataPath.check(with(facts(null), status(List.of(connection("fast: the peer does not hear our heartbeats, on sleeve",
                new SleeveHeard(500, 2_000, 30_000))), List.of(), READY, "disabled", 1410))));
        assertEquals(Finding.Level.FAIL, dead.level());
        assertTrue(dead.finding().contains("it answered none of our UDP 6783 probes for 30 s"), dead.finding());
    }

    @Test
    void theQuietLimitIsTwentyFiveSecondsAndNotLess() {
        ConnectionView justQuiet = connection("fast: heartbeats lost 25.0 s ago, on sleeve", new SleeveHeard(500, 25_000, 25_000));
        assertEquals(Finding.Level.WARN, DataPath.pair(justQuiet, NOW).level(), "the fast path's loss alone warns");
        ConnectionView tooQuiet = connection("fast: heartbeats lost 25.0 s ago, on sleeve", new SleeveHeard(500, 25_001, 25_000));
        assertEquals(Finding.Level.FAIL, DataPath.pair(tooQuiet, NOW).level());
    }

    @Test
    void aPeerThatNeverSentADatagramCountsFromWhenItConnected() {
        ConnectionView young = new ConnectionView("aa:bb:cc:dd:ee:02", "host2", "192.168.1.2:6783", "outbound", "established",
                NOW.minusSeconds(5).toString(), "sleeve: fast path off (--no-fastdp)", "plaintext", 0, new SleeveHeard(0, -1, -1));
        assertEquals(Finding.Level.OK, DataPath.pair(young, NOW).level(), "5 s old: too young to tell");
        ConnectionView old = new ConnectionView("aa:bb:cc:dd:ee:02", "host2", "192.168.1.2:6783", "outbound", "established",
                LONG_AGO, "sleeve: fast path off (--no-fastdp)", "plaintext", 0, new SleeveHeard(0, -1, -1));
        Finding dead = DataPath.pair(old, NOW);
        assertEquals(Finding.Level.FAIL, dead.level());
        assertTrue(dead.finding().contains("nothing arrived on UDP 6783 from it for 3600 s and the pair has no fast path (sleeve: fast path off (--no-fastdp))"),
                dead.finding());
    }

    @Test
    void aFastPairWhoseSleeveIsCutOffWarnsAndAPairOnlyOffTheFastPathWarnsWithTheRightRemedy() {
        Finding sleeveCut = DataPath.pair(connection("fast", new SleeveHeard(500, 60_000, 60_000)), NOW);
        assertEquals(Finding.Level.WARN, sleeveCut.level());
        assertTrue(sleeveCut.finding().contains("the fast path carries the data, but the sleeve (UDP 6783) is cut off"), sleeveCut.finding());
        Finding udp6784 = DataPath.pair(connection("fast: no heartbeats from the peer in 30.0 s (UDP 6784 blocked, or the peer runs without a fast path), on sleeve",
                new SleeveHeard(500, 1_000, 2_000)), NOW);
        assertEquals(Finding.Level.WARN, udp6784.level());
        assertTrue(udp6784.remedy().startsWith("let UDP 6784 through"), udp6784.remedy());
        Finding mtu = DataPath.pair(connection("fast: full-size heartbeats (1424 B) lost while small ones arrive: the underlay path MTU is below the overlay MTU + 50, on sleeve",
                new SleeveHeard(500, 1_000, 2_000)), NOW);
        assertTrue(mtu.remedy().startsWith("lower the overlay MTU"), mtu.remedy());
    }

    @Test
    void anOlderRouterThatDoesNotSayWhatItsSleeveHearsIsSkippedNotJudged() {
        assertEquals(Finding.Level.SKIP, DataPath.pair(connection("fast", null), NOW).level());
    }

    @Test
    void ipForwardOffFailsOnAnExposedHostAndWarnsElsewhere() {
        Facts off = new Facts(NOW, new RouterState.Answering("a", healthy(), true, false), RANGE,
                new Gathered.Known<>(new Facts.Sysctls(false, Optional.empty())), new Gathered.Known<>(List.of()), new Gathered.Known<>(List.of()), new Gathered.Known<>(List.of()));
        Finding exposed = only(IpForwarding.check(off));
        assertEquals(Finding.Level.FAIL, exposed.level());
        assertEquals(IpForwarding.REMEDY, exposed.remedy());
        Facts notExposed = new Facts(NOW, answering(healthy()), RANGE, off.sysctls(), off.routes(), off.sockets(), off.firewall());
        assertEquals(Finding.Level.WARN, only(IpForwarding.check(notExposed)).level());
        Facts unknown = new Facts(NOW, answering(healthy()), RANGE, new Gathered.Unknown<>("cannot read /proc/sys/net"), off.routes(), off.sockets(), off.firewall());
        assertEquals(Finding.skip("ip_forward", "cannot read /proc/sys/net"), only(IpForwarding.check(unknown)));
    }

    @Test
    void bridgeNetfilterMattersOnlyToAKubernetesRouter() {
        Gathered<Facts.Sysctls> unloaded = new Gathered.Known<>(new Facts.Sysctls(true, Optional.empty()));
        Gathered<Facts.Sysctls> off = new Gathered.Known<>(new Facts.Sysctls(true, Optional.of(false)));
        RouterState kube = new RouterState.Answering("a", healthy(), true, true);
        assertEquals(Finding.Level.OK, only(BridgeNetfilter.check(new Facts(NOW, answering(healthy()), RANGE, unloaded, null, null, null))).level());
        assertEquals(Finding.Level.OK, only(BridgeNetfilter.check(new Facts(NOW, answering(healthy()), RANGE, off, null, null, null))).level());
        assertTrue(only(BridgeNetfilter.check(new Facts(NOW, kube, RANGE, unloaded, null, null, null))).remedy().startsWith("modprobe br_netfilter"));
        assertTrue(only(BridgeNetfilter.check(new Facts(NOW, kube, RANGE, off, null, null, null))).remedy().startsWith("sysctl -w net.bridge.bridge-nf-call-iptables=1"));
    }

    @Test
    void aRouteForPartOfTheRangeThroughAnotherDeviceFailsButABroaderOneAndTheBridgesDoNot() {
        Gathered<List<Facts.Route>> routes = new Gathered.Known<>(List.of(new Facts.Route(Cidr.parse("10.0.0.0/8"), "tun0"),
                new Facts.Route(RANGE, "weft"), new Facts.Route(Cidr.parse("10.32.5.0/24"), "eth1")));
        Finding overlap = only(OverlappingRoutes.check(new Facts(NOW, answering(healthy()), RANGE, null, routes, null, null)));
        assertEquals(new Finding("routes", Finding.Level.FAIL, "the allocation range 10.32.0.0/12 overlaps 10.32.5.0/24 dev eth1: traffic for those"
                + " containers leaves by that device, not the overlay", "remove a stale route (ip route del 10.32.5.0/24 dev eth1), or give every router"
                + " an --ipalloc-range that nothing else here uses"), overlap);
        Facts noRouter = new Facts(NOW, new RouterState.Silent("", ""), Cidr.parse("10.40.0.0/16"), null, routes, null, null);
        assertEquals(Finding.Level.OK, only(OverlappingRoutes.check(noRouter)).level(), "without a router, the range given to check");
    }

    @Test
    void portsHeldByAnotherProcessFailWithoutARouterAndAKernelSocketOnTheFastPathsPortIsNamed() {
        Gathered<List<PortHolder>> held = new Gathered.Known<>(List.of(new PortHolder("tcp", "0.0.0.0", 6783, 11, 999, "weaver"),
                new PortHolder("udp", "0.0.0.0", 6784, 0, PortHolder.KERNEL, "")));
        List<Finding> findings = Ports.check(new Facts(NOW, new RouterState.Silent("", ""), RANGE, null, null, held, null));
        assertEquals(2, findings.size(), findings.toString());
        assertEquals("TCP 6783 is held by pid 999 (weaver) on 0.0.0.0: 'weft launch' would fail", findings.get(0).finding());
        assertTrue(findings.get(1).finding().startsWith("UDP 6784 is held by the kernel (a VXLAN or other tunnel device"), findings.get(1).finding());
        assertTrue(findings.get(1).remedy().contains("ip link del vxlan-6784"), findings.get(1).remedy());
    }

    @Test
    void withARouterItsPortsAreItsOwnAndAnotherHolderOfTheFastPathsPortWarns() {
        Gathered<List<PortHolder>> sockets = new Gathered.Known<>(List.of(new PortHolder("tcp", "0.0.0.0", 6783, 11, 4242, "java"),
                new PortHolder("udp", "0.0.0.0", 6783, 12, 4242, "java"), new PortHolder("udp", "0.0.0.0", 6784, 13, 77, "nc.openbsd")));
        Finding warned = only(Ports.check(new Facts(NOW, answering(healthy()), RANGE, null, null, sockets, null)));
        assertEquals(Finding.Level.WARN, warned.level());
        assertTrue(warned.finding().startsWith("UDP 6784 is held by pid 77 (nc.openbsd), not the router"), warned.finding());
        Gathered<List<PortHolder>> none = new Gathered.Known<>(List.of());
        assertEquals("nothing listens on TCP 6783 though the router runs",
                Ports.check(new Facts(NOW, answering(healthy()), RANGE, null, null, none, null)).getFirst().finding());
    }

    @Test
    void aFirewallRuleDroppingTheSleeveIsALeadThatSaysItIsAHeuristic() {
        Gathered<List<FirewallDrop>> drops = new Gathered.Known<>(List.of(new FirewallDrop("inet", "filter", "input", 7, "udp", "dport", List.of(6783, 6784), "drop"),
                new FirewallDrop("ip", "filter", "input", 9, "tcp", "dport", List.of(6784), "reject")));
        Finding lead = only(Firewall.check(new Facts(NOW, answering(healthy()), RANGE, null, null, null, drops)));
        assertEquals(new Finding("firewall", Finding.Level.WARN, "nftables rule inet filter input handle 7 drops UDP 6783, UDP 6784 (dport; a heuristic:"
                + " the rule may concern only some addresses)", "look at it with nft -a list chain inet filter input; if it catches the peers, accept their"
                + " UDP 6783, UDP 6784 before it, or nft delete rule inet filter input handle 7"), lead);
        Finding notRoot = only(Firewall.check(new Facts(NOW, answering(healthy()), RANGE, null, null, null,
                new Gathered.Unknown<>("reading the nftables ruleset needs root: run sudo weft doctor"))));
        assertEquals(Finding.Level.SKIP, notRoot.level(), "a check that needs root says so rather than failing");
    }

    @Test
    void theAllocatorWarnsWhileItWaitsAndFailsOnAConflictOrWhenItCannotSave() {
        IpamView waiting = new IpamView("10.32.0.0/12", "10.32.0.0/12", "awaiting consensus", "2 of 3 initial peers (host3)", "", 0, 0, List.of(), List.of(), List.of(), "");
        Finding waits = only(Allocator.check(with(facts(null), status(List.of(), List.of(), waiting, "disabled", 1410))));
        assertEquals(Finding.Level.WARN, waits.level());
        assertTrue(waits.finding().startsWith("awaiting consensus, waiting for 2 of 3 initial peers (host3)"), waits.finding());
        IpamView saysItsPhase = new IpamView("10.32.0.0/12", "10.32.0.0/12", "awaiting consensus", "awaiting consensus: quorum 2 of 3", "", 0, 0,
                List.of(), List.of(), List.of(), "");
        assertTrue(only(Allocator.check(with(facts(null), status(List.of(), List.of(), saysItsPhase, "disabled", 1410)))).finding()
                .startsWith("awaiting consensus: quorum 2 of 3; an attach"), "the phase is not said twice");
        IpamView conflict = new IpamView("10.32.0.0/12", "10.32.0.0/12", "ring conflict", "nothing", "r", 0, 0, List.of(), List.of(),
                List.of("ring: ring 7f of aa:bb:cc:dd:ee:09 wins"), "disk full");
        List<Finding> broken = Allocator.check(with(facts(null), status(List.of(), List.of(), conflict, "disabled", 1410)));
        assertEquals(List.of(Finding.Level.FAIL, Finding.Level.FAIL), broken.stream().map(Finding::level).toList());
        assertTrue(broken.get(1).remedy().startsWith("'weft adopt-ring'"), broken.toString());
        IpamView orphans = new IpamView("10.32.0.0/12", "10.32.0.0/12", "ready", "nothing", "r", 10, 0,
                List.of(new IpamView.Share("aa:bb:cc:dd:ee:09", "gone", 4096, 50.0, 4096, false, List.of())), List.of(), List.of(), "");
        assertTrue(only(Allocator.check(with(facts(null), status(List.of(), List.of(), orphans, "disabled", 1410)))).remedy().startsWith("'weft rmpeer PEER'"));
    }

    @Test
    void aFailingTargetSaysWhyAndFailsOnlyWhenTheRouterHasNoConnectionAtAll() {
        List<TargetView> targets = List.of(new TargetView("192.168.1.9:6783", "retrying", "", "connection refused", "", 3),
                new TargetView("192.168.1.8", "retrying", "", "connect timed out", "", 5),
                new TargetView("192.168.1.7", "retrying", "", "handshake refused (password mismatch)", "", 2));
        List<Finding> connected = Targets.check(with(facts(null), status(healthy().connections(), targets, READY, "disabled", 1410)));
        assertEquals(List.of(Finding.Level.WARN, Finding.Level.WARN, Finding.Level.WARN), connected.stream().map(Finding::level).toList());
        assertEquals("nothing listens on TCP 6783 at 192.168.1.9: launch its router ('weft launch' there)", connected.get(0).remedy());
        assertTrue(connected.get(1).remedy().startsWith("TCP 6783 to 192.168.1.8 is dropped on the way"), connected.get(1).remedy());
        assertTrue(connected.get(2).remedy().startsWith("give both routers the same password"), connected.get(2).remedy());
        List<Finding> isolated = Targets.check(with(facts(null), status(List.of(), targets, READY, "disabled", 1410)));
        assertTrue(isolated.stream().allMatch(f -> f.level() == Finding.Level.FAIL && f.finding().endsWith("this router has no connection at all")), isolated.toString());
    }

    @Test
    void anOverlayMtuTooLargeForAMeasuredPathWarnsWithTheMtuThatFits() {
        ConnectionView narrow = new ConnectionView("aa:bb:cc:dd:ee:02", "host2", "192.168.1.2:6783", "outbound", "established", LONG_AGO, "fast",
                "plaintext", 1280, new SleeveHeard(5, 1, 1));
        Finding warned = only(Mtu.check(with(facts(null), status(List.of(narrow), List.of(), READY, "disabled", 1410))));
        assertEquals(Finding.Level.WARN, warned.level());
        assertTrue(warned.finding().contains("needs a path of 1500 bytes, but the path to aa:bb:cc:dd:ee:02(host2) carries 1280"), warned.finding());
        assertTrue(warned.remedy().startsWith("launch every router with --mtu 1190"), warned.remedy());
        assertTrue(only(Mtu.check(facts(answering(healthy())))).finding().contains("fits every path measured (the narrowest carries 1500)"));
    }

    @Test
    void missingEspWarnsOnlyWhereDataIsEncryptedAndAMissingFastPathWarns() {
        assertEquals(Finding.Level.OK, only(KernelFeatures.check(facts(answering(healthy())))).level(), "no password: ESP is not needed");
        StatusReport encrypted = status(healthy().connections(), List.of(), READY, "enabled (X25519 + Argon2id password, AES-256-GCM control and data)", 1410);
        Finding esp = only(KernelFeatures.check(with(facts(null), encrypted)));
        assertEquals(Finding.Level.WARN, esp.level());
        assertTrue(esp.finding().startsWith("no kernel ESP (no ESP: the kernel refused"), esp.finding());
    }

    @Test
    void textIsOneLinePerFindingWithTheRemedyAndJsonCarriesTheSame() throws Exception {
        List<Finding> findings = List.of(Finding.ok("router", "weft 0.1.0 answers"),
                Finding.fail("ip_forward", "net.ipv4.ip_forward is 0", "sysctl -w net.ipv4.ip_forward=1"));
        assertEquals("ok    router      weft 0.1.0 answers\nFAIL  ip_forward  net.ipv4.ip_forward is 0 -- do: sysctl -w net.ipv4.ip_forward=1\n",
                Doctor.text(findings));
        var json = new ObjectMapper().readTree(Doctor.json(findings, new ObjectMapper()));
        assertEquals("fail", json.path("status").asText());
        assertEquals("fail", json.path("findings").get(1).path("level").asText());
        assertEquals("sysctl -w net.ipv4.ip_forward=1", json.path("findings").get(1).path("remedy").asText());
        assertEquals(0, Doctor.exitStatus(List.of(Finding.warn("mtu", "narrow", "lower it"), Finding.skip("firewall", "not root"))),
                "warnings and skips alone exit 0");
    }
}

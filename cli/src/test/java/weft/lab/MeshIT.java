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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three sites of two hosts each; hosts reach other sites only through their site's gateway (the lab's own
 * nftables rules), and every router has the same password. Containers in different sites talk through the
 * gateways' routers, encrypted, with no plaintext on the wire.
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshIT {
    private static final Duration SETTLE = Duration.ofSeconds(90);
    /** Site of each host (1-based): hosts 1, 3 and 5 are the gateways. */
    private static final Map<Integer, Integer> SITE = Map.of(1, 1, 2, 1, 3, 2, 4, 2, 5, 3, 6, 3);
    private static final Set<Integer> GATEWAYS = Set.of(1, 3, 5);
    private static Lab lab;
    private static Path passwordFile;
    private static final Map<Integer, String> containers = new java.util.HashMap<>();

    /** Outside the allocation range: explicit addresses the operator manages, so this test does not lean on IP allocation. */
    static String overlayAddress(int host) {
        return "10.99.9." + host;
    }

    @BeforeAll
    static void buildSites() throws IOException {
        lab = Lab.create(6);
        passwordFile = Files.writeString(lab.dir().resolve("password"), "correct horse battery staple\n");
        for (Host host : lab.hosts()) firewall(host);
        for (Host host : lab.hosts()) launch(host, List.of("--password-file", passwordFile.toString())).orThrow();
        for (int i : List.of(2, 4, 6)) {
            String container = lab.container(lab.host(i), "c" + i);
            containers.put(i, container);
            lab.weft(lab.host(i), "attach", overlayAddress(i) + "/24", "netns:" + container).orThrow();
        }
    }

    /** Non-gateway hosts drop everything to and from hosts of other sites. */
    private static void firewall(Host host) throws IOException {
        if (GATEWAYS.contains(host.index())) return;
        String others = lab.hosts().stream().filter(h -> !SITE.get(h.index()).equals(SITE.get(host.index())))
                .map(Host::underlayAddress).collect(Collectors.joining(", "));
        Path rules = Files.writeString(lab.dir().resolve("rules-h" + host.index() + ".nft"), """
                table inet lab {
                  chain in { type filter hook input priority 0; policy accept; ip saddr { %s } drop; }
                  chain out { type filter hook output priority 0; policy accept; ip daddr { %s } drop; }
                }
                """.formatted(others, others));
        lab.exec(host.netns(), Duration.ofSeconds(10), "nft", "-f", rules.toString()).orThrow();
    }

    /** Gateways dial the other gateways; other hosts dial their gateway. */
    private static ExecResult launch(Host host, List<String> extra) {
        List<String> args = new ArrayList<>(List.of("launch", "--nickname", "host" + host.index()));
        args.addAll(extra);
        if (GATEWAYS.contains(host.index())) {
            GATEWAYS.stream().filter(g -> g != host.index()).sorted().forEach(g -> args.add(lab.host(g).underlayAddress()));
        } else {
            args.add(lab.host(host.index() - 1).underlayAddress());
        }
        return lab.weft(host, args.toArray(String[]::new));
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) lab.close();
    }



    @Test
    @Order(1)
    void containersInDifferentSitesPingThroughTheGateways() {
        assertFalse(lab.exec(lab.host(2).netns(), Duration.ofSeconds(5), "ping", "-c", "1", "-W", "1", lab.host(6).underlayAddress()).ok(),
                "the lab's firewall must keep site 1 from reaching site 3 directly");
        assertTrue(Reachability.reachable(lab, containers.get(2), overlayAddress(6), SETTLE), "site 1 -> site 3");
        assertTrue(Reachability.reachable(lab, containers.get(6), overlayAddress(4), SETTLE), "site 3 -> site 2");
        assertTrue(Reachability.reachable(lab, containers.get(4), overlayAddress(2), SETTLE), "site 2 -> site 1");
        String peers = lab.weft(lab.host(2), "status", "peers").orThrow().stdout();
        assertTrue(peers.contains("(host6) via "), peers);
        String status = lab.weft(lab.host(2), "status").orThrow().stdout();
        assertTrue(status.contains("Encryption: enabled"), status);
        assertTrue(status.contains("data sealed"), status);
    }

    @Test
    @Order(2)
    void theUnderlayCarriesNoPlaintextOfTheTraffic() throws Exception {
        assertTrue(Reachability.reachable(lab, containers.get(2), overlayAddress(6), SETTLE));
        UnderlayCapture.Result capture = UnderlayCapture.transfer(lab, lab.host(2).netns(), containers.get(2), containers.get(6), overlayAddress(6), 5002);
        assertTrue(capture.coversPayload(), "the capture missed the transfer: " + capture.bytes() + " bytes");
        assertFalse(capture.showsMarker(), "the marker crossed the underlay in clear");
        assertFalse(capture.captured().contains("MARKER"), "part of the marker crossed the underlay in clear");
    }

    @Test
    @Order(3)
    void aWrongPasswordIsRefusedWithAClearReason() throws IOException {
        Path wrong = Files.writeString(lab.dir().resolve("wrong-password"), "not the password\n");
        Host host4 = lab.host(4);
        lab.weft(host4, "stop").orThrow();
        ExecResult launched = lab.weft(host4, "launch", "--nickname", "host4", "--password-file", wrong.toString());
        launched.orThrow();
        String targets = Poll.until(() -> lab.weft(host4, "status", "targets").orThrow().stdout(),
                t -> t.contains("password mismatch"), SETTLE);
        assertTrue(targets.contains("password mismatch"), targets);
        String log = Files.readString(host4.dataDir().resolve("weft.log"));
        assertTrue(log.contains("password mismatch"), log);
        lab.weft(host4, "stop").orThrow();
        launch(host4, List.of("--password-file", passwordFile.toString())).orThrow();
        assertTrue(Reachability.reachable(lab, containers.get(4), overlayAddress(2), SETTLE), "host 4 came back with the right password");
    }

    @Test
    @Order(4)
    void stoppingAGatewayCutsItsSiteOffAndStartingItAgainHealsWithNoCommand() {
        Host gateway = lab.host(5);
        assertTrue(Reachability.reachable(lab, containers.get(2), overlayAddress(6), SETTLE));
        lab.weft(gateway, "stop").orThrow();
        assertTrue(Reachability.unreachable(lab, containers.get(2), overlayAddress(6), SETTLE), "site 3 still reachable without its gateway");
        lab.weft(gateway, "launch", "--nickname", "host5", "--password-file", passwordFile.toString()).orThrow();
        assertTrue(Reachability.reachable(lab, containers.get(2), overlayAddress(6), SETTLE), "traffic did not resume after the gateway came back");
        assertTrue(Reachability.reachable(lab, containers.get(6), overlayAddress(4), SETTLE), "traffic did not resume after the gateway came back");
    }
}

package weft.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import weft.gossip.PeerName;
import weft.kernel.NetNamespace;
import weft.kernel.PacketSocket;
import weft.kernel.Rtnetlink;
import weft.router.fastpath.FastHeartbeat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A mesh with a password whose two routers trust the underlay's subnet, so that their pair runs in clear on the
 * kernel fast path, and a third host on the same underlay that is no peer: the attacker. It builds a VXLAN port of
 * its own aimed at host 1's (same VNI, same UDP port) with a "container" behind it, and tries to reach host 1's
 * container and to forge heartbeats that would keep a pair on the fast path. Nothing of it may reach the container,
 * be learnt by the bridge or the VXLAN device, or count as a heartbeat. A router of a mesh whose every pair
 * encrypts, on a kernel without ESP, opens no VXLAN port at all.
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
class VxlanInjectionIT {
    private static final String PASSWORD = "vxlan-injection-test";
    private static final String ATTACKER_MAC = "02:66:66:66:66:66", ATTACKER_ADDRESS = "10.97.0.99";
    private static final String VICTIM_ADDRESS = "10.97.0.1", PEER_ADDRESS = "10.97.0.2";
    private static final Duration SETTLE = Duration.ofSeconds(60), SHORT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Lab lab;
    private static Host h1, h2, attacker;
    private static String victim, peer, evil;

    @BeforeAll
    static void buildLab() throws IOException {
        lab = Lab.create(4);
        h1 = lab.host(1);
        h2 = lab.host(2);
        attacker = lab.host(3);
        for (Host host : new Host[]{h1, h2}) {
            Host other = host == h1 ? h2 : h1;
            lab.weft(host, "launch", "--nickname", "host" + host.index(), "--no-discovery", "--password", PASSWORD,
                    "--trusted-subnets", "192.168.77.0/24", other.underlayAddress()).orThrow();
        }
        victim = lab.container(h1, "victim");
        peer = lab.container(h2, "peer");
        lab.weft(h1, "attach", VICTIM_ADDRESS + "/24", "netns:" + victim).orThrow();
        lab.weft(h2, "attach", PEER_ADDRESS + "/24", "netns:" + peer).orThrow();
        assertTrue(Poll.until(() -> connectionTo(h1).contains(" fast,"), SETTLE), "host 1 to host 2 never went fast: " + connectionTo(h1));

        // the attacker: a VXLAN port with the mesh's VNI aimed at host 1, a bridge, and a container behind them
        evil = lab.container(attacker, "evil");
        String ns = attacker.netns();
        run(ns, "ip", "link", "add", "vxa", "type", "vxlan", "id", Integer.toString(weft.router.fastpath.FastPath.VNI), "dstport", "6784",
                "remote", h1.underlayAddress(), "local", attacker.underlayAddress(), "dev", "eth0", "nolearning");
        run(ns, "ip", "link", "add", "bra", "type", "bridge");
        run(ns, "ip", "link", "set", "vxa", "master", "bra");
        run(ns, "ip", "link", "add", "va", "type", "veth", "peer", "name", "eth0", "netns", evil);
        run(ns, "ip", "link", "set", "va", "master", "bra");
        for (String link : new String[]{"vxa", "bra", "va"}) run(ns, "ip", "link", "set", link, "up");
        run(evil, "ip", "link", "set", "eth0", "address", ATTACKER_MAC);
        run(evil, "ip", "addr", "add", ATTACKER_ADDRESS + "/24", "dev", "eth0");
        run(evil, "ip", "link", "set", "eth0", "up");
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) lab.close();
    }

    private static String run(String netns, String... command) {
        return lab.exec(netns, SHORT, command).orThrow().stdout();
    }

    private static String connectionTo(Host host) {
        return lab.weft(host, "status", "connections").orThrow().stdout().lines()
                .filter(line -> line.contains("(host2)")).findFirst().orElse("");
    }

    private static JsonNode report(Host host) throws IOException {
        return JSON.readTree(lab.weft(host, "report").orThrow().stdout());
    }

    private static long fastPathCounter(Host host, String name) throws IOException {
        return report(host).path("fastPathCounters").path(name).asLong(-1);
    }

    @Test
    void vxlanFromAHostThatIsNoPeerNeitherReachesTheContainerNorTeachesTheBridge() throws Exception {
        long droppedBefore = fastPathCounter(h1, "vxlan-dropped-not-allowed");
        assertTrue(droppedBefore >= 0, "the fast path reports what its guard dropped: " + report(h1).path("fastPathCounters"));

        boolean answered = lab.exec(evil, Duration.ofSeconds(15), "ping", "-c", "5", "-i", "0.2", "-W", "1", VICTIM_ADDRESS).ok();

        assertFalse(answered, "the attacker's container reached host 1's container");
        assertTrue(fastPathCounter(h1, "vxlan-dropped-not-allowed") > droppedBefore, "the guard counted nothing");
        String bridge = run(h1.netns(), "bridge", "fdb", "show", "br", "weft");
        assertFalse(bridge.contains(ATTACKER_MAC), "the bridge learnt the attacker's MAC:\n" + bridge);
        String vxlan = run(h1.netns(), "bridge", "fdb", "show", "dev", "weft-vxlan");
        assertFalse(vxlan.contains(attacker.underlayAddress()), "the VXLAN device learnt the attacker's address:\n" + vxlan);
        String neighbours = run(victim, "ip", "neigh", "show");
        assertFalse(neighbours.contains(ATTACKER_ADDRESS), "the container heard the attacker's ARP:\n" + neighbours);
        assertTrue(lab.exec(peer, SHORT, "ping", "-c", "2", "-W", "2", VICTIM_ADDRESS).ok(), "the mesh's own pair still works");
        assertTrue(connectionTo(h1).contains(" fast,"), connectionTo(h1));
    }

    @Test
    void heartbeatsForgedInThePeersNameAndFromItsAddressCountForNothing() throws Exception {
        long self = PeerName.parse(report(h1).path("peerName").asText()).value();
        long impersonated = PeerName.parse(report(h2).path("peerName").asText()).value();
        long refusedBefore = fastPathCounter(h1, "heartbeats-dropped-unauthenticated");
        // from host 2's address, so that the guard lets them through: only their tags can tell them apart
        Path snat = Files.writeString(lab.dir().resolve("spoof.nft"), """
                table ip spoof {
                  chain post {
                    type nat hook postrouting priority 100;
                    udp dport 6784 snat ip to %s
                  }
                }
                """.formatted(h2.underlayAddress()));
        run(attacker.netns(), "nft", "-f", snat.toString());
        try (NetNamespace namespace = NetNamespace.named(attacker.netns())) {
            namespace.call(() -> {
                try (Rtnetlink rtnl = Rtnetlink.open(); Arena arena = Arena.ofConfined();
                     PacketSocket socket = PacketSocket.open(rtnl.index("vxa"), "vxa", FastHeartbeat.ETHERTYPE)) {
                    MemorySegment frame = arena.allocate(FastHeartbeat.SMALL_LENGTH);
                    for (int i = 0; i < 10; i++) {
                        FastHeartbeat.write(frame, FastHeartbeat.SMALL_LENGTH, impersonated, self, Long.MAX_VALUE / 2 + i, false, true);
                        socket.send(frame, FastHeartbeat.SMALL_LENGTH);
                    }
                }
                return null;
            });
        } finally {
            run(attacker.netns(), "nft", "delete", "table", "ip", "spoof");
        }
        assertTrue(Poll.until(() -> fastPathCounter(h1, "heartbeats-dropped-unauthenticated") >= refusedBefore + 10, SHORT),
                "forged heartbeats were not refused: " + report(h1).path("fastPathCounters"));
    }

    @Test
    void aMeshWhoseEveryPairEncryptsOnAKernelWithoutEspOpensNoVxlanPort() throws Exception {
        Host h4 = lab.host(4);
        lab.weft(h4, "launch", "--nickname", "host4", "--no-discovery", "--password", PASSWORD).orThrow();
        String esp = report(h4).path("kernel").path("esp (xfrm rfc4106(gcm(aes)))").asText();
        Assumptions.assumeFalse(esp.startsWith("ESP with"), "this kernel has ESP: encrypted pairs may use the fast path here");
        assertFalse(lab.exec(h4.netns(), SHORT, "ip", "link", "show", "weft-vxlan").ok(), "a VXLAN port nobody may use was opened");
        String status = lab.weft(h4, "status").orThrow().stdout();
        assertTrue(status.contains("no VXLAN port is opened"), status);
    }
}

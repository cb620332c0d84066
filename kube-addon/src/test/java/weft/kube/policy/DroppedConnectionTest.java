package weft.kube.policy;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.kube.policy.PolicyFixtures.from;
import static weft.kube.policy.PolicyFixtures.ingressPolicy;
import static weft.kube.policy.PolicyFixtures.namespace;
import static weft.kube.policy.PolicyFixtures.pod;
import static weft.kube.policy.PolicyFixtures.podsWith;
import static weft.kube.policy.PolicyFixtures.tcp;

/** Logged packets read back into connections, and explained from the cluster; what cannot be read is refused, not thrown. */
class DroppedConnectionTest {
    private static final PolicyCluster CLUSTER = KubePolicies.cluster(
            List.of(pod("prod/db", "n1", "10.32.0.5", Map.of("app", "db")), pod("prod/web", "n2", "10.32.0.6", Map.of("app", "web"))),
            List.of(namespace("prod", Map.of())),
            List.of(ingressPolicy("prod/db-ingress", Map.of("app", "db"), from(List.of(podsWith(Map.of("app", "api"))), tcp(5432)))));

    /** An IPv4 header of {@code headerWords} 32-bit words from 10.32.0.6 to 10.32.0.5, then 4 bytes of ports, cut to {@code length}. */
    private static byte[] packet(int protocol, int headerWords, int destinationPort, int length) {
        byte[] ip = new byte[headerWords * 4 + 8];
        ip[0] = (byte) (0x40 | headerWords);
        ip[9] = (byte) protocol;
        byte[] source = {10, 32, 0, 6}, destination = {10, 32, 0, 5};
        System.arraycopy(source, 0, ip, 12, 4);
        System.arraycopy(destination, 0, ip, 16, 4);
        ip[headerWords * 4] = (byte) 0x9c; // source port 40000
        ip[headerWords * 4 + 1] = (byte) 0x40;
        ip[headerWords * 4 + 2] = (byte) (destinationPort >> 8);
        ip[headerWords * 4 + 3] = (byte) destinationPort;
        return java.util.Arrays.copyOf(ip, length);
    }

    @Test
    void aTcpSynIsReadAndExplainedWithThePolicyThatRefusedIt() {
        DroppedConnection dropped = DroppedConnection.read(NftRuleset.INGRESS_PREFIX, packet(6, 5, 80, 28)).orElseThrow();
        assertEquals(new DroppedConnection(true, Ipv4Ranges.address("10.32.0.6"), Ipv4Ranges.address("10.32.0.5"),
                Optional.of(PolicyPort.Protocol.TCP), 6, 80), dropped);
        assertEquals("TCP prod/web (10.32.0.6) -> prod/db (10.32.0.5) port 80 dropped at ingress: prod/db is selected for ingress by"
                + " prod/db-ingress, which allows TCP 5432 from pods with app=api in prod; none lets prod/web connect on TCP 80",
                dropped.explain(CLUSTER));
    }

    @Test
    void headerOptionsMoveThePortsAndIcmpHasNone() {
        assertEquals(5432, DroppedConnection.read(NftRuleset.EGRESS_PREFIX, packet(17, 6, 5432, 32)).orElseThrow().port());
        DroppedConnection ping = DroppedConnection.read(NftRuleset.INGRESS_PREFIX, packet(1, 5, 0, 20)).orElseThrow();
        assertEquals(Optional.empty(), ping.protocol());
        assertTrue(ping.explain(CLUSTER).startsWith("IP protocol 1 prod/web (10.32.0.6) -> prod/db (10.32.0.5) dropped at ingress: "
                + "prod/db is selected for ingress by prod/db-ingress"), ping.explain(CLUSTER));
    }

    @Test
    void aDropThePoliciesNowAllowSaysSo() {
        PolicyCluster opened = new PolicyCluster(CLUSTER.pods(), CLUSTER.namespaces(), List.of(), List.of());
        String line = DroppedConnection.read(NftRuleset.INGRESS_PREFIX, packet(6, 5, 80, 28)).orElseThrow().explain(opened);
        assertTrue(line.contains("the policies have changed since, and allow it now"), line);
    }

    @Test
    void whatCannotBeReadIsRefused() {
        assertEquals(Optional.empty(), DroppedConnection.read("someone-else ", packet(6, 5, 80, 28)), "another rule's prefix");
        assertEquals(Optional.empty(), DroppedConnection.read(NftRuleset.INGRESS_PREFIX, packet(6, 5, 80, 19)), "cut inside the IP header");
        assertEquals(Optional.empty(), DroppedConnection.read(NftRuleset.INGRESS_PREFIX, packet(6, 5, 80, 23)), "cut inside the ports");
        assertEquals(Optional.empty(), DroppedConnection.read(NftRuleset.INGRESS_PREFIX, packet(6, 4, 80, 24)), "header length below 20");
        assertEquals(Optional.empty(), DroppedConnection.read(NftRuleset.INGRESS_PREFIX, packet(6, 15, 80, 40)), "header longer than the copy");
        byte[] six = packet(6, 5, 80, 28);
        six[0] = 0x60;
        assertEquals(Optional.empty(), DroppedConnection.read(NftRuleset.INGRESS_PREFIX, six), "IPv6");
        assertEquals(Optional.empty(), DroppedConnection.read(NftRuleset.INGRESS_PREFIX, new byte[0]));
    }
}

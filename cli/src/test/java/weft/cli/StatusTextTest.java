package weft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import weft.api.ApiCodec;
import weft.api.StatusReport;

import java.io.IOException;
import java.io.InputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code weft status} prints for each view of a status reply, character for character: operators and the lab
 * tests read it, so a change of the text must be a decision, not a side effect.
 */
class StatusTextTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Two seconds after the reply's connections started: the retrying target's next attempt is 3 s away. */
    private static final java.time.Instant NOW = java.time.Instant.parse("2025-01-01T00:00:02Z");

    /** A router with a fast and a handshaking connection, peers reached directly, via a hop and not at all, and an allocator with troubles. */
    private static ObjectNode busy() throws IOException {
        try (InputStream in = StatusTextTest.class.getResourceAsStream("status.json")) {
            return (ObjectNode) JSON.readTree(in);
        }
    }

    /** The same router with no connections, no fast-path counters, a ring, every share reachable and a target without a peer. */
    private static ObjectNode quiet() throws IOException {
        ObjectNode status = busy();
        status.putArray("connections");
        status.putObject("fastPathCounters");
        ((ObjectNode) status.get("ipam")).put("ring", "10.32.0.0/12 owned by 2 peers").put("persistenceFailure", "");
        ((ObjectNode) status.get("ipam").get("shares").get(1)).put("reachable", true);
        ((ObjectNode) status.get("targets").get(1)).putNull("peer");
        return status;
    }

    /** The status as the CLI gets it: the JSON read by the API's codec, as the client reads a reply. */
    private static String render(JsonNode status, String view) throws IOException {
        return StatusText.render(new ApiCodec(JSON).readReply(JSON.writeValueAsBytes(status), StatusReport.class), view, NOW);
    }

    @Test
    void overviewIsAScreenOfIdentityEncryptionConnectionsWithTheirProblemsAndTheAllocator() throws IOException {
        assertEquals("""
                            Weft: 0.1.0, peer aa:bb:cc:dd:ee:01 (host1), pid 4242
                      Encryption: enabled
                       Listening: TCP 0.0.0.0:6783, UDP 6783, API 127.0.0.1:6784
                          Bridge: weft, MTU 1376 (automatic, from the underlay MTU 1500 of eth0), range 10.32.0.0/12
                       Fast path: weft-vxlan (VXLAN, UDP 6784) on weft, isolated from weft-sleeve
                     Connections: 1 established (1 fast, 0 sleeve), 1 handshaking; 1 target failing
                           Peers: 4 known, 2 reachable
                            IPAM: ready, 50.0% of the range here (2 allocated, 1048570 free); 524288 addresses owned by unreachable peers; 1 pending; 1 conflict (weft status ipam); NOT SAVING: disk full
                  Data directory: /var/lib/weft

                -> 192.168.1.2:6783      established  aa:bb:cc:dd:ee:02(host2) fast, encrypted, data sealed, path MTU 1500
                <- 192.168.1.3:41000     handshaking  () plaintext
                !! 192.168.1.9:6783      retrying, last error: connection refused, next attempt in 3 s

                More: weft status connections|peers|targets|ipam|counters|dns|policy
                """, render(busy(), ""));
    }

    @Test
    void aWrongPasswordShowsInTheOverviewThoughNoConnectionIsUp() throws IOException {
        ObjectNode refused = quiet();
        ((ObjectNode) refused.get("targets").get(1)).put("lastError", "the peer refused us: wrong password");
        String text = render(refused, "");
        assertTrue(text.contains("     Connections: 0 established; 1 target failing\n"), text);
        assertTrue(text.contains("!! 192.168.1.9:6783      retrying, last error: the peer refused us: wrong password, next attempt in 3 s\n"), text);
        assertEquals("!! 192.168.1.9:6783      retrying, last error: the peer refused us: wrong password, next attempt in 3 s\n",
                render(refused, "connections"));
    }

    @Test
    void countersShowTheKernelAndEveryCounterInNameOrderWhateverTheOrderOfTheReply() throws IOException {
        String expected = """
                    Learned MACs: 7

                  Kernel:
                    esp (xfrm rfc4106(gcm(aes)))     available
                    udp gro                          available
                    vxlan and bridge port isolation  available

                  Sleeve counters:
                    dropped-bad-magic            2
                    frames-out                   12

                  Fast path counters:
                    fast-heartbeats-received     9
                    fast-heartbeats-sent         10
                """;
        assertEquals(expected, render(busy(), "counters"));
        ObjectNode reversed = busy();
        for (String map : new String[]{"kernel", "sleeve", "fastPathCounters"}) {
            ObjectNode inOrder = (ObjectNode) reversed.get(map);
            ObjectNode backwards = JSON.createObjectNode();
            inOrder.properties().stream().toList().reversed().forEach(field -> backwards.set(field.getKey(), field.getValue()));
            reversed.set(map, backwards);
        }
        assertEquals(expected, render(reversed, "counters"));
        assertFalse(render(quiet(), "counters").contains("Fast path counters"));
    }

    @Test
    void connectionsShowDirectionAddressStatePeerPathEncryptionAKnownPathMtuAndFailingTargets() throws IOException {
        assertEquals("""
                -> 192.168.1.2:6783      established  aa:bb:cc:dd:ee:02(host2) fast, encrypted, data sealed, path MTU 1500
                <- 192.168.1.3:41000     handshaking  () plaintext
                !! 192.168.1.9:6783      retrying, last error: connection refused, next attempt in 3 s
                """, render(busy(), "connections"));
        ObjectNode noEsp = busy();
        ((ObjectNode) noEsp.get("connections").get(0)).put("path", "sleeve: data is encrypted, and this kernel has no ESP for an encrypted fast path");
        assertTrue(render(noEsp, "connections").startsWith("-> 192.168.1.2:6783      established  aa:bb:cc:dd:ee:02(host2) sleeve: this kernel has no ESP"
                + " for an encrypted fast path, encrypted, data sealed, path MTU 1500\n"), "said once: " + render(noEsp, "connections"));
    }

    @Test
    void targetsShowThePeerReachedOrTheLastErrorAndWhenTheNextAttemptComes() throws IOException {
        assertEquals("""
                192.168.1.2           connected to aa:bb:cc:dd:ee:02
                192.168.1.9:6783      retrying, last error: connection refused, next attempt in 3 s
                """, render(busy(), "targets"));
        assertEquals("""
                192.168.1.2           connected to aa:bb:cc:dd:ee:02
                192.168.1.9:6783      retrying, last error: connection refused, next attempt in 3 s
                """, render(quiet(), "targets"), "a null peer reads as none");
        assertEquals("now", StatusText.relative("2025-01-01T00:00:01Z", NOW));
        assertEquals("soon", StatusText.relative("soon", NOW), "a router that sends something else is shown as it sent it");
    }

    @Test
    void peersShowHowEachIsReachedAndTheLinksItReports() throws IOException {
        assertEquals("""
                aa:bb:cc:dd:ee:01(host1) this router
                   -> aa:bb:cc:dd:ee:02
                aa:bb:cc:dd:ee:02(host2) direct
                   -> aa:bb:cc:dd:ee:01
                   -> aa:bb:cc:dd:ee:03 (connecting)
                aa:bb:cc:dd:ee:03(host3) via aa:bb:cc:dd:ee:02
                aa:bb:cc:dd:ee:04(host4) unreachable
                """, render(busy(), "peers"));
    }

    @Test
    void ipamShowsSharesWithTheirRangesUnreachableOwnersPendingRequestsConflictsAndAFailureToSave() throws IOException {
        assertEquals("""
                           Range: 10.32.0.0/12 (default subnet 10.32.0.0/12)
                           Phase: ready
                     Waiting for: nothing
                            Ring: none yet
                            Here: 2 allocated, 1048570 free
                  aa:bb:cc:dd:ee:01(host1) 524288 addresses (50.0%), 524286 free: 10.32.0.0/13
                  aa:bb:cc:dd:ee:04(host4) 524288 addresses (50.0%), 524288 free - unreachable: 10.40.0.0/13
                  524288 addresses are owned by unreachable peers: 'weft rmpeer PEER' if they are gone for good
                  pending: aa:bb:cc:dd:ee:01: 1 address waiting 3 s: ring not ready
                  conflict: ring: two rings
                  NOT SAVING: disk full
                """, render(busy(), "ipam"));
        assertEquals("""
                           Range: 10.32.0.0/12 (default subnet 10.32.0.0/12)
                           Phase: ready
                     Waiting for: nothing
                            Ring: 10.32.0.0/12 owned by 2 peers
                            Here: 2 allocated, 1048570 free
                  aa:bb:cc:dd:ee:01(host1) 524288 addresses (50.0%), 524286 free: 10.32.0.0/13
                  aa:bb:cc:dd:ee:04(host4) 524288 addresses (50.0%), 524288 free: 10.40.0.0/13
                  pending: aa:bb:cc:dd:ee:01: 1 address waiting 3 s: ring not ready
                  conflict: ring: two rings
                """, render(quiet(), "ipam"));
    }

    @Test
    void peersThatShareANicknameAreSaidToInTheOverview() throws IOException {
        ObjectNode sameName = busy();
        for (JsonNode peer : sameName.get("peers")) ((ObjectNode) peer).put("nickname", "vm");
        assertTrue(render(sameName, "").contains("           Peers: 4 known, 2 reachable; nickname 'vm' is used by 4 peers"
                + " (tell them apart by peer name, or launch with --nickname)\n"), render(sameName, ""));
        assertFalse(render(busy(), "").contains("is used by"));
    }

    @Test
    void theDnsViewSaysWhereItAnswersItsCountersInOrderAndEveryName() {
        String text = StatusText.renderDns(new weft.api.DnsStatus("serving", "10.32.0.1:53", "weft.local.", 1,
                java.util.List.of(new weft.api.DnsStatus.Entry("db.weft.local.", "10.32.0.5", "netns:c1", "aa:bb:cc:dd:ee:01")),
                java.util.Map.of("nxdomain", 2L, "forwarded", 3L)));
        assertEquals("""
                Weft DNS: serving on 10.32.0.1:53, domain weft.local., TTL 1 s
                Counters: forwarded=3 nxdomain=2
                Names: 1
                  db.weft.local.                           10.32.0.5       netns:c1             aa:bb:cc:dd:ee:01
                """, text);
    }

    @Test
    void thePolicyViewSaysWhatIsEnforcedRefusedAndDropped() {
        String text = StatusText.renderPolicy(new weft.api.PolicyStatus("enforcing", "n1",
                java.util.List.of(new weft.api.PolicyStatus.Entry("prod/db-ingress", java.util.List.of("Ingress"), java.util.List.of("prod/db", "prod/db2"), 4),
                        new weft.api.PolicyStatus.Entry("prod/none", java.util.List.of("Ingress", "Egress"), java.util.List.of(), 0)),
                java.util.List.of("prod/bad: spec.podSelector: operator \"Near\" is not In, NotIn, Exists or DoesNotExist"), 2,
                "14 lines, 1 chains for 2 pods in 3.1 ms (generated in 0.4 ms)",
                java.util.List.of("TCP prod/web (10.32.0.6) -> prod/db (10.32.0.5) port 80 dropped at ingress: ...")));
        assertEquals("""
                NetworkPolicy: enforcing on node n1, 2 pods isolated here
                Last change: 14 lines, 1 chains for 2 pods in 3.1 ms (generated in 0.4 ms)
                Refused: prod/bad: spec.podSelector: operator "Near" is not In, NotIn, Exists or DoesNotExist
                Last drops:
                  TCP prod/web (10.32.0.6) -> prod/db (10.32.0.5) port 80 dropped at ingress: ...
                POLICY                                   TYPES              DROPS  SELECTED PODS
                prod/db-ingress                          Ingress                4  prod/db prod/db2
                prod/none                                Ingress,Egress         0  (none)
                """, text);
        assertEquals("NetworkPolicy: off (NetworkPolicy is enforced by routers run with --kube)\n",
                StatusText.renderPolicy(weft.api.PolicyStatus.off("off (NetworkPolicy is enforced by routers run with --kube)")));
    }
}

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

/**
 * What {@code weft status} prints for each view of a status reply, character for character: operators and the lab
 * tests read it, so a change of the text must be a decision, not a side effect.
 */
class StatusTextTest {
    private static final ObjectMapper JSON = new ObjectMapper();

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
        return StatusText.render(new ApiCodec(JSON).readReply(JSON.writeValueAsBytes(status), StatusReport.class), view);
    }

    @Test
    void overviewListsTheRouterKernelCountersAndConnections() throws IOException {
        assertEquals("""
                         Version: 0.1.0
                       Peer name: aa:bb:cc:dd:ee:01 (host1)
                      Encryption: enabled
                         Control: TCP 0.0.0.0:6783
                          Sleeve: UDP port 6783 via weft-sleeve
                        HTTP API: 127.0.0.1:6784
                          Bridge: weft, MTU 1376 (automatic, from the underlay MTU 1500 of eth0)
                       Fast path: weft-vxlan (VXLAN, UDP 6784) on weft, isolated from weft-sleeve
                   Overlay range: 10.32.0.0/12
                  Data directory: /var/lib/weft
                     Connections: 1 established of 2
                         Targets: 2
                           Peers: 4 known, 2 reachable
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

                -> 192.168.1.2:6783      established  aa:bb:cc:dd:ee:02(host2) fast, encrypted, data sealed, path MTU 1500
                <- 192.168.1.3:41000     handshaking  () , plaintext
                """, render(busy(), ""));
    }

    @Test
    void overviewLeavesOutFastPathCountersAndConnectionsWhenThereAreNone() throws IOException {
        assertEquals("""
                         Version: 0.1.0
                       Peer name: aa:bb:cc:dd:ee:01 (host1)
                      Encryption: enabled
                         Control: TCP 0.0.0.0:6783
                          Sleeve: UDP port 6783 via weft-sleeve
                        HTTP API: 127.0.0.1:6784
                          Bridge: weft, MTU 1376 (automatic, from the underlay MTU 1500 of eth0)
                       Fast path: weft-vxlan (VXLAN, UDP 6784) on weft, isolated from weft-sleeve
                   Overlay range: 10.32.0.0/12
                  Data directory: /var/lib/weft
                     Connections: 0 established of 0
                         Targets: 2
                           Peers: 4 known, 2 reachable
                    Learned MACs: 7

                  Kernel:
                    esp (xfrm rfc4106(gcm(aes)))     available
                    udp gro                          available
                    vxlan and bridge port isolation  available

                  Sleeve counters:
                    dropped-bad-magic            2
                    frames-out                   12
                """, render(quiet(), ""));
    }

    @Test
    void kernelAndCountersPrintInNameOrderWhateverTheOrderOfTheReply() throws IOException {
        ObjectNode reversed = busy();
        for (String map : new String[]{"kernel", "sleeve", "fastPathCounters"}) {
            ObjectNode inOrder = (ObjectNode) reversed.get(map);
            ObjectNode backwards = JSON.createObjectNode();
            inOrder.properties().stream().toList().reversed().forEach(field -> backwards.set(field.getKey(), field.getValue()));
            reversed.set(map, backwards);
        }

        assertEquals(render(busy(), ""), render(reversed, ""));
    }

    @Test
    void connectionsShowDirectionAddressStatePeerPathEncryptionAndAKnownPathMtu() throws IOException {
        assertEquals("""
                -> 192.168.1.2:6783      established  aa:bb:cc:dd:ee:02(host2) fast, encrypted, data sealed, path MTU 1500
                <- 192.168.1.3:41000     handshaking  () , plaintext
                """, render(busy(), "connections"));
    }

    @Test
    void targetsShowThePeerReachedOrTheLastErrorAndNextAttempt() throws IOException {
        assertEquals("""
                192.168.1.2           connected to aa:bb:cc:dd:ee:02
                192.168.1.9:6783      retrying, last error: connection refused, next attempt 2025-01-01T00:00:05Z
                """, render(busy(), "targets"));
        assertEquals("""
                192.168.1.2           connected to aa:bb:cc:dd:ee:02
                192.168.1.9:6783      retrying, last error: connection refused, next attempt 2025-01-01T00:00:05Z
                """, render(quiet(), "targets"), "a null peer reads as none");
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
    void ipamShowsSharesUnreachableOwnersPendingRequestsConflictsAndAFailureToSave() throws IOException {
        assertEquals("""
                           Range: 10.32.0.0/12 (default subnet 10.32.0.0/12)
                           Phase: ready
                     Waiting for: nothing
                            Ring: none yet
                            Here: 2 allocated, 1048570 free
                  aa:bb:cc:dd:ee:01(host1) 524288 addresses (50.0%), 524286 free
                  aa:bb:cc:dd:ee:04(host4) 524288 addresses (50.0%), 524288 free - unreachable
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
                  aa:bb:cc:dd:ee:01(host1) 524288 addresses (50.0%), 524286 free
                  aa:bb:cc:dd:ee:04(host4) 524288 addresses (50.0%), 524288 free
                  pending: aa:bb:cc:dd:ee:01: 1 address waiting 3 s: ring not ready
                  conflict: ring: two rings
                """, render(quiet(), "ipam"));
    }
}

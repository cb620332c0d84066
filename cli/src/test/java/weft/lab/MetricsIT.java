package weft.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two routers connected to each other: host 2 scrapes host 1's metrics address (the default, port 6782 on every
 * address) over the underlay, as a Prometheus server would, without the API token, and Prometheus' own
 * {@code promtool check metrics} finds nothing to complain of in the text. The API itself stays out of reach.
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
class MetricsIT {
    private static final Duration SETTLE = Duration.ofSeconds(60);
    /** GETs the URL; prints the status, the Content-Type and the body, or the error (an HTTP status, or why it could not connect). */
    private static final String FETCH = """
            import sys, urllib.request, urllib.error
            try:
                reply = urllib.request.urlopen(urllib.request.Request(sys.argv[1], method=sys.argv[2]), timeout=10)
                sys.stdout.write(str(reply.status) + "\\n" + reply.headers["Content-Type"] + "\\n" + reply.read().decode())
            except urllib.error.HTTPError as e:
                sys.stdout.write(str(e.code) + "\\n")
            except OSError as e:
                sys.stdout.write("unreachable " + str(e) + "\\n")
            """;

    private static String fetch(Lab lab, Host from, String method, String url) {
        return lab.exec(from.netns(), Duration.ofSeconds(20), "python3", "-c", FETCH, url, method).orThrow().stdout();
    }

    @Test
    void aPrometheusServerOnAnotherHostScrapesValidMetricsWithThePeersLabels() throws Exception {
        ExecResult promtool = Exec.run(null, Map.of(), Duration.ofSeconds(10), List.of("bash", "-c", "command -v promtool"));
        assertTrue(promtool.ok(), "promtool is missing: run scripts/setup.sh, which installs Debian's prometheus package");
        try (Lab lab = Lab.create(2)) {
            Host h1 = lab.host(1), h2 = lab.host(2);
            lab.weft(h1, "launch", "--nickname", "host1", h2.underlayAddress()).orThrow();
            String peer2 = lab.weft(h2, "launch", "--nickname", "host2", h1.underlayAddress()).orThrow().stdout().strip();
            String url = "http://" + h1.underlayAddress() + ":6782/metrics";
            String peerLabels = "peer=\"" + peer2 + "\",nickname=\"host2\"";
            // the path MTU comes with the first probe round answered, a few seconds after the connection
            String reply = Poll.until(() -> fetch(lab, h2, "GET", url),
                    r -> r.startsWith("200\n") && r.contains("weft_sleeve_path_mtu_bytes{" + peerLabels + "}"), SETTLE);
            assertTrue(reply.startsWith("200\ntext/plain; version=0.0.4; charset=utf-8\n"), reply);
            String body = reply.substring(reply.indexOf('\n', 4) + 1);

            Path scraped = Files.writeString(lab.dir().resolve("metrics.txt"), body);
            ExecResult checked = Exec.run(null, Map.of(), Duration.ofSeconds(20), List.of("bash", "-c", "promtool check metrics < " + scraped));
            System.out.println("MetricsIT: promtool check metrics: exit " + checked.exitCode() + ", stdout [" + checked.stdout().strip()
                    + "], stderr [" + checked.stderr().strip() + "], " + body.lines().count() + " lines scraped");
            assertEquals(0, checked.exitCode(), checked.describe());
            assertEquals("", checked.stdout().strip() + checked.stderr().strip(), "promtool complains:\n" + checked.describe());

            assertTrue(body.contains("weft_connections{state=\"established\"} 1\n"), body);
            assertTrue(body.contains("weft_established_connections{path=\"fast\",encrypted=\"false\"}"), body);
            assertTrue(body.contains("weft_connection_info{" + peerLabels + ",path=\""), body);
            for (String family : List.of("weft_sleeve_peer_sent_datagrams_total", "weft_sleeve_peer_sent_bytes_total",
                    "weft_sleeve_peer_received_datagrams_total", "weft_sleeve_peer_received_bytes_total", "weft_sleeve_path_mtu_bytes")) {
                assertTrue(body.contains(family + "{" + peerLabels + "} "), family + " for host 2:\n" + body);
            }
            for (String sample : List.of("weft_sleeve_dropped_total{reason=\"bad-magic\"} ", "weft_sleeve_events_total{kind=\"frames-sent\"} ",
                    "weft_fastpath_events_total{kind=\"heartbeats-sent\"} ", "weft_inbound_handshakes_total{kind=\"inbound-failed-authentication\"} ",
                    "weft_gossip_sent_bytes_total ", "weft_gossip_received_bytes_total ", "weft_ipam_owned_addresses ", "weft_ipam_free_addresses ",
                    "weft_ipam_pending_requests ", "weft_ipam_phase{phase=\"idle\"} ", "jvm_memory_used_bytes{area=\"heap\"} ",
                    "jvm_buffer_pool_used_bytes{pool=\"direct\"} ", "jvm_gc_collections_total{gc=\"", "jvm_gc_collection_seconds_total{gc=\"")) {
                assertTrue(body.contains("\n" + sample), sample + "\n" + body);
            }
            assertFalse(body.contains("weft_gossip_received_bytes_total 0\n"), "the routers gossiped:\n" + body);

            assertTrue(fetch(lab, h2, "POST", url).startsWith("405\n"), "the metrics address only reads");
            assertTrue(fetch(lab, h2, "GET", "http://" + h1.underlayAddress() + ":6782/status").startsWith("404\n"), "and serves nothing else");
            String api = fetch(lab, h2, "GET", "http://" + h1.underlayAddress() + ":6784/status");
            assertTrue(api.startsWith("unreachable"), "the API stays on loopback: " + api);
            String fromApi = lab.weft(h1, "metrics").orThrow().stdout();
            assertTrue(fromApi.contains("weft_connection_info{" + peerLabels), "weft metrics reads the same text from the API:\n" + fromApi);
        }
    }
}

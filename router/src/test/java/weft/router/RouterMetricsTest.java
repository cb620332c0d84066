package weft.router;

import org.junit.jupiter.api.Test;
import weft.gossip.Mesh;
import weft.gossip.MeshStatus;
import weft.gossip.PeerName;
import weft.ipam.AddressRange;
import weft.ipam.IpamStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouterMetricsTest {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    /** A sample line: the name, then labels whose values may hold escaped quotes, then the value. */
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME.pattern() + ")(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*})? (\\S+)");
    private static final String B = "7a:31:c4:02:9e:0e", C = "7a:31:c4:02:9e:0f";
    /** A nickname with everything the format escapes in a label value. */
    private static final String AWKWARD = "host \"b\" \\ at\nnight";

    private static RouterMetrics.Readings readings() {
        Map<String, Long> sleeve = new java.util.TreeMap<>(Map.of("frames-sent", 10L, "bytes-sent", 1500L, "bytes-received", 900L,
                "dropped-bad-magic", 1L, "dropped-replayed", 0L, "udp-gso-sends", 3L));
        List<RouterMetrics.ConnectionReading> connections = List.of(
                new RouterMetrics.ConnectionReading(B, AWKWARD, true, true, true),
                new RouterMetrics.ConnectionReading(C, "host-c", true, false, false),
                new RouterMetrics.ConnectionReading("", "", false, false, false));
        List<RouterMetrics.NeighbourReading> neighbours = List.of(
                new RouterMetrics.NeighbourReading(B, AWKWARD, 4, 600, 5, 700, 1500),
                new RouterMetrics.NeighbourReading(C, "host-c", 1, 90, 0, 0, 0));
        IpamStatus ipam = new IpamStatus(PeerName.parse(B), IpamStatus.Phase.READY, "", Optional.empty(),
                List.of(new AddressRange(0x0a200000L, 0x0a200100L), new AddressRange(0x0a210000L, 0x0a210040L)), 300, 20,
                List.of(new IpamStatus.Waiting("c1", "an address", "no space", Duration.ofSeconds(2))), List.of(), Optional.empty());
        return new RouterMetrics.Readings(sleeve, Map.of("heartbeats-sent", 7L), connections, Map.of("inbound-bans", 2L),
                new MeshStatus.Refusals(0, 0, false, 0, 0, 0), 3, neighbours, new Mesh.Traffic(4096, 2048), ipam,
                Map.of("dns/malformed", 1L, "links/malformed", 0L, "links/over-limit", 2L));
    }

    private static String exposition() {
        PrometheusText text = new PrometheusText();
        RouterMetrics.write(readings(), text);
        RouterMetrics.writeJvm(text);
        return text.toString();
    }

    /** Family name to type, checking that each is declared once with HELP then TYPE and that every sample is under its own. */
    private static Map<String, String> families(String exposition) {
        Map<String, String> types = new HashMap<>();
        List<String> helped = new ArrayList<>();
        String current = null;
        for (String line : exposition.split("\n")) {
            if (line.startsWith("# HELP ")) {
                String name = line.substring(7).split(" ", 2)[0];
                assertFalse(helped.contains(name), "HELP twice for " + name);
                helped.add(name);
                current = null;
            } else if (line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ");
                assertEquals(helped.getLast(), parts[0], "TYPE right after its HELP");
                assertNull(types.put(parts[0], parts[1]), "TYPE twice for " + parts[0]);
                current = parts[0];
            } else {
                Matcher sample = SAMPLE.matcher(line);
                assertTrue(sample.matches(), "not a sample line: " + line);
                assertEquals(current, sample.group(1), "a sample outside its family: " + line);
                Double.parseDouble(sample.group(3));
            }
        }
        assertEquals(helped.size(), types.size(), "every HELP has its TYPE");
        return types;
    }

    @Test
    void everyFamilyIsDeclaredOnceWithValidNamesAndCountersEndInTotal() {
        Map<String, String> types = families(exposition());
        types.forEach((name, type) -> {
            assertTrue(NAME.matcher(name).matches(), name);
            assertEquals(type.equals("counter"), name.endsWith("_total"), name + " is a " + type);
        });
        for (String family : List.of("weft_connections", "weft_established_connections", "weft_connection_info", "weft_sleeve_events_total",
                "weft_sleeve_dropped_total", "weft_sleeve_sent_bytes_total", "weft_sleeve_received_bytes_total",
                "weft_sleeve_peer_sent_datagrams_total", "weft_sleeve_peer_sent_bytes_total", "weft_sleeve_peer_received_datagrams_total",
                "weft_sleeve_peer_received_bytes_total", "weft_sleeve_path_mtu_bytes", "weft_fastpath_events_total",
                "weft_inbound_handshakes_total", "weft_mesh_refused_total", "weft_gossip_channel_refused_total", "weft_gossip_sent_bytes_total", "weft_gossip_received_bytes_total",
                "weft_ipam_owned_addresses", "weft_ipam_free_addresses", "weft_ipam_allocated_addresses", "weft_ipam_pending_requests",
                "weft_ipam_phase", "jvm_memory_used_bytes", "jvm_memory_committed_bytes", "jvm_memory_max_bytes", "jvm_buffer_pool_used_bytes",
                "jvm_gc_collections_total", "jvm_gc_collection_seconds_total")) {
            assertTrue(types.containsKey(family), "missing " + family);
        }
    }

    @Test
    void labelValuesAreEscaped() {
        String text = exposition();
        String escaped = "nickname=\"host \\\"b\\\" \\\\ at\\nnight\"";
        assertTrue(text.contains("weft_sleeve_peer_sent_bytes_total{peer=\"" + B + "\"," + escaped + "} 600\n"), text);
        assertFalse(text.contains("at\nnight"), "a raw newline would end the line");
    }

    @Test
    void connectionsAreCountedByStateAndByPathAndEncryption() {
        String text = exposition();
        assertTrue(text.contains("weft_connections{state=\"established\"} 2\nweft_connections{state=\"handshaking\"} 1\n"), text);
        assertTrue(text.contains("weft_established_connections{path=\"fast\",encrypted=\"true\"} 1\n"), text);
        assertTrue(text.contains("weft_established_connections{path=\"sleeve\",encrypted=\"false\"} 1\n"), text);
        assertTrue(text.contains("weft_established_connections{path=\"fast\",encrypted=\"false\"} 0\n"), text);
        assertTrue(text.contains("weft_connection_info{peer=\"" + C + "\",nickname=\"host-c\",path=\"sleeve\",encrypted=\"false\"} 1\n"), text);
    }

    @Test
    void dropsHaveTheirFamilyByReasonAndBytesTheirOwn() {
        String text = exposition();
        assertTrue(text.contains("weft_sleeve_dropped_total{reason=\"bad-magic\"} 1\n"), text);
        assertTrue(text.contains("weft_sleeve_events_total{kind=\"frames-sent\"} 10\n"), text);
        assertFalse(text.contains("kind=\"dropped-"), "drops are not events too");
        assertFalse(text.contains("kind=\"bytes-sent\""), "bytes are not events");
        assertTrue(text.contains("weft_sleeve_sent_bytes_total 1500\n"), text);
        assertTrue(text.contains("\nweft_gossip_sent_bytes_total 4096\n") && text.contains("\nweft_gossip_received_bytes_total 2048\n"), text);
    }

    @Test
    void pathMtuOnlyWhereKnownAndIpamFromItsStatus() {
        String text = exposition();
        assertTrue(text.contains("weft_sleeve_path_mtu_bytes{peer=\"" + B + "\""), text);
        assertFalse(text.contains("weft_sleeve_path_mtu_bytes{peer=\"" + C + "\""), "no probe answered yet: no MTU to show");
        assertTrue(text.contains("weft_ipam_owned_addresses 320\n"), text);
        assertTrue(text.contains("weft_ipam_free_addresses 300\n"), text);
        assertTrue(text.contains("weft_ipam_allocated_addresses 20\n"), text);
        assertTrue(text.contains("weft_ipam_pending_requests 1\n"), text);
        assertTrue(text.contains("weft_ipam_phase{phase=\"ready\"} 1\nweft_ipam_phase{phase=\"ring_conflict\"} 0\n"), text);
    }

    @Test
    void theJvmsHeapAndCollectorsAreThere() {
        String text = exposition();
        assertTrue(Pattern.compile("jvm_memory_used_bytes\\{area=\"heap\"} [1-9]").matcher(text).find(), text);
        assertTrue(text.contains("jvm_buffer_pool_used_bytes{pool=\"direct\"}"), text);
        assertTrue(text.contains("jvm_gc_collection_seconds_total{gc=\""), text);
    }

    @Test
    void theTextRefusesWhatAScraperWouldNotTake() {
        PrometheusText text = new PrometheusText();
        assertThrows(IllegalStateException.class, () -> text.sample(1), "a sample before its family");
        assertThrows(IllegalArgumentException.class, () -> text.family("weft_frames", PrometheusText.Type.COUNTER, "x"));
        assertThrows(IllegalArgumentException.class, () -> text.family("weft-frames_total", PrometheusText.Type.COUNTER, "x"));
        text.family("weft_frames_total", PrometheusText.Type.COUNTER, "Frames.\nAll of them, \\ none spared.");
        assertThrows(IllegalStateException.class, () -> text.family("weft_frames_total", PrometheusText.Type.COUNTER, "again"));
        assertThrows(IllegalArgumentException.class, () -> text.sample(1, "bad-label", "x"));
        assertThrows(IllegalArgumentException.class, () -> text.sample(1, "__reserved", "x"));
        assertThrows(IllegalArgumentException.class, () -> text.sample(1, "odd"));
        assertTrue(text.toString().startsWith("# HELP weft_frames_total Frames.\\nAll of them, \\\\ none spared.\n# TYPE weft_frames_total counter\n"),
                text.toString());
    }

    @Test
    void theGossipChannelsRefusalsAreCountedByChannelAndReason() {
        String text = exposition();
        assertTrue(text.contains("weft_gossip_channel_refused_total{channel=\"dns\",reason=\"malformed\"} 1\n"
                + "weft_gossip_channel_refused_total{channel=\"links\",reason=\"malformed\"} 0\n"
                + "weft_gossip_channel_refused_total{channel=\"links\",reason=\"over-limit\"} 2\n"), text);
    }
}

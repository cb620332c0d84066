package weft.router;

import weft.gossip.Mesh;
import weft.gossip.MeshStatus;
import weft.kernel.UdpSocket;
import weft.router.sleeve.MacTable;
import weft.router.sleeve.SleeveCounters;

import java.util.Map;
import java.util.TreeMap;

/**
 * The router's counters: the sleeve's, its socket's (how many datagrams left in GSO super-datagrams or plain, came
 * in coalesced), the new MACs the full MAC table refused, the connections by state, the inbound connections refused
 * before their handshake and the handshakes that failed, what the mesh refused to stay within its bounds, and the
 * MACs learned, for {@code weft status} and as Prometheus text.
 * Thread-safe: reads counters other threads write, and asks the mesh loop for the connections.
 */
final class RouterMetrics {
    private final SleeveCounters counters;
    private final UdpSocket udp;
    private final MacTable macs;
    private final Mesh mesh;

    RouterMetrics(SleeveCounters counters, UdpSocket udp, MacTable macs, Mesh mesh) {
        this.counters = counters;
        this.udp = udp;
        this.macs = macs;
        this.mesh = mesh;
    }

    /** The sleeve's counters, its socket's and its MAC table's refusals, by name. */
    Map<String, Long> sleeve() {
        Map<String, Long> all = new TreeMap<>();
        counters.snapshot().forEach((counter, value) -> all.put(counter.label(), value));
        all.put("udp-gso-sends", udp.segmentedSends());
        all.put("udp-gso-datagrams", udp.segmentedDatagrams());
        all.put("udp-plain-sends", udp.plainSends());
        all.put("udp-plain-datagrams", udp.plainDatagrams());
        all.put("udp-gro-receives", udp.coalescedReceives());
        all.put("udp-gro-datagrams", udp.coalescedDatagrams());
        all.put("udp-truncated-receives", udp.truncatedReceives());
        all.put("macs-refused-table-full", macs.refused());
        return all;
    }

    /** Prometheus text exposition. */
    String prometheus() {
        StringBuilder text = new StringBuilder();
        text.append("# HELP weft_sleeve_events_total Frames, bytes and drops of the userspace data path, by kind.\n");
        text.append("# TYPE weft_sleeve_events_total counter\n");
        sleeve().forEach((kind, value) ->
                text.append("weft_sleeve_events_total{kind=\"").append(kind).append("\"} ").append(value).append('\n'));
        text.append("# HELP weft_connections Connections to other routers, by state.\n# TYPE weft_connections gauge\n");
        MeshStatus status = mesh.status().join();
        long established = status.established().size();
        text.append("weft_connections{state=\"established\"} ").append(established).append('\n');
        text.append("weft_connections{state=\"handshaking\"} ").append(status.connections().size() - established).append('\n');
        text.append("# HELP weft_inbound_handshakes_total Inbound connections refused before their handshake (banned "
                + "source, no slot), handshakes that failed to authenticate, and bans begun, by kind.\n");
        text.append("# TYPE weft_inbound_handshakes_total counter\n");
        status.inbound().forEach((kind, value) ->
                text.append("weft_inbound_handshakes_total{kind=\"").append(kind).append("\"} ").append(value).append('\n'));
        MeshStatus.Refusals refused = status.refused();
        text.append("# HELP weft_mesh_refused_total What the mesh refused to stay within its bounds, by kind.\n");
        text.append("# TYPE weft_mesh_refused_total counter\n");
        refusal(text, "loop-tasks", refused.loopTasks());
        refusal(text, "topology-records", refused.topologyRecords());
        refusal(text, "discovery-addresses", refused.discoveryAddresses());
        refusal(text, "discovery-over-limit", refused.discoveryOverLimit());
        refusal(text, "channel-unicasts", refused.channelUnicasts());
        text.append("# HELP weft_topology_full Whether the topology holds as many peers as it may (1) and refuses more.\n");
        text.append("# TYPE weft_topology_full gauge\nweft_topology_full ").append(refused.topologyFull() ? 1 : 0).append('\n');
        text.append("# HELP weft_learned_macs MAC addresses known to live behind peers.\n# TYPE weft_learned_macs gauge\n");
        text.append("weft_learned_macs ").append(macs.size()).append('\n');
        return text.toString();
    }

    private static void refusal(StringBuilder text, String kind, long value) {
        text.append("weft_mesh_refused_total{kind=\"").append(kind).append("\"} ").append(value).append('\n');
    }
}

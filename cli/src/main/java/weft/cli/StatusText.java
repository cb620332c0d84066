package weft.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;
import java.util.TreeMap;

/** Renders the router's status reply as the text {@code weft status} prints. */
final class StatusText {
    private StatusText() {
    }

    static String render(JsonNode status, String view) {
        StringBuilder text = new StringBuilder();
        switch (view) {
            case "connections" -> connections(status, text);
            case "targets" -> targets(status, text);
            case "peers" -> peers(status, text);
            case "ipam" -> ipam(status, text);
            default -> overview(status, text);
        }
        return text.toString();
    }

    private static void overview(JsonNode s, StringBuilder text) {
        int established = 0;
        for (JsonNode connection : s.path("connections")) if ("established".equals(connection.path("state").asText())) established++;
        line(text, "Version", s.path("version").asText());
        line(text, "Peer name", s.path("peerName").asText() + " (" + s.path("nickname").asText() + ")");
        line(text, "Encryption", s.path("encryption").asText());
        line(text, "Control", "TCP " + s.path("controlAddress").asText());
        line(text, "Sleeve", "UDP port " + s.path("sleevePort").asText() + " via " + s.path("sleeveInterface").asText());
        line(text, "HTTP API", s.path("httpAddress").asText());
        line(text, "Bridge", s.path("bridge").asText() + ", MTU " + s.path("mtu").asText() + " (" + s.path("mtuReason").asText() + ")");
        line(text, "Fast path", s.path("fastPath").asText());
        line(text, "Overlay range", s.path("overlayRange").asText());
        line(text, "Data directory", s.path("dataDirectory").asText());
        line(text, "Connections", established + " established of " + s.path("connections").size());
        line(text, "Targets", Integer.toString(s.path("targets").size()));
        line(text, "Peers", s.path("peers").size() + " known, " + s.path("routes").size() + " reachable");
        line(text, "Learned MACs", s.path("learnedMacs").asText());
        Map<String, Long> counters = new TreeMap<>();
        for (Map.Entry<String, JsonNode> entry : s.path("sleeve").properties()) counters.put(entry.getKey(), entry.getValue().asLong());
        text.append("\n  Kernel:\n");
        for (Map.Entry<String, JsonNode> entry : s.path("kernel").properties()) {
            text.append(String.format("    %-32s %s%n", entry.getKey(), entry.getValue().asText()));
        }
        text.append("\n  Sleeve counters:\n");
        counters.forEach((name, value) -> text.append(String.format("    %-28s %d%n", name, value)));
        if (!s.path("fastPathCounters").isEmpty()) {
            text.append("\n  Fast path counters:\n");
            for (Map.Entry<String, JsonNode> entry : s.path("fastPathCounters").properties()) {
                text.append(String.format("    %-28s %d%n", entry.getKey(), entry.getValue().asLong()));
            }
        }
        if (!s.path("connections").isEmpty()) {
            text.append("\n");
            connections(s, text);
        }
    }

    private static void connections(JsonNode s, StringBuilder text) {
        for (JsonNode c : s.path("connections")) {
            int mtu = c.path("pathMtu").asInt(0);
            text.append(String.format("%s %-21s %-12s %s(%s) %s, %s%s%n", c.path("direction").asText().equals("outbound") ? "->" : "<-",
                    c.path("address").asText(), c.path("state").asText(), c.path("peer").asText(), c.path("nickname").asText(),
                    c.path("path").asText(), c.path("encryption").asText(), mtu > 0 ? ", path MTU " + mtu : ""));
        }
    }

    private static void targets(JsonNode s, StringBuilder text) {
        for (JsonNode t : s.path("targets")) {
            StringBuilder row = new StringBuilder(String.format("%-21s %s", t.path("target").asText(), t.path("state").asText()));
            if (!t.path("peer").asText("").isEmpty()) row.append(" to ").append(t.path("peer").asText());
            if (!t.path("lastError").asText("").isEmpty()) row.append(", last error: ").append(t.path("lastError").asText());
            if (!t.path("nextAttempt").asText("").isEmpty()) row.append(", next attempt ").append(t.path("nextAttempt").asText());
            text.append(row).append('\n');
        }
    }

    /** Every peer the topology knows, with the peers it reports connections to, and how we reach it. */
    private static void peers(JsonNode s, StringBuilder text) {
        JsonNode routes = s.path("routes");
        for (JsonNode peer : s.path("peers")) {
            String name = peer.path("name").asText();
            String via = name.equals(s.path("peerName").asText()) ? "this router"
                    : routes.has(name) ? (routes.path(name).asText().equals(name) ? "direct" : "via " + routes.path(name).asText()) : "unreachable";
            text.append(name).append('(').append(peer.path("nickname").asText()).append(") ").append(via).append('\n');
            for (JsonNode link : peer.path("links")) text.append("   -> ").append(link.asText()).append('\n');
        }
    }

    /** The allocator: phase, what it waits for, each peer's share of the range, pending requests, conflicts. */
    private static void ipam(JsonNode s, StringBuilder text) {
        JsonNode ipam = s.path("ipam");
        line(text, "Range", ipam.path("range").asText() + " (default subnet " + ipam.path("defaultSubnet").asText() + ")");
        line(text, "Phase", ipam.path("phase").asText());
        line(text, "Waiting for", ipam.path("waitingFor").asText());
        line(text, "Ring", ipam.path("ring").asText("").isEmpty() ? "none yet" : ipam.path("ring").asText());
        line(text, "Here", ipam.path("allocations").asLong() + " allocated, " + ipam.path("free").asLong() + " free");
        long unreachable = 0;
        for (JsonNode share : ipam.path("shares")) {
            boolean reachable = share.path("reachable").asBoolean();
            if (!reachable) unreachable += share.path("addresses").asLong();
            text.append(String.format("  %s(%s) %d addresses (%.1f%%), %d free%s%n", share.path("peer").asText(), share.path("nickname").asText(),
                    share.path("addresses").asLong(), share.path("percent").asDouble(), share.path("free").asLong(),
                    reachable ? "" : " - unreachable"));
        }
        if (unreachable > 0) {
            text.append("  ").append(unreachable).append(" addresses are owned by unreachable peers: 'weft rmpeer PEER' if they are gone for good\n");
        }
        for (JsonNode pending : ipam.path("pending")) text.append("  pending: ").append(pending.asText()).append('\n');
        for (JsonNode conflict : ipam.path("conflicts")) text.append("  conflict: ").append(conflict.asText()).append('\n');
        if (!ipam.path("persistenceFailure").asText("").isEmpty()) text.append("  NOT SAVING: ").append(ipam.path("persistenceFailure").asText()).append('\n');
    }

    private static void line(StringBuilder text, String label, String value) {
        text.append(String.format("%16s: %s%n", label, value));
    }
}

package weft.cli;

import weft.api.StatusReport;
import weft.api.StatusReport.ConnectionView;
import weft.api.StatusReport.IpamView;
import weft.api.StatusReport.PeerView;
import weft.api.StatusReport.TargetView;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Renders the router's status reply as the text {@code weft status} prints. Maps are printed in name order: the
 * reply's maps have none of their own. Stateless.
 */
final class StatusText {
    private StatusText() {
    }

    static String render(StatusReport status, String view) {
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

    private static void overview(StatusReport s, StringBuilder text) {
        long established = s.connections().stream().filter(c -> "established".equals(c.state())).count();
        line(text, "Version", s.version());
        line(text, "Peer name", s.peerName() + " (" + s.nickname() + ")");
        line(text, "Encryption", s.encryption());
        line(text, "Control", "TCP " + s.controlAddress());
        line(text, "Sleeve", "UDP port " + s.sleevePort() + " via " + s.sleeveInterface());
        line(text, "HTTP API", s.httpAddress());
        line(text, "Bridge", s.bridge() + ", MTU " + s.mtu() + " (" + s.mtuReason() + ")");
        line(text, "Fast path", s.fastPath());
        line(text, "Overlay range", s.overlayRange());
        line(text, "Data directory", s.dataDirectory());
        line(text, "Connections", established + " established of " + s.connections().size());
        line(text, "Targets", Integer.toString(s.targets().size()));
        line(text, "Peers", s.peers().size() + " known, " + s.routes().size() + " reachable");
        line(text, "Learned MACs", Integer.toString(s.learnedMacs()));
        text.append("\n  Kernel:\n");
        sorted(s.kernel()).forEach((feature, found) -> text.append(String.format("    %-32s %s%n", feature, found)));
        text.append("\n  Sleeve counters:\n");
        sorted(s.sleeve()).forEach((name, value) -> text.append(String.format("    %-28s %d%n", name, value)));
        if (!s.fastPathCounters().isEmpty()) {
            text.append("\n  Fast path counters:\n");
            sorted(s.fastPathCounters()).forEach((name, value) -> text.append(String.format("    %-28s %d%n", name, value)));
        }
        if (!s.connections().isEmpty()) {
            text.append("\n");
            connections(s, text);
        }
    }

    private static void connections(StatusReport s, StringBuilder text) {
        for (ConnectionView c : s.connections()) {
            int mtu = c.pathMtu();
            text.append(String.format("%s %-21s %-12s %s(%s) %s, %s%s%n", "outbound".equals(c.direction()) ? "->" : "<-",
                    c.address(), c.state(), c.peer(), c.nickname(), c.path(), c.encryption(), mtu > 0 ? ", path MTU " + mtu : ""));
        }
    }

    private static void targets(StatusReport s, StringBuilder text) {
        for (TargetView t : s.targets()) {
            StringBuilder row = new StringBuilder(String.format("%-21s %s", t.target(), t.state()));
            if (present(t.peer())) row.append(" to ").append(t.peer());
            if (present(t.lastError())) row.append(", last error: ").append(t.lastError());
            if (present(t.nextAttempt())) row.append(", next attempt ").append(t.nextAttempt());
            text.append(row).append('\n');
        }
    }

    /** Every peer the topology knows, with the peers it reports connections to, and how we reach it. */
    private static void peers(StatusReport s, StringBuilder text) {
        for (PeerView peer : s.peers()) {
            String name = peer.name();
            String hop = s.routes().get(name);
            String via = Objects.equals(name, s.peerName()) ? "this router"
                    : hop == null ? "unreachable" : hop.equals(name) ? "direct" : "via " + hop;
            text.append(name).append('(').append(peer.nickname()).append(") ").append(via).append('\n');
            for (String link : peer.links()) text.append("   -> ").append(link).append('\n');
        }
    }

    /** The allocator: phase, what it waits for, each peer's share of the range, pending requests, conflicts. */
    private static void ipam(StatusReport s, StringBuilder text) {
        IpamView ipam = s.ipam();
        line(text, "Range", ipam.range() + " (default subnet " + ipam.defaultSubnet() + ")");
        line(text, "Phase", ipam.phase());
        line(text, "Waiting for", ipam.waitingFor());
        line(text, "Ring", present(ipam.ring()) ? ipam.ring() : "none yet");
        line(text, "Here", ipam.allocations() + " allocated, " + ipam.free() + " free");
        long unreachable = 0;
        for (IpamView.Share share : ipam.shares()) {
            if (!share.reachable()) unreachable += share.addresses();
            text.append(String.format("  %s(%s) %d addresses (%.1f%%), %d free%s%n", share.peer(), share.nickname(),
                    share.addresses(), share.percent(), share.free(), share.reachable() ? "" : " - unreachable"));
        }
        if (unreachable > 0) {
            text.append("  ").append(unreachable).append(" addresses are owned by unreachable peers: 'weft rmpeer PEER' if they are gone for good\n");
        }
        for (String pending : ipam.pending()) text.append("  pending: ").append(pending).append('\n');
        for (String conflict : ipam.conflicts()) text.append("  conflict: ").append(conflict).append('\n');
        if (present(ipam.persistenceFailure())) text.append("  NOT SAVING: ").append(ipam.persistenceFailure()).append('\n');
    }

    /** The router sends "" for none, but a null (from a router that leaves the field out) reads as none too. */
    private static boolean present(String value) {
        return value != null && !value.isEmpty();
    }

    private static <V> Map<String, V> sorted(Map<String, V> map) {
        return new TreeMap<>(map);
    }

    private static void line(StringBuilder text, String label, String value) {
        text.append(String.format("%16s: %s%n", label, value));
    }
}

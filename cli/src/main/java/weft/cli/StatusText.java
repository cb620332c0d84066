package weft.cli;

import weft.api.DnsStatus;
import weft.api.StatusReport;
import weft.api.StatusReport.ConnectionView;
import weft.api.StatusReport.IpamView;
import weft.api.StatusReport.PeerView;
import weft.api.StatusReport.TargetView;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
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

    /** The views {@code weft status} has besides the overview. */
    static final java.util.List<String> VIEWS = java.util.List.of("connections", "peers", "targets", "ipam", "counters");

    /** @param now the time relative times are told from (the next attempt of a target) */
    static String render(StatusReport status, String view, Instant now) {
        StringBuilder text = new StringBuilder();
        switch (view) {
            case "connections" -> connections(status, text, now);
            case "targets" -> targets(status, text, now);
            case "peers" -> peers(status, text);
            case "ipam" -> ipam(status, text);
            case "counters" -> counters(status, text);
            default -> overview(status, text, now);
        }
        return text.toString();
    }

    /** A screen an operator reads in seconds: who, how safe, which connections and what is wrong, the allocator. */
    private static void overview(StatusReport s, StringBuilder text, Instant now) {
        line(text, "Weft", s.version() + ", peer " + s.peerName() + " (" + s.nickname() + "), pid " + s.pid());
        line(text, "Encryption", s.encryption());
        line(text, "Listening", "TCP " + s.controlAddress() + ", UDP " + s.sleevePort() + ", API " + s.httpAddress());
        line(text, "Bridge", s.bridge() + ", MTU " + s.mtu() + " (" + s.mtuReason() + "), range " + s.overlayRange());
        line(text, "Fast path", s.fastPath());
        line(text, "Connections", connectionSummary(s));
        line(text, "Peers", s.peers().size() + " known, " + s.routes().size() + " reachable" + sharedNicknames(s));
        line(text, "IPAM", ipamSummary(s));
        line(text, "Data directory", s.dataDirectory());
        if (!s.connections().isEmpty() || s.targets().stream().anyMatch(StatusText::failing)) {
            text.append('\n');
            connections(s, text, now);
        }
        text.append("\nMore: weft status ").append(String.join("|", VIEWS)).append("|dns|policy\n");
    }

    /** Nicknames that several peers use (all default to their host's name): the peer names tell them apart. */
    private static String sharedNicknames(StatusReport s) {
        Map<String, Long> uses = new TreeMap<>();
        s.peers().forEach(p -> uses.merge(p.nickname(), 1L, Long::sum));
        StringBuilder shared = new StringBuilder();
        uses.forEach((nickname, n) -> {
            if (n > 1 && present(nickname)) shared.append("; nickname '").append(nickname).append("' is used by ").append(n).append(" peers");
        });
        return shared.isEmpty() ? "" : shared + " (tell them apart by peer name, or launch with --nickname)";
    }

    private static String connectionSummary(StatusReport s) {
        Map<String, Long> byState = new TreeMap<>();
        long fast = 0;
        for (ConnectionView c : s.connections()) {
            byState.merge(c.state(), 1L, Long::sum);
            if ("established".equals(c.state()) && present(c.path()) && c.path().startsWith("fast")) fast++;
        }
        long established = byState.getOrDefault("established", 0L);
        StringBuilder summary = new StringBuilder().append(established).append(" established");
        if (established > 0) summary.append(" (").append(fast).append(" fast, ").append(established - fast).append(" sleeve)");
        byState.forEach((state, n) -> {
            if (!state.equals("established")) summary.append(", ").append(n).append(' ').append(state);
        });
        long failing = s.targets().stream().filter(StatusText::failing).count();
        if (failing > 0) summary.append("; ").append(failing).append(failing == 1 ? " target failing" : " targets failing");
        return summary.toString();
    }

    /**
     * {@code percent} with one decimal, as {@code %.1f} in Locale.ROOT would print it; without Formatter's {@code %f},
     * whose first use loads the JDK's locale data (a tenth of {@code weft status}'s 200 ms).
     */
    static String oneDecimal(double percent) {
        return BigDecimal.valueOf(percent).setScale(1, RoundingMode.HALF_UP).toPlainString();
    }

    private static String ipamSummary(StatusReport s) {
        IpamView ipam = s.ipam();
        StringBuilder summary = new StringBuilder(ipam.phase());
        if (!"ready".equals(ipam.phase())) summary.append(", waiting for ").append(ipam.waitingFor());
        ipam.shares().stream().filter(share -> share.peer().equals(s.peerName())).findFirst().ifPresent(mine ->
                summary.append(", ").append(oneDecimal(mine.percent())).append("% of the range here"));
        summary.append(" (").append(ipam.allocations()).append(" allocated, ").append(ipam.free()).append(" free)");
        long unreachable = ipam.shares().stream().filter(share -> !share.reachable()).mapToLong(IpamView.Share::addresses).sum();
        if (unreachable > 0) summary.append("; ").append(unreachable).append(" addresses owned by unreachable peers");
        if (!ipam.pending().isEmpty()) summary.append("; ").append(ipam.pending().size()).append(" pending");
        if (!ipam.conflicts().isEmpty()) {
            summary.append("; ").append(ipam.conflicts().size()).append(ipam.conflicts().size() == 1 ? " conflict" : " conflicts").append(" (weft status ipam)");
        }
        if (present(ipam.persistenceFailure())) summary.append("; NOT SAVING: ").append(ipam.persistenceFailure());
        return summary.toString();
    }

    /** The kernel's features and every counter, for when the overview is not enough. */
    private static void counters(StatusReport s, StringBuilder text) {
        line(text, "Learned MACs", Integer.toString(s.learnedMacs()));
        text.append("\n  Kernel:\n");
        sorted(s.kernel()).forEach((feature, found) -> text.append(String.format("    %-32s %s%n", feature, found)));
        text.append("\n  Sleeve counters:\n");
        sorted(s.sleeve()).forEach((name, value) -> text.append(String.format("    %-28s %d%n", name, value)));
        if (!s.fastPathCounters().isEmpty()) {
            text.append("\n  Fast path counters:\n");
            sorted(s.fastPathCounters()).forEach((name, value) -> text.append(String.format("    %-28s %d%n", name, value)));
        }
    }

    /** Each connection, then each target that has none and is not getting one: with its last error. */
    private static void connections(StatusReport s, StringBuilder text, Instant now) {
        for (ConnectionView c : s.connections()) {
            int mtu = c.pathMtu();
            // the encryption column says the data is encrypted: the path's reason need not say it again
            String path = present(c.path()) ? c.path().replace(": data is encrypted, and ", ": ") : "";
            String how = path.isEmpty() ? c.encryption() : path + ", " + c.encryption();
            text.append(String.format("%s %-21s %-12s %s(%s) %s%s%n", "outbound".equals(c.direction()) ? "->" : "<-",
                    c.address(), c.state(), c.peer(), c.nickname(), how, mtu > 0 ? ", path MTU " + mtu : ""));
        }
        for (TargetView t : s.targets()) {
            if (failing(t)) text.append(String.format("!! %-21s %s%n", t.target(), targetState(t, now)));
        }
    }

    /** A target that is not connected and has tried at least once: what the operator should look at. */
    private static boolean failing(TargetView t) {
        return !"connected".equals(t.state()) && present(t.lastError());
    }

    private static String targetState(TargetView t, Instant now) {
        StringBuilder row = new StringBuilder(t.state());
        if (present(t.peer())) row.append(" to ").append(t.peer());
        if (present(t.lastError())) row.append(", last error: ").append(t.lastError());
        if (present(t.nextAttempt())) row.append(", next attempt ").append(relative(t.nextAttempt(), now));
        return row.toString();
    }

    /** "in 3 s", "now", or the text itself when it is not an instant (a router that sends something else). */
    static String relative(String instant, Instant now) {
        try {
            long seconds = Duration.between(now, Instant.parse(instant)).toSeconds();
            return seconds <= 0 ? "now" : "in " + seconds + " s";
        } catch (java.time.format.DateTimeParseException e) {
            return instant;
        }
    }

    private static void targets(StatusReport s, StringBuilder text, Instant now) {
        for (TargetView t : s.targets()) text.append(String.format("%-21s %s%n", t.target(), targetState(t, now)));
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
            text.append(String.format("  %s(%s) %d addresses (%s%%), %d free%s%s%n", share.peer(), share.nickname(),
                    share.addresses(), oneDecimal(share.percent()), share.free(), share.reachable() ? "" : " - unreachable",
                    share.ranges().isEmpty() ? "" : ": " + String.join(" ", share.ranges())));
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

    /** {@code weft status policy}: what the NetworkPolicy controller enforces here, and what it refused. */
    static String renderPolicy(weft.api.PolicyStatus policy) {
        StringBuilder text = new StringBuilder("NetworkPolicy: ").append(policy.state());
        if (!policy.node().isEmpty()) text.append(" on node ").append(policy.node()).append(", ").append(policy.isolated()).append(" pods isolated here");
        text.append('\n');
        if (!policy.lastApply().isEmpty()) text.append("Last change: ").append(policy.lastApply()).append('\n');
        for (String refused : policy.refused()) text.append("Refused: ").append(refused).append('\n');
        if (!policy.drops().isEmpty()) {
            text.append("Last drops:\n");
            for (String drop : policy.drops()) text.append("  ").append(drop).append('\n');
        }
        if (!policy.policies().isEmpty()) {
            text.append(String.format("%-40s %-15s %8s  %s%n", "POLICY", "TYPES", "DROPS", "SELECTED PODS"));
            for (weft.api.PolicyStatus.Entry e : policy.policies()) {
                text.append(String.format("%-40s %-15s %8d  %s%n", e.policy(), String.join(",", e.types()), e.drops(),
                        e.selected().isEmpty() ? "(none)" : String.join(" ", e.selected())));
            }
        }
        return text.toString();
    }

    /** {@code weft status dns}: where Weft DNS answers, its counters, and every name known here. */
    static String renderDns(DnsStatus dns) {
        StringBuilder text = new StringBuilder();
        text.append("Weft DNS: ").append(dns.state()).append(dns.listen().isEmpty() ? "" : " on " + dns.listen())
                .append(", domain ").append(dns.domain()).append(", TTL ").append(dns.ttlSeconds()).append(" s\n");
        if (!dns.counters().isEmpty()) {
            text.append("Counters:");
            new java.util.TreeMap<>(dns.counters()).forEach((name, value) -> text.append(' ').append(name).append('=').append(value));
            text.append('\n');
        }
        text.append("Names: ").append(dns.entries().size()).append('\n');
        for (DnsStatus.Entry e : dns.entries()) {
            text.append(String.format("  %-40s %-15s %-20s %s%n", e.name(), e.address(), e.owner(), e.origin()));
        }
        return text.toString();
    }
}

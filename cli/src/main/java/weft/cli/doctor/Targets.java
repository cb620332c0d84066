package weft.cli.doctor;

import weft.api.StatusReport;
import weft.api.StatusReport.TargetView;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Check: the peers this router dials and cannot reach, each with why (the last error) and what that error usually
 * means; and peers the topology knows that no route reaches. A failing target fails the doctor when this router has
 * no connection at all, since then the host is cut off; otherwise it warns. Stateless.
 */
final class Targets {
    static final String NAME = "peers";

    private Targets() {
    }

    static List<Finding> check(Facts facts) {
        if (!(facts.router() instanceof RouterState.Answering answering)) return List.of(RouterAnswers.skipped(NAME));
        StatusReport status = answering.status();
        boolean isolated = status.connections().stream().noneMatch(c -> "established".equals(c.state()));
        List<Finding> findings = new ArrayList<>();
        for (TargetView t : status.targets()) {
            if (t.state().startsWith("connected") || t.lastError() == null || t.lastError().isEmpty()) continue;
            String finding = "target " + t.target() + " is " + t.state() + " after " + t.attempts() + " attempts: " + t.lastError()
                    + (isolated ? "; this router has no connection at all" : "");
            String remedy = remedy(t.target(), t.lastError());
            findings.add(isolated ? Finding.fail(NAME, finding, remedy) : Finding.warn(NAME, finding, remedy));
        }
        long unreachable = status.peers().stream().filter(p -> !p.name().equals(status.peerName()) && !status.routes().containsKey(p.name())).count();
        if (unreachable > 0) {
            findings.add(Finding.warn(NAME, count((int) unreachable, "peer") + " the topology knows have no route from here (gone, or cut off from every peer we reach)",
                    "'weft status peers' shows which; 'weft rmpeer' only for those gone for good"));
        }
        if (findings.isEmpty()) {
            findings.add(Finding.ok(NAME, count(status.targets().size(), "target") + (status.targets().isEmpty() ? "" : ", every one connected")
                    + "; " + count(status.routes().size(), "peer") + " reachable"));
        }
        return findings;
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** What a target's last error usually means, and what to do about it. */
    static String remedy(String target, String error) {
        String e = error.toLowerCase(Locale.ROOT);
        String host = target.contains(":") ? target.substring(0, target.lastIndexOf(':')) : target;
        if (e.contains("refused") && !e.contains("handshake")) return "nothing listens on TCP 6783 at " + host + ": launch its router ('weft launch' there)";
        if (e.contains("password") || e.contains("handshake")) return "give both routers the same password (--password-file, WEFT_PASSWORD)";
        if (e.contains("protocol")) return "run the same release on both, or one the other speaks to";
        if (e.contains("resolv") || e.contains("unknown host") || e.contains("name or service")) return "fix the name of " + host + ", or use its address";
        if (e.contains("timed out") || e.contains("timeout") || e.contains("no route") || e.contains("unreachable")) {
            return "TCP 6783 to " + host + " is dropped on the way, or the host is down: let TCP 6783 (and UDP 6783-6784) through between the hosts";
        }
        return "see 'weft status targets' here and weft.log on " + host;
    }
}

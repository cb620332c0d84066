package weft.cli.doctor;

import weft.api.StatusReport;
import weft.api.StatusReport.ConnectionView;

import java.util.ArrayList;
import java.util.List;

/**
 * Check: the overlay MTU against each neighbour's underlay path MTU, as the sleeve's probes measured it. A frame
 * of the overlay's size needs the path to carry it plus {@value #SLEEVE_OVERHEAD} bytes on the sleeve (IPv4 and UDP,
 * the sleeve header, the sealing tag, the inner Ethernet header) and plus 50 on the fast path; a narrower path makes
 * the sleeve cut every full-size frame into fragments and keeps the pair off the fast path. Stateless.
 */
final class Mtu {
    static final String NAME = "mtu";
    static final int SLEEVE_OVERHEAD = 90;

    private Mtu() {
    }

    static List<Finding> check(Facts facts) {
        if (!(facts.router() instanceof RouterState.Answering answering)) return List.of(RouterAnswers.skipped(NAME));
        StatusReport status = answering.status();
        int mtu = status.mtu();
        List<Finding> findings = new ArrayList<>();
        int narrowest = 0;
        for (ConnectionView c : status.connections()) {
            int path = c.pathMtu();
            if (!"established".equals(c.state()) || path <= 0) continue;
            narrowest = narrowest == 0 ? path : Math.min(narrowest, path);
            if (mtu + SLEEVE_OVERHEAD > path) {
                findings.add(Finding.warn(NAME, "the overlay MTU " + mtu + " (" + status.mtuReason() + ") needs a path of " + (mtu + SLEEVE_OVERHEAD)
                                + " bytes, but the path to " + c.peer() + "(" + c.nickname() + ") carries " + path
                                + ": full-size frames are cut into fragments, and the pair stays off the fast path",
                        "launch every router with --mtu " + (path - SLEEVE_OVERHEAD) + " (or WEFT_MTU), or raise the underlay's MTU on that path"));
            }
        }
        if (findings.isEmpty()) {
            findings.add(Finding.ok(NAME, "overlay MTU " + mtu + " (" + status.mtuReason() + ")"
                    + (narrowest > 0 ? " fits every path measured (the narrowest carries " + narrowest + ")" : "; no path measured yet")));
        }
        return findings;
    }
}

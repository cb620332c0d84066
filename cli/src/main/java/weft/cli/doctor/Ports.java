package weft.cli.doctor;

import weft.api.StatusReport;

import java.util.ArrayList;
import java.util.List;

/**
 * Check: who holds the ports Weft needs, TCP and UDP 6783 (the control connections and the sleeve) and UDP 6784
 * (the fast path's VXLAN device, a socket of the kernel's). With a router running they must be its own; without
 * one they must be free, or {@code weft launch} fails or starts without a fast path. Stateless.
 */
final class Ports {
    static final String NAME = "ports";

    private Ports() {
    }

    /** The ports a router with control port {@code port} uses: TCP and UDP {@code port}, UDP {@code port + 1}. */
    record Wanted(String protocol, int port) {
        @Override
        public String toString() {
            return protocol.toUpperCase() + " " + port;
        }
    }

    static List<Wanted> wanted(int port) {
        return List.of(new Wanted("tcp", port), new Wanted("udp", port), new Wanted("udp", port + 1));
    }

    static List<Finding> check(Facts facts) {
        if (!(facts.sockets() instanceof Gathered.Known<List<PortHolder>>(List<PortHolder> sockets))) {
            return List.of(Finding.skip(NAME, Gathered.why(facts.sockets())));
        }
        StatusReport status = facts.router() instanceof RouterState.Answering a ? a.status() : null;
        int port = status == null ? weft.router.RouterConfig.DEFAULT_PORT : status.sleevePort();
        List<Finding> problems = new ArrayList<>();
        for (Wanted wanted : wanted(port)) {
            List<PortHolder> holders = sockets.stream().filter(s -> s.protocol().equals(wanted.protocol()) && s.port() == wanted.port()).toList();
            boolean fastPort = wanted.port() == port + 1;
            if (status == null) {
                for (PortHolder h : holders) {
                    problems.add(Finding.fail(NAME, wanted + " is held by " + h.holder() + " on " + h.address() + ": 'weft launch' "
                                    + (fastPort ? "would start without a fast path" : "would fail"),
                            (h.pid() == PortHolder.KERNEL ? "delete that device (a Weave router leaves vxlan-6784: ip link del vxlan-6784)"
                                    : "stop it") + ", or launch every router with another --port"));
                }
                continue;
            }
            boolean fastPathOn = status.fastPath() != null && status.fastPath().startsWith("weft-vxlan");
            for (PortHolder h : holders) {
                boolean ours = h.pid() == status.pid() || (fastPort && fastPathOn && h.pid() == PortHolder.KERNEL);
                if (ours || h.pid() == PortHolder.UNKNOWN) continue; // not seen as another's: the root run names it
                problems.add(fastPort ? Finding.warn(NAME, wanted + " is held by " + h.holder() + ", not the router: this host has no fast path, every pair goes by sleeve",
                                "stop it and restart the router (weft stop; weft launch ...)")
                        : Finding.fail(NAME, wanted + " is held by " + h.holder() + " as well as the router", "stop it"));
            }
            if (holders.isEmpty() && !fastPort) {
                problems.add(Finding.fail(NAME, "nothing listens on " + wanted + " though the router runs", "see the router's log, weft.log in its data directory"));
            }
        }
        if (!problems.isEmpty()) return problems;
        return List.of(Finding.ok(NAME, String.join(", ", wanted(port).stream().map(Wanted::toString).toList())
                + (status == null ? " are free" : " are the router's")));
    }
}

package weft.cli.doctor;

import java.util.List;

/**
 * Check: {@code net.ipv4.ip_forward}. Containers on the bridge reach each other and the other hosts' containers
 * without it (the bridge and the overlay are layer 2), but nothing routes through the host without it: not pods,
 * whose default route is the bridge's address, nor containers that reach the host's other networks through an
 * exposed host. So it fails where the host is exposed or runs for Kubernetes, and warns elsewhere. Stateless.
 */
final class IpForwarding {
    static final String NAME = "ip_forward";
    static final String REMEDY = "sysctl -w net.ipv4.ip_forward=1, and net.ipv4.ip_forward = 1 in /etc/sysctl.d/99-weft.conf to keep it";

    private IpForwarding() {
    }

    static List<Finding> check(Facts facts) {
        if (!(facts.sysctls() instanceof Gathered.Known<Facts.Sysctls>(Facts.Sysctls sysctls))) {
            return List.of(Finding.skip(NAME, Gathered.why(facts.sysctls())));
        }
        if (sysctls.ipForward()) return List.of(Finding.ok(NAME, "net.ipv4.ip_forward is 1: containers can route through this host"));
        boolean routedThrough = facts.router() instanceof RouterState.Answering a && (a.exposed() || a.kube());
        if (routedThrough) {
            return List.of(Finding.fail(NAME, "net.ipv4.ip_forward is 0 while the host has an overlay address on the bridge: what routes through it"
                    + " (pods' default route, containers reaching the host's other networks) goes nowhere", REMEDY));
        }
        return List.of(Finding.warn(NAME, "net.ipv4.ip_forward is 0: containers reach each other on the overlay, but nothing will route"
                + " through this host once it is exposed (weft expose, or pods' default route)", REMEDY));
    }
}

package weft.kube.policy;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One ingress or egress rule: it allows a connection whose other end is one of {@code peers} (every address when
 * there are none) and whose port is one of {@code ports} (every port and protocol when there are none). Immutable.
 */
record PolicyRule(List<PolicyPeer> peers, List<PolicyPort> ports) {
    PolicyRule {
        peers = List.copyOf(peers);
        ports = List.copyOf(ports);
    }

    /** As {@code weft policy why} says it: "TCP 5432 from pods with role=backend in prod". */
    String describe(String policyNamespace, boolean ingress) {
        String what = ports.isEmpty() ? "everything" : ports.stream().map(PolicyPort::describe).collect(Collectors.joining(", "));
        String who = peers.isEmpty() ? "anywhere"
                : peers.stream().map(p -> p.describe(policyNamespace)).collect(Collectors.joining(" or "));
        return what + (ingress ? " from " : " to ") + who;
    }
}

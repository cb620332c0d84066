package weft.cli.doctor;

import java.util.List;
import java.util.Optional;

/**
 * Check: {@code net.bridge.bridge-nf-call-iptables}, which only exists while br_netfilter is loaded. With it on,
 * frames between containers on the bridge pass iptables' FORWARD chain and nftables' forward hook (the router puts an
 * ACCEPT for its bridge into FORWARD, for Docker's DROP policy; the firewall line looks at nftables). A router run
 * for Kubernetes needs it on: NetworkPolicy and kube-proxy see frames between pods on one node only through it.
 * Stateless.
 */
final class BridgeNetfilter {
    static final String NAME = "bridge-nf";

    private BridgeNetfilter() {
    }

    static List<Finding> check(Facts facts) {
        if (!(facts.sysctls() instanceof Gathered.Known<Facts.Sysctls>(Facts.Sysctls sysctls))) {
            return List.of(Finding.skip(NAME, Gathered.why(facts.sysctls())));
        }
        boolean kube = facts.router() instanceof RouterState.Answering a && a.kube();
        Optional<Boolean> callIptables = sysctls.bridgeNfCallIptables();
        if (callIptables.isEmpty()) {
            return List.of(kube ? Finding.warn(NAME, "br_netfilter is not loaded: NetworkPolicy and kube-proxy do not see frames between pods on this node",
                    "modprobe br_netfilter, and br_netfilter in /etc/modules-load.d/ to keep it")
                    : Finding.ok(NAME, "br_netfilter is not loaded: frames on the bridge skip iptables and nftables"));
        }
        if (callIptables.get()) {
            return List.of(Finding.ok(NAME, "net.bridge.bridge-nf-call-iptables is 1: frames on the bridge pass iptables FORWARD, where the router accepts its bridge's"));
        }
        return List.of(kube ? Finding.warn(NAME, "net.bridge.bridge-nf-call-iptables is 0: NetworkPolicy and kube-proxy do not see frames between pods on this node",
                "sysctl -w net.bridge.bridge-nf-call-iptables=1 (the router sets it when it starts its policy controller)")
                : Finding.ok(NAME, "net.bridge.bridge-nf-call-iptables is 0: frames on the bridge skip iptables"));
    }
}

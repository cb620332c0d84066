package weft.cli.doctor;

import java.util.ArrayList;
import java.util.List;

/**
 * Check: nftables rules that drop or reject Weft's ports ({@link NftRuleset} finds them). A heuristic, and it says
 * so: a rule may concern only some addresses, and iptables-legacy rules are not seen. The data path line says
 * whether packets actually get through; this one says where to look when they do not. Stateless.
 */
final class Firewall {
    static final String NAME = "firewall";

    private Firewall() {
    }

    static List<Finding> check(Facts facts) {
        if (!(facts.firewall() instanceof Gathered.Known<List<FirewallDrop>>(List<FirewallDrop> drops))) {
            return List.of(Finding.skip(NAME, Gathered.why(facts.firewall())));
        }
        int port = facts.router() instanceof RouterState.Answering a ? a.status().sleevePort() : weft.router.RouterConfig.DEFAULT_PORT;
        List<Finding> findings = new ArrayList<>();
        for (FirewallDrop drop : drops) {
            List<String> hit = Ports.wanted(port).stream().filter(w -> drop.drops(w.protocol(), w.port())).map(Ports.Wanted::toString).toList();
            if (hit.isEmpty()) continue;
            findings.add(Finding.warn(NAME, "nftables rule " + drop.where() + " " + drop.verdict() + "s " + String.join(", ", hit)
                            + " (" + drop.direction() + "; a heuristic: the rule may concern only some addresses)",
                    "look at it with nft -a list chain " + drop.family() + " " + drop.table() + " " + drop.chain()
                            + "; if it catches the peers, accept their " + String.join(", ", hit) + " before it, or nft delete rule " + drop.where()));
        }
        if (findings.isEmpty()) findings.add(Finding.ok(NAME, "no nftables rule drops or rejects " + String.join(", ",
                Ports.wanted(port).stream().map(Ports.Wanted::toString).toList()) + " (a heuristic: iptables-legacy rules are not read)"));
        return findings;
    }
}

package weft.cli.doctor;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds, in {@code nft -j list ruleset}, the rules that drop or reject packets on some ports: a rule whose verdict
 * is {@code drop} or {@code reject} and that matches a TCP, UDP or transport-header port ({@code dport} or
 * {@code sport}) equal to one of them, in a set, or in a range. A heuristic: a rule that matches a port only
 * through a map, a negation or an {@code iptables-nft} extension is not seen, and one that also matches an
 * address may not concern the peers. Weft's own tables ({@code weft}: the VXLAN port's guard, {@code weft-policy}:
 * NetworkPolicy) are left out, since they drop only what should be dropped. Stateless.
 */
final class NftRuleset {
    private static final Set<String> OWN_TABLES = Set.of("weft", "weft-policy");

    private NftRuleset() {
    }

    /** The rules of {@code ruleset} that drop or reject any of {@code ports}, in the ruleset's order. */
    static List<FirewallDrop> drops(JsonNode ruleset, Set<Integer> ports) {
        List<FirewallDrop> drops = new ArrayList<>();
        for (JsonNode item : ruleset.path("nftables")) {
            JsonNode rule = item.path("rule");
            if (!rule.isObject() || OWN_TABLES.contains(rule.path("table").asText())) continue;
            String verdict = verdict(rule.path("expr"));
            if (verdict.isEmpty()) continue;
            for (JsonNode expression : rule.path("expr")) {
                JsonNode match = expression.path("match");
                JsonNode payload = match.path("left").path("payload");
                String field = payload.path("field").asText();
                String protocol = payload.path("protocol").asText();
                if (!(field.equals("dport") || field.equals("sport")) || !Set.of("tcp", "udp", "th").contains(protocol)) continue;
                String op = match.path("op").asText("==");
                if (!(op.equals("==") || op.equals("in"))) continue; // "!=" drops everything but these ports
                Set<Integer> matched = new TreeSet<>();
                collect(match.path("right"), ports, matched);
                if (!matched.isEmpty()) {
                    drops.add(new FirewallDrop(rule.path("family").asText(), rule.path("table").asText(), rule.path("chain").asText(),
                            rule.path("handle").asLong(), protocol, field, List.copyOf(matched), verdict));
                }
            }
        }
        return drops;
    }

    /** {@code drop} or {@code reject} when the rule ends so (a verdict is its last word), else "". */
    private static String verdict(JsonNode expressions) {
        for (JsonNode expression : expressions) {
            if (expression.has("drop")) return "drop";
            if (expression.has("reject")) return "reject";
        }
        return "";
    }

    /** Adds the ports of {@code wanted} that {@code right} (a number, a set, a range, or a set of those) names. */
    private static void collect(JsonNode right, Set<Integer> wanted, Set<Integer> matched) {
        if (right.isInt()) {
            if (wanted.contains(right.asInt())) matched.add(right.asInt());
        } else if (right.has("set")) {
            for (JsonNode element : right.path("set")) collect(element, wanted, matched);
        } else if (right.has("range") && right.path("range").size() == 2) {
            int low = right.path("range").get(0).asInt(), high = right.path("range").get(1).asInt();
            for (int port : wanted) if (port >= low && port <= high) matched.add(port);
        } else if (right.isArray()) {
            for (JsonNode element : right) collect(element, wanted, matched);
        }
    }
}

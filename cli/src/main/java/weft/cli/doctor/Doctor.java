package weft.cli.doctor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.gossip.Cidr;
import weft.router.RouterConfig;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code weft doctor}: gathers facts about the router and the host (at the edges: the API, {@code /proc},
 * {@code ip}, {@code nft}), runs every check on them, and prints one line per finding, worst first within each
 * check's order. Exit status 1 when a finding is {@code FAIL}, else 0. Stateless.
 */
public final class Doctor {
    /** Every check, in the order an operator should read them: the router first, then the data path it carries. */
    static final List<Function<Facts, List<Finding>>> CHECKS = List.of(RouterAnswers::check, DataPath::check, Targets::check,
            Firewall::check, Ports::check, IpForwarding::check, BridgeNetfilter::check, OverlappingRoutes::check, Mtu::check,
            Allocator::check, KernelFeatures::check);

    private Doctor() {
    }

    /**
     * Gathers the host's facts in this process's namespace, runs the checks with {@code router}'s answer, prints them
     * as text or JSON, and returns the exit status.
     *
     * @param environment where {@code IPALLOC_RANGE} may name the range to check routes against when no router answers
     */
    public static int run(RouterState router, Map<String, String> environment, boolean asJson, ObjectMapper json, PrintStream out) {
        HostProbe host = new HostProbe(Path.of("/proc"), json);
        int port = router instanceof RouterState.Answering a ? a.status().sleevePort() : RouterConfig.DEFAULT_PORT;
        Set<Integer> ports = Set.of(port, port + 1);
        Facts facts = new Facts(Instant.now(), router, defaultRange(environment), host.sysctls(), host.routes(),
                host.sockets(ports), host.firewall(ports, host.root()));
        List<Finding> findings = examine(facts);
        out.print(asJson ? json(findings, json) : text(findings));
        return exitStatus(findings);
    }

    private static Cidr defaultRange(Map<String, String> environment) {
        try {
            return Cidr.parse(environment.getOrDefault("IPALLOC_RANGE", RouterConfig.DEFAULT_RANGE)).network();
        } catch (IllegalArgumentException e) {
            return Cidr.parse(RouterConfig.DEFAULT_RANGE); // a malformed variable would stop a launch; here the default is checked
        }
    }

    static List<Finding> examine(Facts facts) {
        List<Finding> findings = new ArrayList<>();
        for (Function<Facts, List<Finding>> check : CHECKS) findings.addAll(check.apply(facts));
        return findings;
    }

    static int exitStatus(List<Finding> findings) {
        return findings.stream().anyMatch(f -> f.level() == Finding.Level.FAIL) ? 1 : 0;
    }

    /** {@code LEVEL CHECK FINDING -- do: REMEDY}, one line each. */
    static String text(List<Finding> findings) {
        StringBuilder text = new StringBuilder();
        for (Finding f : findings) {
            text.append(String.format("%-4s  %-11s %s", f.level().label(), f.check(), f.finding()));
            if (!f.remedy().isEmpty()) text.append(" -- do: ").append(f.remedy());
            text.append('\n');
        }
        return text.toString();
    }

    /** {@code {"status":"fail","findings":[{"check":...,"level":"fail","finding":...,"remedy":...}]}}. */
    static String json(List<Finding> findings, ObjectMapper json) {
        ObjectNode root = json.createObjectNode();
        root.put("status", exitStatus(findings) == 0 ? "ok" : "fail");
        ArrayNode list = root.putArray("findings");
        for (Finding f : findings) {
            list.addObject().put("check", f.check()).put("level", f.level().name().toLowerCase()).put("finding", f.finding()).put("remedy", f.remedy());
        }
        return root.toPrettyString() + "\n";
    }
}

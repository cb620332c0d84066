package weft.router.plumbing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The FORWARD rule for the weft bridge: inserted once whatever the number of starts, an iptables that refuses stops the
 * start with its message, no iptables means no rule, and on a real iptables in a namespace of its own (the policy set to
 * DROP, as Docker does) the rule is there after {@code allow} and gone after {@code remove}.
 */
class BridgeForwardingTest {
    /** A stand-in iptables that keeps one chain's rules as argument lists. */
    private static final class FakeIptables implements BridgeForwarding.Command {
        final List<List<String>> rules = new ArrayList<>();
        final List<String> actions = new ArrayList<>();
        boolean refuseInsert;

        @Override
        public BridgeForwarding.Result run(List<String> arguments) {
            String action = arguments.get(2);
            List<String> rule = arguments.subList(3, arguments.size());
            actions.add(action);
            return switch (action) {
                case "-C" -> new BridgeForwarding.Result(rules.contains(rule) ? 0 : 1, "");
                case "-I" -> {
                    if (refuseInsert) yield new BridgeForwarding.Result(4, "iptables: Permission denied (you must be root).\n");
                    rules.add(rule);
                    yield new BridgeForwarding.Result(0, "");
                }
                case "-D" -> new BridgeForwarding.Result(rules.remove(rule) ? 0 : 1, "");
                default -> throw new AssertionError("unexpected " + arguments);
            };
        }
    }

    @Test
    void theRuleIsInsertedOnceHoweverOftenTheRouterStartsAndRemovedOnReset() throws IOException {
        FakeIptables iptables = new FakeIptables();
        BridgeForwarding forwarding = new BridgeForwarding(Optional.of(iptables));
        assertTrue(forwarding.allow("weft").startsWith("iptables FORWARD now accepts"));
        assertTrue(forwarding.allow("weft").startsWith("iptables FORWARD already accepts"));
        assertEquals(1, iptables.rules.size());
        assertTrue(iptables.rules.getFirst().containsAll(List.of("-i", "weft", "-o", "weft", "-j", "ACCEPT")), iptables.rules.toString());
        assertEquals(Optional.of("removed the iptables FORWARD rule for weft"), forwarding.remove("weft"));
        assertEquals(Optional.empty(), forwarding.remove("weft"), "nothing to remove a second time");
        assertEquals(List.of(), iptables.rules);
    }

    @Test
    void anIptablesThatRefusesStopsTheStartWithItsMessageAndNoIptablesMeansNoRule() throws IOException {
        FakeIptables iptables = new FakeIptables();
        iptables.refuseInsert = true;
        IOException refused = assertThrows(IOException.class, () -> new BridgeForwarding(Optional.of(iptables)).allow("weft"));
        assertTrue(refused.getMessage().contains("exit 4") && refused.getMessage().contains("Permission denied"), refused.getMessage());
        BridgeForwarding none = new BridgeForwarding(Optional.empty());
        assertTrue(none.allow("weft").startsWith("no iptables command on this host"));
        assertEquals(Optional.empty(), none.remove("weft"));
    }

    static boolean realIptables() {
        return Files.isExecutable(Path.of("/usr/sbin/iptables")) && Files.isExecutable(Path.of("/usr/sbin/ip"))
                && "root".equals(System.getProperty("user.name"));
    }

    @Test
    @EnabledIf("realIptables")
    void onARealIptablesWithDockersDropPolicyTheRuleIsThereAndThenGone() throws Exception {
        String namespace = "wbf" + UUID.randomUUID().toString().substring(0, 8);
        run("ip", "netns", "add", namespace);
        try {
            BridgeForwarding.Command inNamespace = arguments -> {
                List<String> line = new ArrayList<>(List.of("ip", "netns", "exec", namespace, "iptables"));
                line.addAll(arguments);
                return run(line.toArray(String[]::new));
            };
            assertEquals(0, inNamespace.run(List.of("-P", "FORWARD", "DROP")).exit());
            BridgeForwarding forwarding = new BridgeForwarding(Optional.of(inNamespace));
            forwarding.allow("weft");
            forwarding.allow("weft");
            String chain = inNamespace.run(List.of("-S", "FORWARD")).output();
            assertEquals(1, chain.lines().filter(line -> line.contains("-i weft -o weft") && line.endsWith("-j ACCEPT")).count(), chain);
            assertTrue(forwarding.remove("weft").isPresent());
            assertFalse(inNamespace.run(List.of("-S", "FORWARD")).output().contains("-i weft"), "the rule stayed after remove");
        } finally {
            run("ip", "netns", "del", namespace);
        }
    }

    private static BridgeForwarding.Result run(String... line) throws IOException {
        Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", line) + " did not finish");
            }
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
        return new BridgeForwarding.Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}

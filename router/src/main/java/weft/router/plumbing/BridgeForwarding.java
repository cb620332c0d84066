package weft.router.plumbing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Lets frames between the ports of the weft bridge through iptables' FORWARD chain. Where {@code br_netfilter} is
 * loaded with {@code bridge-nf-call-iptables} set (its default, and so on every Docker or Kubernetes host), each frame
 * crossing a bridge goes through that chain, and Docker sets its policy to DROP: containers on the weft bridge would
 * reach neither each other nor the sleeve's and the fast path's ports. One rule accepts what enters and leaves by the
 * bridge, as Weave's did. It goes through the {@code iptables} command, so it lands in whichever backend (nf_tables or
 * legacy) the host's Docker uses; an nftables table of our own could not undo another table's drop. It stays while the
 * bridge does, so a router restart does not cut the containers off from each other, and goes with it on
 * {@code weft reset}. Without an {@code iptables} command nothing can have set such a policy, and there is no rule.
 *
 * <p>Stateless and thread-safe: each call runs the command and waits for it.
 */
public final class BridgeForwarding {
    private static final String COMMENT = "weft: frames between the ports of its bridge";
    private static final long COMMAND_SECONDS = 15;

    /** Runs an iptables command line and returns its exit status and what it printed. */
    public interface Command {
        Result run(List<String> arguments) throws IOException;
    }

    /** How an iptables command ended. */
    public record Result(int exit, String output) {
    }

    private final Optional<Command> iptables;

    /** @param iptables runs {@code iptables ARGS}; empty where the host has no iptables command */
    public BridgeForwarding(Optional<Command> iptables) {
        this.iptables = iptables;
    }

    /** With the host's {@code iptables} command, if it has one, run in this process's network namespace. */
    public static BridgeForwarding ofHost() {
        return new BridgeForwarding(findIptables().map(BridgeForwarding::processCommand));
    }

    /**
     * Makes sure the FORWARD chain accepts frames between the ports of {@code bridge}; returns what was done, for the log.
     *
     * @throws IOException when iptables refuses (its message is in it): the containers could not talk, so the
     *                     router does not start
     */
    public String allow(String bridge) throws IOException {
        if (iptables.isEmpty()) return "no iptables command on this host: frames on " + bridge + " pass no iptables chain that Weft must open";
        Command command = iptables.get();
        if (command.run(ruleCommand("-C", bridge)).exit() == 0) return "iptables FORWARD already accepts frames between the ports of " + bridge;
        Result inserted = command.run(ruleCommand("-I", bridge));
        if (inserted.exit() != 0) {
            throw new IOException("iptables would not accept frames between the ports of " + bridge + " in its FORWARD chain (exit "
                    + inserted.exit() + "): " + inserted.output().strip());
        }
        return "iptables FORWARD now accepts frames between the ports of " + bridge + " (Docker's policy there drops them)";
    }

    /** Removes the rule, when there is one; returns what was done, or empty when there was nothing to do. */
    public Optional<String> remove(String bridge) throws IOException {
        if (iptables.isEmpty()) return Optional.empty();
        Command command = iptables.get();
        if (command.run(ruleCommand("-C", bridge)).exit() != 0) return Optional.empty();
        Result deleted = command.run(ruleCommand("-D", bridge));
        if (deleted.exit() != 0) {
            throw new IOException("iptables would not remove Weft's FORWARD rule for " + bridge + " (exit " + deleted.exit() + "): "
                    + deleted.output().strip());
        }
        return Optional.of("removed the iptables FORWARD rule for " + bridge);
    }

    /** {@code iptables -w ACTION FORWARD -i BRIDGE -o BRIDGE ... -j ACCEPT}: the same rule to check, insert and delete. */
    static List<String> ruleCommand(String action, String bridge) {
        return List.of("-w", "10", action, "FORWARD", "-i", bridge, "-o", bridge, "-m", "comment", "--comment", COMMENT, "-j", "ACCEPT");
    }

    private static Optional<Path> findIptables() {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        // sbin first: PATH of a service or a sudo may lack it, and iptables lives there on Debian
        return Stream.concat(Stream.of("/usr/sbin", "/sbin"), Stream.of(path.split(":")))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, "iptables"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    private static Command processCommand(Path iptables) {
        return arguments -> {
            List<String> line = new ArrayList<>();
            line.add(iptables.toString());
            line.addAll(arguments);
            Process process = new ProcessBuilder(line).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            try {
                if (!process.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IOException(String.join(" ", line) + " did not finish within " + COMMAND_SECONDS + " s");
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + String.join(" ", line), e);
            }
            return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        };
    }
}

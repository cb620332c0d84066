package weft.cli.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Gathers the host's side of {@code weft doctor}'s facts, in the calling process's network namespace: sysctls and
 * socket tables from {@code /proc}, routes from {@code ip -j}, the ruleset from {@code nft -j}. What cannot be
 * gathered is {@link Gathered.Unknown} with the reason, never an exception. Stateless but for the paths it reads.
 */
final class HostProbe {
    private static final long COMMAND_TIMEOUT_SECONDS = 5;

    private final Path proc;
    private final ObjectMapper json;

    /** @param proc {@code /proc} */
    HostProbe(Path proc, ObjectMapper json) {
        this.proc = proc;
        this.json = json;
    }

    /** Whether this process runs as root (effective uid 0): other users' sockets and the ruleset need it. */
    boolean root() {
        try {
            for (String line : Files.readAllLines(proc.resolve("self/status"))) {
                // "Uid:\t<real>\t<effective>\t<saved>\t<fs>"
                if (line.startsWith("Uid:")) return line.split("\\s+")[2].equals("0");
            }
        } catch (IOException | ArrayIndexOutOfBoundsException e) {
            return false; // cannot be told: the checks that need root say so
        }
        return false;
    }

    Gathered<Facts.Sysctls> sysctls() {
        try {
            boolean forward = Files.readString(proc.resolve("sys/net/ipv4/ip_forward")).strip().equals("1");
            Path bridge = proc.resolve("sys/net/bridge/bridge-nf-call-iptables");
            Optional<Boolean> bridgeNf = Files.exists(bridge) ? Optional.of(Files.readString(bridge).strip().equals("1")) : Optional.empty();
            return new Gathered.Known<>(new Facts.Sysctls(forward, bridgeNf));
        } catch (IOException e) {
            return new Gathered.Unknown<>("cannot read " + proc.resolve("sys/net") + ": " + e.getMessage());
        }
    }

    Gathered<List<Facts.Route>> routes() {
        return command(List.of("ip", "-j", "-4", "route", "show", "table", "main")).map(IpRoutes::parse);
    }

    /** The ruleset's rules that drop or reject {@code ports}; needs root (CAP_NET_ADMIN) to read the ruleset. */
    Gathered<List<FirewallDrop>> firewall(Set<Integer> ports, boolean root) {
        if (!root) return new Gathered.Unknown<>("reading the nftables ruleset needs root: run sudo weft doctor");
        return command(List.of("nft", "-j", "list", "ruleset")).map(ruleset -> NftRuleset.drops(ruleset, ports));
    }

    /**
     * The sockets bound to {@code ports}, with the processes that hold them: matched by inode against the
     * {@code socket:[INODE]} links in {@code /proc/PID/fd}, which only root can read for other users' processes.
     */
    Gathered<List<PortHolder>> sockets(Set<Integer> ports) {
        List<PortHolder> sockets = new ArrayList<>();
        try {
            for (String table : List.of("tcp", "tcp6", "udp", "udp6")) {
                Path file = proc.resolve("net").resolve(table);
                if (Files.exists(file)) sockets.addAll(ProcNetSockets.parse(Files.readString(file), table.substring(0, 3), ports));
            }
        } catch (IOException e) {
            return new Gathered.Unknown<>("cannot read " + proc.resolve("net") + ": " + e.getMessage());
        }
        Map<Long, long[]> holders = new HashMap<>();
        for (PortHolder socket : sockets) if (socket.inode() != 0) holders.put(socket.inode(), new long[]{PortHolder.UNKNOWN});
        if (!holders.isEmpty()) findHolders(holders);
        List<PortHolder> held = new ArrayList<>();
        for (PortHolder socket : sockets) {
            long pid = socket.inode() == 0 ? PortHolder.KERNEL : holders.get(socket.inode())[0];
            held.add(pid > 0 ? socket.heldBy(pid, command(pid)) : socket);
        }
        return new Gathered.Known<>(held);
    }

    /** Fills in the pid holding each inode, from every process's fd links this user may read. */
    private void findHolders(Map<Long, long[]> holders) {
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(proc, "[0-9]*")) {
            for (Path process : processes) {
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
                    for (Path fd : fds) {
                        String link = readLink(fd);
                        if (!link.startsWith("socket:[")) continue;
                        long[] holder = holders.get(Long.parseLong(link.substring(8, link.length() - 1)));
                        if (holder != null && holder[0] == PortHolder.UNKNOWN) holder[0] = Long.parseLong(process.getFileName().toString());
                    }
                } catch (IOException | NumberFormatException e) {
                    // another user's process (not root), or one that exited meanwhile: its sockets stay unknown
                }
            }
        } catch (IOException e) {
            // no process list: every holder stays unknown, which the finding says
        }
    }

    private static String readLink(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
            return ""; // closed meanwhile
        }
    }

    private String command(long pid) {
        try {
            return Files.readString(proc.resolve(Long.toString(pid)).resolve("comm")).strip();
        } catch (IOException e) {
            return "?"; // exited meanwhile
        }
    }

    /** Runs {@code command} and reads its standard output as JSON. */
    private Gathered<JsonNode> command(List<String> command) {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        } catch (IOException e) {
            return new Gathered.Unknown<>("cannot run " + command.getFirst() + " (" + (e.getMessage() != null && e.getMessage().contains("error=2,") ? "not installed" : e.getMessage()) + ")");
        }
        try {
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Gathered.Unknown<>(String.join(" ", command) + " did not finish in " + COMMAND_TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) return new Gathered.Unknown<>(String.join(" ", command) + " failed with exit status " + process.exitValue());
            return new Gathered.Known<>(json.readTree(output));
        } catch (IOException e) {
            return new Gathered.Unknown<>(String.join(" ", command) + " printed what is not JSON: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Gathered.Unknown<>("interrupted");
        }
    }
}

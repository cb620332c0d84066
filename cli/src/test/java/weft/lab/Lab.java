package weft.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A lab of simulated hosts in network namespaces, for integration tests that run real routers.
 * Needs root, bash and the {@code ip} tool; see {@link #runningAsRoot()} for {@code @EnabledIf}.
 *
 * <pre>
 *   netns &lt;prefix&gt;-u    bridge br0, ports h1..hN
 *   netns &lt;prefix&gt;-h&lt;i&gt; eth0 = 192.168.77.&lt;i&gt;/24 (veth to h&lt;i&gt;), lo; data dir &lt;dir&gt;/h&lt;i&gt;
 *   netns &lt;prefix&gt;-&lt;name&gt; a container: lo only, until a router attaches it
 * </pre>
 *
 * <p>The layout is built and removed by {@code scripts/lab} ({@code scripts/lib/lab.sh}, which the demo and the
 * benchmarks use too): this class runs it and keeps the Java side, the commands run in the lab and the
 * processes it spawned. The prefix is {@code wl<pid>x<hex>}, unique per lab, with this JVM's pid as the
 * owner. {@link #close()} kills every process in the lab's namespaces, deletes them and the lab's dir, also
 * when the test failed; a JVM shutdown hook does the same if nobody closed the lab, and {@link #create}
 * first removes what labs of dead owners left behind (a {@code kill -9} skips shutdown hooks). Nothing is
 * created in the root namespace except the namespace files in {@code /run/netns}. Use try-with-resources.
 *
 * <p>Thread rule: thread-safe. {@code exec}, {@code weft}, {@code spawn} and {@code container} may run
 * concurrently from several test threads; {@code close} is idempotent and may race with the shutdown hook.
 */
public final class Lab implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Lab.class.getName());
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(10);
    /** Building or removing a lab: a sweep of dead labs first, and up to 5 s for their processes to exit on TERM. */
    private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration WEFT_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration TERM_GRACE = Duration.ofSeconds(5);

    private final String prefix;
    private final Path dir;
    private final String underlay;
    private final List<Host> hosts;
    private final Thread shutdownHook;
    private final Map<Process, Path> spawned = new IdentityHashMap<>(); // guarded by this
    private int spawnCount;                                             // guarded by this
    private boolean closed;                                             // guarded by this

    private Lab(String prefix, Path dir, String underlay, List<Host> hosts) {
        this.prefix = prefix;
        this.dir = dir;
        this.underlay = underlay;
        this.hosts = List.copyOf(hosts);
        this.shutdownHook = Thread.ofPlatform().name(prefix + "-shutdown").unstarted(this::close);
    }

    /** Builds a lab of {@code hostCount} hosts (1 to 250), after removing the remains of dead labs. */
    public static Lab create(int hostCount) {
        ExecResult up = script("up", "--owner", Long.toString(ProcessHandle.current().pid()), Integer.toString(hostCount));
        up.stderr().lines().forEach(line -> LOG.log(System.Logger.Level.INFO, line));
        Lab lab;
        try {
            lab = describedBy(up.stdout());
        } catch (RuntimeException e) {
            // built but not understood: remove it by its prefix, if the description got that far
            up.stdout().lines().filter(line -> line.startsWith("prefix ")).findFirst()
                    .ifPresent(line -> script("down", line.substring("prefix ".length())));
            throw new IllegalStateException("cannot read the lab's description:\n" + up.stdout(), e);
        }
        Runtime.getRuntime().addShutdownHook(lab.shutdownHook);
        return lab;
    }

    /** Reads what {@code scripts/lab up} prints: {@code prefix P}, {@code dir D}, {@code underlay U}, {@code host I NETNS ADDRESS DATADIR}. */
    private static Lab describedBy(String description) {
        Map<String, String> items = new HashMap<>();
        List<Host> hosts = new ArrayList<>();
        for (String line : description.lines().toList()) {
            String[] words = line.split(" ");
            if (words[0].equals("host") && words.length == 5) {
                hosts.add(new Host(Integer.parseInt(words[1]), words[2], words[3], Path.of(words[4])));
            } else if (words.length == 2) {
                items.put(words[0], words[1]);
            } else {
                throw new IllegalArgumentException("unexpected line: " + line);
            }
        }
        for (int i = 0; i < hosts.size(); i++) {
            if (hosts.get(i).index() != i + 1) throw new IllegalArgumentException("hosts out of order: " + hosts);
        }
        String prefix = items.get("prefix"), dir = items.get("dir"), underlay = items.get("underlay");
        if (prefix == null || dir == null || underlay == null || hosts.isEmpty()) {
            throw new IllegalArgumentException("prefix, dir, underlay or hosts missing");
        }
        return new Lab(prefix, Path.of(dir), underlay, hosts);
    }

    /** This lab's name prefix, {@code wl<pid>x<hex>}; every namespace of the lab starts with it and {@code -}. */
    public String prefix() {
        return prefix;
    }

    /** The lab's dir: hosts' data dirs and spawned processes' logs. Deleted by {@link #close()}. */
    public Path dir() {
        return dir;
    }

    /** The underlay's namespace, {@code <prefix>-u}: the bridge {@code br0} and its ports {@code h<i>}. */
    public String underlay() {
        return underlay;
    }

    public List<Host> hosts() {
        return hosts;
    }

    /** Host {@code i}, 1-based as in its name. */
    public Host host(int i) {
        if (i < 1 || i > hosts.size()) {
            throw new IllegalArgumentException("no host " + i + " in a lab of " + hosts.size());
        }
        return hosts.get(i - 1);
    }

    /**
     * Sets the MTU of {@code host}'s link to the underlay, at both ends: its {@code eth0} and its port on the underlay
     * bridge. Frames larger than a port's MTU are dropped at that port without an ICMP, as a switch does.
     */
    public void setUnderlayMtu(Host host, int mtu) {
        checkHost(host);
        checkOpen();
        script("link-mtu", prefix, Integer.toString(host.index()), Integer.toString(mtu));
    }

    /**
     * Creates a container namespace {@code <prefix>-<name>} (lo up, nothing else) meant for {@code host};
     * attaching it is the router's job. The name is lower-case letters, digits and '-'. Returns the namespace name.
     */
    public String container(Host host, String name) {
        checkHost(host);
        checkOpen();
        return script("container", prefix, Integer.toString(host.index()), name).stdout().strip();
    }

    /**
     * Gives container namespace {@code netns} a resolv.conf (for {@code ip netns exec}) naming {@code nameserver}, with
     * Weft DNS's domain as the search domain; it goes with the namespace when the lab is closed.
     */
    public void resolver(String netns, String nameserver) {
        checkOpen();
        script("resolver", prefix, netns, nameserver);
    }

    /** The first address, without its prefix length, of a line {@code weft attach}, {@code expose} or {@code ps} prints: target MAC address/prefix... */
    public static String firstAddress(String attachment) {
        String cidr = attachment.strip().split(" ")[2];
        return cidr.substring(0, cidr.indexOf('/'));
    }

    /**
     * Runs {@code command} in {@code netns} and waits for it; after {@code timeout} it is killed and the
     * result says {@link ExecResult#timedOut()}. Never throws for a failing command: see {@link ExecResult#orThrow()}.
     */
    public ExecResult exec(String netns, Duration timeout, String... command) {
        checkOpen();
        return Exec.run(netns, Map.of(), timeout, List.of(command));
    }

    /**
     * Runs this repository's {@code weft} launcher in {@code host}'s namespace with {@code WEFT_DATA_DIR}
     * set to its data dir, {@code WEFT_PLUGIN_SOCKET} to {@code plugins/weft.sock} and {@code WEFT_PROXY_ADDR} to
     * {@code weft-proxy.sock} in it (hosts share the machine's /run) and {@code JAVA_HOME} to this JVM's JDK, waiting up to 90 s.
     */
    public ExecResult weft(Host host, String... args) {
        return weftFrom(weftHome(), host, args);
    }

    /** As {@link #weft}, with the launcher of the checkout at {@code home}: another release's, for instance. */
    public ExecResult weftFrom(Path home, Host host, String... args) {
        checkOpen();
        List<String> command = new ArrayList<>();
        command.add(home.resolve("weft").toString());
        command.addAll(Arrays.asList(args));
        Map<String, String> env = Map.of(
                "WEFT_DATA_DIR", host.dataDir().toString(),
                "WEFT_PLUGIN_SOCKET", host.dataDir().resolve("plugins/weft.sock").toString(),
                "WEFT_PROXY_ADDR", "unix://" + host.dataDir().resolve("weft-proxy.sock"),
                "JAVA_HOME", System.getProperty("java.home"));
        return Exec.run(host.netns(), env, WEFT_TIMEOUT, command);
    }

    /**
     * Starts {@code command} in {@code netns} without waiting; stdout and stderr go to {@link #logOf}.
     * {@link #close()} kills it and its descendants if it is still running.
     */
    public synchronized Process spawn(String netns, String... command) {
        checkOpen();
        String program = Path.of(command[0]).getFileName().toString();
        Path log = dir.resolve("spawn-" + ++spawnCount + "-" + program + ".log");
        try {
            Process process = new ProcessBuilder(Exec.inNetns(netns, List.of(command)))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            spawned.put(process, log);
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + List.of(command) + " in " + netns, e);
        }
    }

    /**
     * Starts {@code host}'s Docker engine ({@code scripts/lab dockerd}, shared with the benchmarks), its socket
     * {@code docker/docker.sock} in the host's data dir; {@link #close()} stops it with the host's other processes.
     */
    public Process dockerd(Host host) {
        checkHost(host);
        List<String> command = new ArrayList<>(List.of("env", "TMPDIR=" + System.getProperty("java.io.tmpdir")));
        command.addAll(scriptCommand("dockerd", prefix, String.valueOf(host.index())));
        return spawn(null, command.toArray(String[]::new));
    }

    /**
     * An address {@code offset} into the largest range {@code owner}'s allocator owns in the ring, as {@code weft report}
     * shows it: one that another host's router must have handed over before it can give it to a container.
     */
    public String addressOwnedBy(Host owner, long offset) throws IOException {
        return addressOwnedBy(weftHome(), owner, offset);
    }

    /** As {@link #addressOwnedBy(Host, long)}, asked with the launcher of the checkout at {@code home}. */
    public String addressOwnedBy(Path home, Host owner, long offset) throws IOException {
        var report = new com.fasterxml.jackson.databind.ObjectMapper().readTree(weftFrom(home, owner, "report").orThrow().stdout());
        String self = report.path("peerName").asText();
        weft.ipam.AddressRange largest = null;
        for (var share : report.path("ipam").path("shares")) {
            if (!self.equals(share.path("peer").asText())) continue;
            for (var range : share.path("ranges")) { // as AddressRange prints them: a CIDR, or FIRST-LAST
                String text = range.asText();
                int dash = text.indexOf('-');
                weft.ipam.AddressRange parsed = dash < 0 ? weft.ipam.AddressRange.parse(text)
                        : new weft.ipam.AddressRange(weft.ipam.AddressRange.parseAddress(text.substring(0, dash)),
                        weft.ipam.AddressRange.parseAddress(text.substring(dash + 1)) + 1);
                if (largest == null || parsed.size() > largest.size()) largest = parsed;
            }
        }
        if (largest == null || largest.size() <= offset) {
            throw new IllegalStateException(owner.netns() + " owns no range of over " + offset + " addresses: " + report.path("ipam"));
        }
        return weft.ipam.AddressRange.format(largest.start() + offset);
    }

    /** The log file of a process started by {@link #spawn}; readable until {@link #close()}. */
    public synchronized Path logOf(Process process) {
        Path log = spawned.get(process);
        if (log == null) {
            throw new IllegalArgumentException("not spawned by lab " + prefix + ": " + process);
        }
        return log;
    }

    /** This lab's namespaces that exist right now. */
    public List<String> namespaces() {
        return allNamespaces().stream().filter(name -> name.startsWith(prefix + "-")).toList();
    }

    /**
     * Kills every process started by or running in this lab (TERM, then KILL after 5 s), deletes its
     * namespaces and dir. Idempotent. Tries every step even when one fails, then throws the first failure.
     */
    @Override
    public void close() {
        Map<Process, Path> processes;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            processes = Map.copyOf(spawned);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting (perhaps this is the hook): nothing to unregister
        }
        // The spawned processes are this JVM's children: ended and reaped here, so that Process.isAlive() is false
        // once close returns. Everything else in the namespaces (routers that `weft launch` detached) is the
        // script's to kill.
        List<ProcessHandle> children = new ArrayList<>();
        for (Process process : processes.keySet()) {
            process.descendants().forEach(children::add);
            children.add(process.toHandle());
        }
        terminate(children);
        ExecResult down = Exec.run(null, scriptEnv(), SCRIPT_TIMEOUT, scriptCommand("down", prefix));
        if (!down.ok()) {
            throw new IllegalStateException(down.describe());
        }
    }

    /** Whether this JVM runs with effective uid 0, as the lab needs. For {@code @EnabledIf}. */
    public static boolean runningAsRoot() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
            // "Uid:\t<real>\t<effective>\t<saved>\t<fs>"
            return lines.filter(line -> line.startsWith("Uid:"))
                    .map(line -> line.split("\\s+")[2])
                    .anyMatch("0"::equals);
        } catch (IOException e) {
            return false; // no /proc: not a Linux the lab can run on
        }
    }

    /** Every named network namespace on the machine ({@code ip netns list}). */
    public static List<String> allNamespaces() {
        String listing = Exec.run(null, Map.of(), IP_TIMEOUT, List.of("ip", "netns", "list")).orThrow().stdout();
        // lines read "name" or "name (id: 3)"
        return listing.lines().filter(line -> !line.isBlank()).map(line -> line.split(" ", 2)[0]).toList();
    }

    /**
     * The repository root, the directory holding the {@code weft} launcher: system property {@code weft.home}
     * (set by failsafe), else the nearest such directory above the working directory.
     */
    public static Path weftHome() {
        String property = System.getProperty("weft.home");
        if (property != null && Files.isExecutable(Path.of(property, "weft"))) {
            return Path.of(property).toAbsolutePath();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isExecutable(dir.resolve("weft")) && Files.isDirectory(dir.resolve("router"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the weft launcher: set -Dweft.home to the repository root");
    }

    /** TERM to all, up to {@link #TERM_GRACE} for them to exit, then KILL to the rest. */
    private static void terminate(List<ProcessHandle> processes) {
        processes.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TERM_GRACE.toNanos();
        for (ProcessHandle process : processes) {
            long leftNanos = Math.max(0, deadline - System.nanoTime());
            try {
                process.onExit().get(leftNanos, TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                process.destroyForcibly();
                process.onExit().orTimeout(1, TimeUnit.SECONDS).exceptionally(t -> process).join();
            } catch (InterruptedException e) {
                processes.forEach(ProcessHandle::destroyForcibly);
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Runs {@code scripts/lab ARGS} (the lab's layout lives there, shared with the demo and the benchmarks) and
     * returns its result; exit code 2 is a bad argument, any other failure a broken lab or machine.
     */
    private static ExecResult script(String... args) {
        ExecResult result = Exec.run(null, scriptEnv(), SCRIPT_TIMEOUT, scriptCommand(args));
        if (result.exitCode() == 2 && !result.timedOut()) {
            throw new IllegalArgumentException(result.describe());
        }
        return result.orThrow();
    }

    private static List<String> scriptCommand(String... args) {
        List<String> command = new ArrayList<>(List.of(weftHome().resolve("scripts/lab").toString()));
        command.addAll(Arrays.asList(args));
        return command;
    }

    /** The lab's dir is under TMPDIR: the same for every call, and where this JVM keeps its temp files. */
    private static Map<String, String> scriptEnv() {
        return Map.of("TMPDIR", System.getProperty("java.io.tmpdir"));
    }

    private void checkHost(Host host) {
        if (!hosts.contains(host)) {
            throw new IllegalArgumentException(host + " is not a host of lab " + prefix);
        }
    }

    private synchronized void checkOpen() {
        if (closed) {
            throw new IllegalStateException("lab " + prefix + " is closed");
        }
    }
}

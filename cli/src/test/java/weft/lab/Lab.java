package weft.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A lab of simulated hosts in network namespaces, for integration tests that run real routers.
 * Needs root and the {@code ip} tool; see {@link #runningAsRoot()} for {@code @EnabledIf}.
 *
 * <pre>
 *   netns &lt;prefix&gt;-u    bridge br0, ports h1..hN
 *   netns &lt;prefix&gt;-h&lt;i&gt; eth0 = 192.168.77.&lt;i&gt;/24 (veth to h&lt;i&gt;), lo; data dir &lt;tmp&gt;/h&lt;i&gt;
 *   netns &lt;prefix&gt;-&lt;name&gt; a container: lo only, until a router attaches it
 * </pre>
 *
 * <p>The prefix is {@code wlj<pid>x<hex>}, unique per lab. {@link #close()} kills every process in the
 * lab's namespaces, deletes them and the lab's temp dir, also when the test failed; a JVM shutdown
 * hook does the same if nobody closed the lab, and {@link #create} first removes what labs of dead
 * JVMs left behind (a {@code kill -9} skips shutdown hooks). Nothing is created in the root
 * namespace except the namespace files in {@code /run/netns}. Use try-with-resources.
 *
 * <p>Thread rule: thread-safe. {@code exec}, {@code weft} and {@code spawn} may run concurrently
 * from several test threads; {@code close} is idempotent and may race with the shutdown hook.
 */
public final class Lab implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Lab.class.getName());
    private static final Pattern LAB_PREFIX = Pattern.compile("(wlj(\\d+)x[0-9a-f]+)-.*");
    private static final String TEMP_DIR_PREFIX = "weft-lab-";
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration WEFT_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration TERM_GRACE = Duration.ofSeconds(5);

    private final String prefix;
    private final Path dir;
    private final List<Host> hosts;
    private final Thread shutdownHook;
    private final Map<Process, Path> spawned = new IdentityHashMap<>(); // guarded by this
    private int spawnCount;                                             // guarded by this
    private boolean closed;                                             // guarded by this

    private Lab(String prefix, Path dir, int hostCount) {
        this.prefix = prefix;
        this.dir = dir;
        List<Host> list = new ArrayList<>();
        for (int i = 1; i <= hostCount; i++) {
            list.add(new Host(i, prefix + "-h" + i, "192.168.77." + i, dir.resolve("h" + i)));
        }
        this.hosts = List.copyOf(list);
        this.shutdownHook = Thread.ofPlatform().name(prefix + "-shutdown").unstarted(this::close);
    }

    /** Builds a lab of {@code hostCount} hosts (1 to 250), after removing the remains of dead labs. */
    public static Lab create(int hostCount) {
        if (hostCount < 1 || hostCount > 250) {
            throw new IllegalArgumentException("a lab has 1 to 250 hosts, not " + hostCount);
        }
        sweepStale();
        String prefix = "wlj" + ProcessHandle.current().pid() + "x"
                + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
        Path dir;
        try {
            dir = Files.createTempDirectory(TEMP_DIR_PREFIX + prefix + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Lab lab = new Lab(prefix, dir, hostCount);
        Runtime.getRuntime().addShutdownHook(lab.shutdownHook);
        try {
            lab.build();
        } catch (RuntimeException | Error e) {
            try {
                lab.close();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        return lab;
    }

    private void build() {
        String underlay = prefix + "-u";
        ip("netns", "add", underlay);
        ip("-n", underlay, "link", "set", "lo", "up");
        ip("-n", underlay, "link", "add", "br0", "type", "bridge");
        ip("-n", underlay, "link", "set", "br0", "up");
        for (Host host : hosts) {
            ip("netns", "add", host.netns());
            ip("-n", host.netns(), "link", "set", "lo", "up");
            // Created inside the underlay with its peer in the host: nothing appears in the root namespace.
            ip("-n", underlay, "link", "add", "h" + host.index(), "type", "veth", "peer", "name", "eth0",
                    "netns", host.netns());
            ip("-n", underlay, "link", "set", "h" + host.index(), "master", "br0", "up");
            ip("-n", host.netns(), "addr", "add", host.underlayAddress() + "/24", "dev", "eth0");
            ip("-n", host.netns(), "link", "set", "eth0", "up");
            try {
                Files.createDirectories(host.dataDir());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** This lab's name prefix, {@code wlj<pid>x<hex>}; every namespace of the lab starts with it and {@code -}. */
    public String prefix() {
        return prefix;
    }

    /** The lab's temp dir: hosts' data dirs and spawned processes' logs. Deleted by {@link #close()}. */
    public Path dir() {
        return dir;
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
        checkOpen();
        ip("-n", host.netns(), "link", "set", "eth0", "mtu", Integer.toString(mtu));
        ip("-n", prefix + "-u", "link", "set", "h" + host.index(), "mtu", Integer.toString(mtu));
    }

    /**
     * Creates a container namespace {@code <prefix>-<name>} (lo up, nothing else) meant for {@code host};
     * attaching it is the router's job. Returns the namespace name.
     */
    public String container(Host host, String name) {
        if (!hosts.contains(host)) {
            throw new IllegalArgumentException(host + " is not a host of lab " + prefix);
        }
        if (!name.matches("[a-z0-9][a-z0-9-]{0,30}")) {
            throw new IllegalArgumentException("container name must be lower-case letters, digits and '-': " + name);
        }
        checkOpen();
        String netns = prefix + "-" + name;
        ip("netns", "add", netns);
        ip("-n", netns, "link", "set", "lo", "up");
        return netns;
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
     * set to its data dir and {@code JAVA_HOME} to this JVM's JDK, waiting up to 90 s.
     */
    public ExecResult weft(Host host, String... args) {
        checkOpen();
        List<String> command = new ArrayList<>();
        command.add(weftHome().resolve("weft").toString());
        command.addAll(Arrays.asList(args));
        Map<String, String> env = Map.of(
                "WEFT_DATA_DIR", host.dataDir().toString(),
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
     * namespaces and temp dir. Idempotent. Tries every step even when one fails, then throws the first failure.
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
        List<ProcessHandle> victims = new ArrayList<>();
        for (Process process : processes.keySet()) {
            process.descendants().forEach(victims::add);
            victims.add(process.toHandle());
        }
        List<String> namespaces = namespaces();
        namespaces.forEach(netns -> victims.addAll(processesIn(netns)));
        terminate(victims);

        RuntimeException failure = null;
        for (String netns : namespaces) {
            ExecResult deleted = Exec.run(null, Map.of(), IP_TIMEOUT, List.of("ip", "netns", "del", netns));
            if (!deleted.ok()) {
                failure = accumulate(failure, new IllegalStateException(deleted.describe()));
            }
        }
        try {
            deleteTree(dir);
        } catch (UncheckedIOException e) {
            failure = accumulate(failure, e);
        }
        if (failure != null) {
            throw failure;
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

    /** Removes the namespaces and temp dirs of labs whose JVM no longer exists. */
    private static void sweepStale() {
        for (String netns : allNamespaces()) {
            Matcher name = LAB_PREFIX.matcher(netns);
            if (name.matches() && !alive(name.group(2))) {
                LOG.log(System.Logger.Level.INFO, "removing {0}, left by dead JVM {1}", netns, name.group(2));
                terminate(processesIn(netns));
                Exec.run(null, Map.of(), IP_TIMEOUT, List.of("ip", "netns", "del", netns)).orThrow();
            }
        }
        Path temp = Path.of(System.getProperty("java.io.tmpdir"));
        try (Stream<Path> entries = Files.list(temp)) {
            entries.filter(Files::isDirectory).forEach(dir -> {
                String file = dir.getFileName().toString();
                Matcher name = LAB_PREFIX.matcher(file.substring(Math.min(file.length(), TEMP_DIR_PREFIX.length())));
                if (file.startsWith(TEMP_DIR_PREFIX) && name.matches() && !alive(name.group(2))) {
                    deleteTree(dir);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot sweep stale lab dirs in " + temp, e); // namespaces matter more
        }
    }

    private static boolean alive(String pid) {
        return ProcessHandle.of(Long.parseLong(pid)).isPresent();
    }

    private static List<ProcessHandle> processesIn(String netns) {
        ExecResult pids = Exec.run(null, Map.of(), IP_TIMEOUT, List.of("ip", "netns", "pids", netns));
        return pids.stdout().lines().filter(line -> line.matches("\\d+"))
                .flatMap(pid -> ProcessHandle.of(Long.parseLong(pid)).stream()).toList();
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

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }

    private void ip(String... args) {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(Arrays.asList(args));
        Exec.run(null, Map.of(), IP_TIMEOUT, command).orThrow();
    }

    private synchronized void checkOpen() {
        if (closed) {
            throw new IllegalStateException("lab " + prefix + " is closed");
        }
    }

    private static RuntimeException accumulate(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }
}

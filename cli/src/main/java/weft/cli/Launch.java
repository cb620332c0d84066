package weft.cli;

import weft.api.ApiClient;
import weft.api.ApiToken;

import com.fasterxml.jackson.databind.ObjectMapper;
import weft.router.DataDirectory;
import weft.router.RouterConfig;
import weft.api.ApiClient.ApiException;
import weft.api.StatusReport;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.Optional;

/**
 * {@code weft launch}: starts {@code weft router} as a background process of its own session, logging to the
 * data directory, and returns once the router answers on its API and its Docker API proxy listens (so that the
 * next command may use either), printing the peer name; or, if the router exits first, prints the reason it logged. The router's JVM gets the flags in {@code WEFT_ROUTER_JAVA_OPTS}
 * (whitespace-separated, for instance {@code -Xmx1g} or a flight recording) after its defaults, a capped heap
 * ({@link #DEFAULT_ROUTER_JAVA_OPTS}), so that they override them; {@code WEFT_JAVA_OPTS} is the CLI's.
 */
final class Launch {
    private static final long START_TIMEOUT_NANOS = 60_000_000_000L;
    /** How long the proxy may take after the API: it starts right after it, unless it cannot (then the log says why). */
    private static final long PROXY_TIMEOUT_NANOS = 15_000_000_000L;
    static final String ROUTER_JAVA_OPTS = "WEFT_ROUTER_JAVA_OPTS";
    /**
     * The router's JVM flags before those of {@value #ROUTER_JAVA_OPTS}, which therefore win (the JVM takes the last
     * of a repeated flag). Without them the JVM takes a quarter of the host's memory as its heap limit and G1 sizes
     * itself for that: ~185 MB RSS per router at 25 peers on a 24 GiB host, where the live heap is ~15 MB
     * (bench/mesh-real.sh, which measures these). A capped heap, the serial collector (whose pauses on a heap this
     * small are a few milliseconds, like G1's young pauses, and which keeps no remembered sets) and a periodic trim
     * of the C heap (the JIT's freed arenas otherwise stay with glibc) keep it under 150 MB. The data path allocates
     * nothing on the heap, so none of this costs throughput; the JIT is left as it is, since the data path needs C2.
     * The direct-memory cap would default to the heap's and is set apart from it, so that Netty's buffers and the
     * sleeve's native segments keep the room they had.
     */
    static final List<String> DEFAULT_ROUTER_JAVA_OPTS = List.of("-Xms16m", "-Xmx128m", "-XX:MaxDirectMemorySize=1g",
            "-XX:TrimNativeHeapInterval=30000");
    /** The collector the router gets unless {@value #ROUTER_JAVA_OPTS} chooses one: the JVM refuses two. */
    static final String DEFAULT_ROUTER_GC = "-XX:+UseSerialGC";
    private final RouterConfig config;
    private final List<String> routerArgs;
    private final Map<String, String> environment;
    private final ObjectMapper json;
    private final PrintStream out;
    private final PrintStream err;
    private final java.util.Optional<weft.proxy.docker.ProxyAddress> proxy;

    /** @param proxy where the router's Docker API proxy will listen, if it runs one */
    Launch(RouterConfig config, List<String> routerArgs, Map<String, String> environment, ObjectMapper json, PrintStream out, PrintStream err,
           java.util.Optional<weft.proxy.docker.ProxyAddress> proxy) {
        this.proxy = proxy;
        this.config = config;
        this.routerArgs = routerArgs;
        this.environment = environment;
        this.json = json;
        this.out = out;
        this.err = err;
    }

    /**
     * Starts the router and waits until it answers. A launch that fails leaves no data directory behind that it
     * created itself: the next launch starts as clean as this one did.
     */
    int run() throws ApiException {
        Path dataDir = config.dataDirectory();
        Optional<String> unprivileged = Privileges.missingHere();
        if (unprivileged.isPresent()) {
            err.println("weft launch: " + unprivileged.get());
            return 1;
        }
        config.encryptionWarnings().forEach(warning -> err.println("weft launch: warning: " + warning));
        boolean created = !Files.exists(dataDir, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        try {
            if (DataDirectory.inUse(dataDir)) {
                err.println("weft launch: a router is already running with data directory " + dataDir + DataDirectory.holderOf(dataDir));
                return 1;
            }
            DataDirectory.create(dataDir);
        } catch (IOException e) {
            err.println("weft launch: cannot use data directory " + dataDir + ": " + FileProblem.reason(e) + "; choose another with --data-dir");
            return 1;
        }
        int status = 1;
        try {
            try {
                Files.newOutputStream(config.logFile(), java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND).close();
            } catch (IOException e) {
                err.println("weft launch: cannot write the router's log " + config.logFile() + ": " + FileProblem.reason(e) + "; choose another --data-dir");
                return status;
            }
            status = start(dataDir, created);
            return status;
        } finally {
            if (status != 0 && created) removeCreated(dataDir);
        }
    }

    /** @param created whether this launch created the data directory, which a failure then removes, log and all */
    private int start(Path dataDir, boolean created) throws ApiException {
        String logHint = created ? "" : " (log: " + config.logFile() + ")";
        ApiClient api = client();
        if (Weft.answers(api)) {
            err.println("weft launch: another router already answers at " + config.httpAddress().getHostString() + ":" + config.httpAddress().getPort()
                    + " in this network namespace; stop it or use --http-addr");
            return 1;
        }
        Path log = config.logFile();
        long logStart;
        Process process;
        try {
            logStart = Files.exists(log) ? Files.size(log) : 0;
            process = new ProcessBuilder(command())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            err.println("weft launch: cannot start the router: " + e.getMessage());
            return 1;
        }
        long started = System.nanoTime(), deadline = started + START_TIMEOUT_NANOS;
        StartProgress progress = new StartProgress();
        while (deadline - System.nanoTime() > 0) {
            if (!process.isAlive()) {
                err.println("weft launch: the router did not start: " + lastLine(log, logStart, "it exited without a message") + logHint);
                return 1;
            }
            try {
                StatusReport status = client().status(); // anew each time: the router creates its token as it starts
                if (dataDir.toString().equals(status.dataDirectory())) {
                    awaitProxy(process);
                    out.println(status.peerName());
                    return 0;
                }
            } catch (ApiException e) {
                if (!e.unreachable) throw e;
            }
            long elapsed = System.nanoTime() - started;
            if (elapsed >= TimeUnit.SECONDS.toNanos(StartProgress.QUIET_SECONDS)) {
                progress.update(elapsed, lastLine(log, logStart, "")).ifPresent(err::println);
            }
            Weft.pause();
        }
        process.destroy();
        try {
            process.waitFor(10, TimeUnit.SECONDS); // before its data directory may go
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        err.println("weft launch: the router did not answer within 60 s; stopped it" + logHint);
        return 1;
    }

    /** Waits until the Docker API proxy takes connections; says so when it does not within its time (the router runs on). */
    private void awaitProxy(Process router) {
        if (proxy.isEmpty()) return;
        long deadline = System.nanoTime() + PROXY_TIMEOUT_NANOS;
        while (deadline - System.nanoTime() > 0 && router.isAlive()) {
            if (listens(proxy.get())) return;
            Weft.pause();
        }
        err.println("weft launch: the Docker API proxy does not listen at " + proxy.get().dockerHost() + "; the router runs without it"
                + " (its log says why: " + config.logFile() + ")");
    }

    private static boolean listens(weft.proxy.docker.ProxyAddress address) {
        return weft.proxy.BoundServer.answers(switch (address) {
            case weft.proxy.docker.ProxyAddress.Unix(Path socket) -> java.net.UnixDomainSocketAddress.of(socket);
            case weft.proxy.docker.ProxyAddress.Tcp(var at, var tls) -> at;
        });
    }

    /** Removes the data directory this launch created, with whatever the failed router left in it. */
    private void removeCreated(Path dataDir) {
        try {
            DataDirectory.remove(dataDir);
        } catch (IOException e) {
            err.println("weft launch: could not remove " + dataDir + ", which this failed launch created: " + FileProblem.reason(e));
        }
    }

    /** A client for polling the router, with the token from the data directory if there is one yet. */
    private ApiClient client() {
        // polled every 100 ms while the router starts: a reply slower than this is as good as none
        return new ApiClient(config.httpAddress(), Duration.ofSeconds(5), ApiToken.readFrom(config.dataDirectory()));
    }

    /** The router's command line: the default JVM flags, then those the environment gives in {@value #ROUTER_JAVA_OPTS}. */
    List<String> command() {
        List<String> command = new ArrayList<>();
        // A session of its own: closing the terminal that launched the router must not hang it up.
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) command.add("/usr/bin/setsid");
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(DEFAULT_ROUTER_JAVA_OPTS);
        String options = environment.getOrDefault(ROUTER_JAVA_OPTS, "").strip();
        List<String> given = options.isEmpty() ? List.of() : List.of(options.split("\\s+"));
        if (given.stream().noneMatch(flag -> flag.matches("-XX:[+-]Use\\w*GC"))) command.add(DEFAULT_ROUTER_GC);
        command.addAll(given);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Weft.class.getName());
        command.add("router");
        command.addAll(routerArgs);
        return command;
    }

    /** The last non-blank line the router wrote to its log since {@code from} (its reason for exiting), or {@code none}. */
    private static String lastLine(Path log, long from, String none) {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long length = file.length();
            long start = Math.max(from, length - 8192);
            byte[] tail = new byte[(int) (length - start)];
            file.seek(start);
            file.readFully(tail);
            String[] lines = new String(tail, StandardCharsets.UTF_8).split("\n");
            for (int i = lines.length - 1; i >= 0; i--) {
                if (!lines[i].isBlank()) return lines[i].trim();
            }
        } catch (IOException e) {
            return "no log (" + e.getMessage() + ")";
        }
        return none;
    }
}

package weft.cli;

import weft.api.ApiClient;
import weft.api.ApiReply;
import weft.api.ApiRequest;
import weft.api.Attachment;
import weft.api.ConnectResult;
import weft.api.DnsStatus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import weft.router.RouterConfig;
import weft.api.ApiClient.ApiException;
import weft.cli.CommandLine.Option;
import weft.cli.CommandLine.UsageException;
import weft.cli.doctor.Doctor;
import weft.cli.doctor.RouterState;
import weft.router.plumbing.AttachTarget;
import weft.gossip.Cidr;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.nio.file.Path;

/**
 * The {@code weft} command line: one verb per call, each with {@code --help}. Exit status 0 on success, 1 when
 * the operation failed, 2 for a usage error (malformed addresses and targets included). Errors are one line on
 * standard error. {@code stop} with no router running is a success that says so.
 */
public final class Weft {
    private static final Option HTTP_ADDR = new Option("http-addr", "HOST:PORT",
            "the router's HTTP API (default $WEFT_HTTP_ADDR, else the address the router recorded in its data directory, else "
                    + RouterConfig.DEFAULT_HTTP_ADDRESS + ")");
    private static final Option DATA_DIR = new Option("data-dir", "DIR",
            "the data directory of the router to ask, where it records its API address and token (default $WEFT_DATA_DIR or "
                    + RouterConfig.DEFAULT_DATA_DIRECTORY + ")");
    /** What every verb that asks a router takes. */
    private static final List<Option> ROUTER = List.of(DATA_DIR, HTTP_ADDR);

    /** A verb: its name, what it takes, what it does. */
    record Verb(String name, String operands, String summary, List<Option> options) {
    }

    static final List<Verb> VERBS = List.of(
            new Verb("launch", "[PEER...]", "start the router in the background and wait until it answers", RouterOptions.ALL),
            new Verb("router", "[PEER...]", "run the router in the foreground (for systemd and containers; with --kube, as a Kubernetes DaemonSet)",
                    java.util.stream.Stream.concat(RouterOptions.ALL.stream(), KubeRouter.OPTIONS.stream()).toList()),
            new Verb("stop", "", "stop the router; containers keep their interfaces", ROUTER),
            new Verb("reset", "", "remove Weft from this host: give this peer's address ranges to another peer, detach every container, stop the router, remove its links and data directory", ROUTER),
            new Verb("status", "[connections|peers|targets|ipam|counters|dns]", "show the router's state: an overview, or one view of it in full", ROUTER),
            new Verb("report", "", "print the router's whole state as JSON", ROUTER),
            new Verb("connect", "PEER...", "connect to more peers (host or host:port); reports the first attempt", ROUTER),
            new Verb("forget", "PEER...", "stop connecting to peers", ROUTER),
            new Verb("attach", "[CIDR...] TARGET", "give a container an interface ethwe on the overlay, with the addresses given or one from the allocator; TARGET is netns:NAME, pid:N or a Docker container",
                    List.of(DATA_DIR, HTTP_ADDR, new Option("name", "NAME", "also put NAME on Weft DNS with the container's addresses, until it is detached or gone"))),
            new Verb("detach", "[CIDR...] TARGET", "remove addresses from a container, or its whole interface", ROUTER),
            new Verb("expose", "[CIDR...]", "give the host itself an address on the overlay (from the allocator when none is given)", ROUTER),
            new Verb("hide", "[CIDR...]", "remove the host's overlay addresses (all when none are given)", ROUTER),
            new Verb("ps", "[TARGET...]", "list the interfaces this router attached (or those of the TARGETs): target, MAC, addresses", ROUTER),
            new Verb("rmpeer", "PEER...", "give dead peers' address ranges to this peer (peer name or nickname); refused while a peer is reachable unless --force. Only for peers gone for good: one that comes back asks for its containers' addresses and takes off those handed out here meanwhile", List.of(DATA_DIR, HTTP_ADDR, new Option("force", null, "take over even a reachable peer's ranges"))),
            new Verb("prime", "", "start the address allocator's initialisation now and print its phase", ROUTER),
            new Verb("adopt-ring", "", "end a conflict with an independently started allocation ring by adopting the winner (drops this router's allocations)", ROUTER),
            new Verb("doctor", "", "check what commonly breaks an overlay on this host, one line each with what to do: the router, the data path to each peer (UDP dropped while TCP passes), ports, firewall, ip_forward, routes over the range, MTU, the allocator, the kernel; exit status 1 when something is broken",
                    List.of(DATA_DIR, HTTP_ADDR, new Option("json", null, "print the findings as JSON"))),
            new Verb("metrics", "", "print the router's counters in Prometheus text format", ROUTER),
            new Verb("dns-add", "ADDRESS... NAME", "put NAME on Weft DNS with these addresses, on every peer (a single-label NAME gets the DNS domain)", ROUTER),
            new Verb("dns-remove", "[ADDRESS...] NAME", "take this router's NAME off Weft DNS: those addresses, or all of them", ROUTER),
            new Verb("dns-lookup", "NAME", "print the addresses of NAME as Weft DNS knows them here", ROUTER),
            new Verb("policy", "why SOURCE DESTINATION[:PORT[/PROTOCOL]]", "whether Kubernetes NetworkPolicy lets a new connection through, and why, without sending anything: each end a pod (NAMESPACE/NAME, or NAME in default) or an address; PROTOCOL TCP (default), UDP or SCTP; without PORT, whether every port is allowed (a router run with --kube answers)", ROUTER),
            new Verb("dns-args", "", "print the Docker options that give a container Weft DNS: docker run $(weft dns-args) ...", ROUTER),
            new Verb("setup-cni", "", "install the CNI plugin weft-net and the network configuration 10-weft.conflist (for Kubernetes and other CNI runtimes)",
                    List.of(new Option("bin-dir", "DIR", "where the runtime finds plugins (default /opt/cni/bin)"),
                            new Option("conf-dir", "DIR", "where the runtime reads network configurations (default /etc/cni/net.d)"),
                            new Option("copy-runtime", null, "copy this Java runtime and Weft's jars into BIN_DIR/" + CniSetup.COPIES
                                    + " for the plugin, for a host that cannot see this installation (Weft's DaemonSet runs setup-cni in a container)"),
                            DATA_DIR)),
            new Verb("env", "", "print the shell commands that point the Docker client at the Weft proxy: eval $(weft env)",
                    List.of(new Option("proxy-addr", "ADDRESS", "the proxy's address, unix://PATH or tcp://HOST:PORT (default $WEFT_PROXY_ADDR or unix://" + weft.proxy.docker.DockerProxy.DEFAULT_SOCKET + ")"),
                            new Option("restore", null, "print those that point it back where it was"))),
            new Verb("config", "", "print the Docker client's option for the Weft proxy: docker $(weft config) ps",
                    List.of(new Option("proxy-addr", "ADDRESS", "the proxy's address, unix://PATH or tcp://HOST:PORT (default $WEFT_PROXY_ADDR or unix://" + weft.proxy.docker.DockerProxy.DEFAULT_SOCKET + ")"))),
            new Verb("version", "", "print this command's version and, when it answers, the router's", ROUTER));

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> environment;
    private ObjectMapper json; // json() makes it when a command needs it: Jackson's start costs ~40 ms (its date format loads the locale data)

    private final List<String> aliasNotes;

    Weft(PrintStream out, PrintStream err, Map<String, String> environment) {
        this.out = out;
        this.err = err;
        WeaveVariables weave = WeaveVariables.of(environment);
        this.environment = weave.environment();
        this.aliasNotes = weave.notes();
    }

    /** The command's Jackson mapper (no findAndRegisterModules: there is no module, and the search for one reads every jar). */
    private ObjectMapper json() {
        if (json == null) json = new ObjectMapper();
        return json;
    }

    public static void main(String[] args) {
        int status = new Weft(System.out, System.err, System.getenv()).run(Arrays.asList(args));
        System.out.flush();
        System.err.flush();
        if (args.length > 0 && args[0].equals("router")) System.exit(status); // its shutdown hook stops the router
        // Every other command has done all it does, and registers no shutdown hook: halting skips System.exit's log
        // record of the exit, whose logger's first use has the JDK search every jar of the class path for a logging
        // backend (50 ms of a 300 ms command).
        Runtime.getRuntime().halt(status);
    }

    int run(List<String> args) {
        if (args.isEmpty() || args.getFirst().equals("help") || args.getFirst().equals("--help") || args.getFirst().equals("-h")) {
            printOverview(args.isEmpty() ? err : out);
            return args.isEmpty() ? 2 : 0;
        }
        String name = args.getFirst().equals("--version") ? "version" : args.getFirst();
        Verb verb = VERBS.stream().filter(v -> v.name().equals(name)).findFirst().orElse(null);
        if (verb == null) {
            err.println("weft: unknown command '" + name + "' (see 'weft help')");
            return 2;
        }
        List<String> rest = args.subList(1, args.size());
        CommandLine line = null;
        try {
            line = CommandLine.parse(name, verb.options(), rest);
            if (line.helpRequested()) {
                printUsage(verb, out);
                return 0;
            }
            return dispatch(verb, line, rest);
        } catch (ApiException e) {
            // launch and router answer for themselves: only a verb that asked a router gets here for nothing listening
            err.println("weft " + name + ": " + (e.nothingListens && line != null ? target(line).absence(name) : e.getMessage()));
            return 1;
        } catch (UsageException e) {
            err.println("weft " + name + ": " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("weft " + name + ": " + e.getMessage());
            return 1;
        }
    }

    private int dispatch(Verb verb, CommandLine line, List<String> rawArgs) throws ApiException {
        if (verb.name().equals("launch") || verb.name().equals("router")) {
            aliasNotes.forEach(note -> err.println("weft " + verb.name() + ": note: " + note));
        }
        return switch (verb.name()) {
            case "launch" -> {
                // refused here, not in the router started in the background
                Optional<weft.proxy.docker.ProxyAddress> proxy = RouterOptions.proxyAddress(line, environment);
                yield new Launch(RouterOptions.parse(line, environment), rawArgs, environment, json(), out, err, proxy).run();
            }
            case "router" -> {
                if (line.flag("kube")) yield KubeRouter.run(line, environment, err);
                if (line.value("node-name").isPresent()) throw new UsageException("--node-name goes with --kube");
                Optional<Path> plugin = RouterOptions.pluginSocket(line, environment);
                Optional<weft.proxy.docker.ProxyAddress> proxy = RouterOptions.proxyAddress(line, environment);
                RouterConfig config = RouterOptions.parse(line, environment);
                yield RouterMain.runForeground(config, err, router -> RouterMain.docker(plugin, proxy, config.dockerSocket(), !line.flag("no-default-ipalloc"), router));
            }
            case "stop" -> stop(line);
            case "reset" -> reset(line);
            case "status" -> status(line);
            case "report" -> printJson(api(line).report());
            case "connect" -> connect(line);
            case "forget" -> forget(line);
            case "attach" -> attach(line, ApiClient::attach);
            case "detach" -> attach(line, ApiClient::detach);
            case "expose" -> expose(line, ApiClient::expose);
            case "rmpeer" -> rmpeer(line);
            case "adopt-ring" -> {
                noOperands(line, "adopt-ring");
                out.println(api(line).adoptWinningRing());
                yield 0;
            }
            case "prime" -> {
                noOperands(line, "prime");
                out.println(api(line).primeAllocation());
                yield 0;
            }
            case "hide" -> hide(line);
            case "ps" -> ps(line);
            case "dns-add" -> dnsAdd(line);
            case "dns-remove" -> dnsRemove(line);
            case "dns-lookup" -> dnsLookup(line);
            case "dns-args" -> dnsArgs(line);
            case "policy" -> policy(line);
            case "doctor" -> doctor(line);
            case "metrics" -> {
                out.print(api(line).metrics());
                yield 0;
            }
            case "version" -> version(line);
            case "env" -> dockerEnv(line);
            case "config" -> {
                out.println("-H " + proxyAddress(line));
                yield 0;
            }
            case "setup-cni" -> setupCni(line);
            default -> throw new AssertionError("verb without a handler: " + verb.name());
        };
    }

    private RouterTarget target(CommandLine line) {
        return RouterTarget.of(line, environment);
    }

    private ApiClient api(CommandLine line) {
        return target(line).client();
    }

    /** Asks the router to stop and waits until its process has exited, so that a launch right after succeeds. */
    /** The proxy's address for {@code env} and {@code config}: --proxy-addr, else $WEFT_PROXY_ADDR, else the default. */
    private String proxyAddress(CommandLine line) {
        String address = line.value("proxy-addr").orElse(environment.getOrDefault("WEFT_PROXY_ADDR", "unix://" + weft.proxy.docker.DockerProxy.DEFAULT_SOCKET));
        if (!(address.startsWith("unix:///") || address.startsWith("tcp://")) || address.contains("'")) {
            throw new UsageException("invalid proxy address '" + address + "': expected unix:///PATH or tcp://HOST:PORT");
        }
        return address;
    }

    /**
     * {@code export DOCKER_HOST=PROXY ORIG_DOCKER_HOST=WHERE_IT_WAS}, or with --restore the way back (as {@code weave env}
     * did); a DOCKER_HOST that already is the proxy is not taken for where it was.
     */
    private int dockerEnv(CommandLine line) {
        String proxy = proxyAddress(line);
        if (line.flag("restore")) {
            String original = environment.getOrDefault("ORIG_DOCKER_HOST", "");
            out.println(original.isEmpty() ? "unset DOCKER_HOST ORIG_DOCKER_HOST" : "export DOCKER_HOST='" + original.replace("'", "") + "'; unset ORIG_DOCKER_HOST");
            return 0;
        }
        String current = environment.getOrDefault("DOCKER_HOST", "");
        String original = current.equals(proxy) ? environment.getOrDefault("ORIG_DOCKER_HOST", "") : current;
        out.println("export DOCKER_HOST='" + proxy + "' ORIG_DOCKER_HOST='" + original.replace("'", "") + "'");
        return 0;
    }

    private int stop(CommandLine line) throws ApiException {
        noOperands(line, "stop");
        ApiClient api = api(line);
        long pid;
        try {
            pid = api.status().pid();
        } catch (ApiException e) {
            RouterTarget target = target(line);
            if (!e.nothingListens || !target.noneRuns()) {
                throw e; // one runs elsewhere, or cannot be told: the usual message says where
            }
            out.println("no router runs with data directory " + target.dataDir() + "; nothing to stop");
            return 0; // stopping is idempotent: what was asked for holds
        }
        return stopAndWait(api, pid);
    }

    /** Asks the router {@code pid} behind {@code api} to stop, and waits until its process has exited. */
    private int stopAndWait(ApiClient api, long pid) throws ApiException {
        api.stop();
        var process = ProcessHandle.of(pid);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (deadline - System.nanoTime() > 0) {
            boolean exited = process.map(p -> !p.isAlive()).orElse(true);
            if (exited && !answers(api)) {
                out.println("router stopped");
                return 0;
            }
            pause();
        }
        err.println("weft stop: the router was asked to stop but is still running after 30 s (pid " + pid + ")");
        return 1;
    }

    /** Leaves the mesh's allocation ring, detaches everything, stops the router and removes what Weft made here. */
    private int reset(CommandLine line) throws ApiException {
        noOperands(line, "reset");
        ApiClient api = api(line);
        RouterTarget target = target(line);
        Reset reset = new Reset(target.dataDir(), json(), out, err);
        long pid;
        try {
            pid = api.status().pid();
        } catch (ApiException e) {
            if (!e.nothingListens || !target.noneRuns()) {
                throw e; // a router runs elsewhere, or cannot be told: resetting under it would break it
            }
            out.println("no router runs with data directory " + target.dataDir() + "; removing what an earlier one left");
            return reset.offline();
        }
        return reset.withRouter(new Reset.Running() {
            @Override
            public ApiClient api() {
                return api;
            }

            @Override
            public int stop() throws ApiException {
                return stopAndWait(api, pid);
            }
        });
    }

    static boolean answers(ApiClient api) throws ApiException {
        try {
            api.status();
            return true;
        } catch (ApiException e) {
            if (e.unreachable) return false;
            throw e;
        }
    }

    private int status(CommandLine line) throws ApiException {
        List<String> operands = line.operands();
        if (operands.size() > 1) throw new UsageException("takes at most one of " + String.join(", ", StatusText.VIEWS));
        String view = operands.isEmpty() ? "" : operands.getFirst();
        if (view.equals("dns")) {
            out.print(StatusText.renderDns(api(line).dns()));
            return 0;
        }
        if (view.equals("policy")) {
            out.print(StatusText.renderPolicy(api(line).policy()));
            return 0;
        }
        if (!view.isEmpty() && !StatusText.VIEWS.contains(view)) throw new UsageException("unknown status view '" + view + "': " + String.join(", ", StatusText.VIEWS) + ", dns, policy");
        out.print(StatusText.render(api(line).status(), view, java.time.Instant.now()));
        return 0;
    }

    private int printJson(JsonNode node) {
        out.println(node.toPrettyString());
        return 0;
    }

    private int connect(CommandLine line) throws ApiException {
        if (line.operands().isEmpty()) throw new UsageException("at least one PEER is required");
        int status = 0;
        for (ConnectResult result : api(line).connect(line.operands())) {
            if (result.connected()) {
                out.println(result.target() + ": " + result.message());
            } else {
                err.println("weft connect: " + result.target() + ": " + result.message());
                status = 1;
            }
        }
        return status;
    }

    private int forget(CommandLine line) throws ApiException {
        if (line.operands().isEmpty()) throw new UsageException("at least one PEER is required");
        List<String> forgotten = api(line).forget(line.operands());
        int status = 0;
        for (String peer : line.operands()) {
            if (forgotten.contains(peer)) {
                out.println("forgot " + peer);
            } else {
                err.println("weft forget: " + peer + " is not a target");
                status = 1;
            }
        }
        return status;
    }

    /** {@link ApiClient#attach} or {@link ApiClient#detach}. */
    @FunctionalInterface
    private interface TargetCall {
        Attachment call(ApiClient api, String target, List<String> cidrs) throws ApiException;
    }

    /** {@link ApiClient#expose} or {@link ApiClient#hide}. */
    @FunctionalInterface
    private interface HostCall {
        Attachment call(ApiClient api, List<String> cidrs) throws ApiException;
    }

    private int attach(CommandLine line, TargetCall call) throws ApiException {
        List<String> operands = line.operands();
        if (operands.isEmpty()) throw new UsageException("a TARGET is required: netns:NAME, pid:N or a Docker container");
        String target = operands.getLast();
        List<String> cidrs = operands.subList(0, operands.size() - 1);
        checkOperands(List.of(target), cidrs);
        Optional<String> name = line.value("name");
        ApiClient api = api(line);
        Attachment attachment = new AllocatorWait(line.verb(), () -> allocatorWaitsFor(line), err).call(() -> call.call(api, target, cidrs));
        printAttachment(attachment);
        if (name.isPresent()) {
            try {
                api.dnsAdd(name.get(), attachment.cidrs(), Optional.of(attachment.target())).forEach(this::printDnsEntry);
            } catch (ApiException e) {
                if (e.unreachable) throw e;
                err.println("weft attach: attached, but the name " + name.get() + " was refused: " + e.getMessage());
                return 1;
            }
        }
        return 0;
    }

    private int dnsAdd(CommandLine line) throws ApiException {
        List<String> operands = line.operands();
        if (operands.size() < 2) throw new UsageException("at least one ADDRESS and a NAME are required");
        List<DnsStatus.Entry> added = api(line).dnsAdd(operands.getLast(), operands.subList(0, operands.size() - 1), Optional.empty());
        added.forEach(this::printDnsEntry);
        if (added.isEmpty()) out.println("nothing new: " + operands.getLast() + " already has those addresses");
        return 0;
    }

    private int dnsRemove(CommandLine line) throws ApiException {
        List<String> operands = line.operands();
        if (operands.isEmpty()) throw new UsageException("a NAME is required");
        List<DnsStatus.Entry> removed = api(line).dnsRemove(Optional.of(operands.getLast()), operands.subList(0, operands.size() - 1), Optional.empty());
        if (removed.isEmpty()) {
            err.println("weft dns-remove: this router has no such name" + (operands.size() > 1 ? " with those addresses" : "")
                    + " (a name is removed on the peer that added it)");
            return 1;
        }
        removed.forEach(entry -> out.println("removed " + entry.name() + " " + entry.address()));
        return 0;
    }

    private int dnsLookup(CommandLine line) throws ApiException {
        if (line.operands().size() != 1) throw new UsageException("one NAME is required");
        List<String> addresses = api(line).dnsLookup(line.operands().getFirst());
        addresses.forEach(out::println);
        return addresses.isEmpty() ? 1 : 0;
    }

    /** {@code weft policy why SOURCE DESTINATION[:PORT[/PROTOCOL]]}: exit status 0 when allowed, 1 when denied, 2 when it cannot say. */
    private int policy(CommandLine line) throws ApiException {
        List<String> operands = line.operands();
        if (operands.size() != 3 || !operands.getFirst().equals("why")) throw new UsageException("usage: weft policy why SOURCE DESTINATION[:PORT[/PROTOCOL]]");
        String destination = operands.get(2), protocol = "TCP";
        int port = 0;
        int colon = destination.lastIndexOf(':');
        if (colon >= 0) {
            String rest = destination.substring(colon + 1);
            destination = destination.substring(0, colon);
            int slash = rest.indexOf('/');
            if (slash >= 0) {
                protocol = rest.substring(slash + 1);
                rest = rest.substring(0, slash);
            }
            try {
                port = Integer.parseInt(rest);
            } catch (NumberFormatException e) {
                throw new UsageException("'" + rest + "' is not a port number (DESTINATION:PORT[/PROTOCOL])");
            }
            if (port < 1 || port > 65535) throw new UsageException("port " + port + " is not 1-65535");
        }
        ApiReply.PolicyVerdict verdict;
        try {
            verdict = api(line).policyWhy(new ApiRequest.PolicyQuestion(operands.get(1), destination, protocol, port));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        } catch (ApiException e) { // 1 says denied: a question that got no answer must not read as one
            err.println("weft policy: " + (e.nothingListens ? target(line).absence("policy") : e.getMessage()));
            return 2;
        }
        out.println(verdict.reason());
        return verdict.allowed() ? 0 : 1;
    }

    /** Weave's dns-args: the container's name server is Weft DNS, and single labels are looked up in its domain. */
    private int dnsArgs(CommandLine line) throws ApiException {
        noOperands(line, "dns-args");
        DnsStatus dns = api(line).dns();
        if (dns.nameServer().isEmpty()) {
            err.println("weft dns-args: " + (dns.listen().isEmpty() ? "Weft DNS answers on no address: " + dns.state()
                    : "Weft DNS answers on " + dns.listen() + ", and Docker's --dns takes no port"));
            return 1;
        }
        out.println("--dns=" + dns.nameServer().get() + " --dns-search=" + dns.domain().substring(0, dns.domain().length() - 1));
        return 0;
    }

    private void printDnsEntry(DnsStatus.Entry entry) {
        out.println(entry.name() + " " + entry.address());
    }

    private int expose(CommandLine line, HostCall call) throws ApiException {
        List<String> cidrs = line.operands();
        checkOperands(List.of(), cidrs);
        ApiClient api = api(line);
        printAttachment(new AllocatorWait(line.verb(), () -> allocatorWaitsFor(line), err).call(() -> call.call(api, cidrs)));
        return 0;
    }

    /** What the router's allocator says it waits for, or "nothing" when that cannot be asked. */
    private String allocatorWaitsFor(CommandLine line) {
        try {
            return api(line).status().ipam().waitingFor();
        } catch (ApiException | RuntimeException e) {
            return "nothing";
        }
    }

    /** Hides the host's overlay addresses and says which went and which stay. */
    private int hide(CommandLine line) throws ApiException {
        List<String> cidrs = line.operands();
        checkOperands(List.of(), cidrs);
        ApiClient api = api(line);
        List<String> before = api.attachments().stream().filter(a -> a.target().equals(Attachment.EXPOSE))
                .findFirst().map(Attachment::cidrs).orElse(List.of());
        Attachment after = api.hide(cidrs);
        List<String> removed = before.stream().filter(c -> !after.cidrs().contains(c)).toList();
        out.println("hid the host from " + (removed.isEmpty() ? "nothing" : String.join(" ", removed))
                + (after.cidrs().isEmpty() ? "; it has no overlay address left" : "; it keeps " + String.join(" ", after.cidrs())));
        return 0;
    }

    /** Malformed targets and addresses are usage errors, found before anything is asked of the router. */
    private static void checkOperands(List<String> targets, List<String> cidrs) {
        try {
            targets.forEach(AttachTarget::parse);
            cidrs.forEach(Cidr::parse);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private int rmpeer(CommandLine line) throws ApiException {
        if (line.operands().isEmpty()) throw new UsageException("at least one PEER is required");
        ApiClient api = api(line);
        int status = 0;
        for (String peer : line.operands()) {
            try {
                out.println(api.removePeer(peer, line.flag("force")));
            } catch (ApiException e) {
                if (e.unreachable) throw e;
                err.println("weft rmpeer: " + peer + ": " + e.getMessage());
                status = 1;
            }
        }
        return status;
    }

    private int ps(CommandLine line) throws ApiException {
        List<String> wanted = line.operands();
        checkOperands(wanted, List.of());
        List<String> keys = wanted.stream().map(t -> AttachTarget.parse(t).key()).toList();
        List<Attachment> attachments = api(line).attachments();
        for (Attachment attachment : attachments) {
            if (keys.isEmpty() || keys.contains(attachment.target())) printAttachment(attachment);
        }
        List<String> missing = keys.stream().filter(k -> attachments.stream().noneMatch(a -> a.target().equals(k))).toList();
        if (!missing.isEmpty()) {
            err.println("weft ps: not attached to this router: " + String.join(" ", missing));
            return 1;
        }
        return 0;
    }

    private int setupCni(CommandLine line) {
        noOperands(line, "setup-cni");
        String javaCommand = environment.getOrDefault("WEFT_JAVA", ProcessHandle.current().info().command().orElse("java"));
        java.nio.file.Path binDir = java.nio.file.Path.of(line.value("bin-dir").orElse("/opt/cni/bin"));
        try {
            List<java.nio.file.Path> jars = CniSetup.pluginClassPath();
            CniSetup.Runtime runtime = new CniSetup.Runtime(javaCommand,
                    jars.stream().map(java.nio.file.Path::toString).collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator)));
            if (line.flag("copy-runtime")) {
                runtime = CniSetup.copyRuntime(binDir, java.nio.file.Path.of(System.getProperty("java.home")), jars);
                out.println("copied the Java runtime and the plugin's jars into " + runtime.copy());
            }
            out.println(CniSetup.install(binDir, java.nio.file.Path.of(line.value("conf-dir").orElse("/etc/cni/net.d")),
                    target(line).dataDir(), runtime.java(), runtime.classPath()));
            if (line.flag("copy-runtime")) CniSetup.removeOtherCopies(binDir, runtime);
            return 0;
        } catch (java.io.IOException e) {
            err.println("weft setup-cni: " + (e instanceof java.nio.file.FileSystemException f ? f.getFile() + ": " : "") + FileProblem.reason(e));
            return 1;
        }
    }

    /**
     * Asks the router for its status (briefly: a router that does not answer within seconds is a finding), then lets
     * {@link Doctor} look at the host and judge.
     */
    private int doctor(CommandLine line) {
        noOperands(line, "doctor");
        RouterTarget target = target(line);
        ApiClient api = new ApiClient(target.address(), java.time.Duration.ofSeconds(5), weft.api.ApiToken.readFrom(target.dataDir()));
        RouterState router;
        try {
            weft.api.StatusReport status = api.status();
            boolean exposed = api.attachments().stream().anyMatch(a -> a.target().equals(Attachment.EXPOSE) && !a.cidrs().isEmpty());
            router = new RouterState.Answering(api.where(), status, exposed, !api.policy().state().startsWith("off"));
        } catch (ApiException e) {
            router = e.nothingListens ? new RouterState.Silent(target.absence("doctor"), target.remedy())
                    : e.unreachable ? new RouterState.Silent(e.getMessage(), "it may be stuck: see " + target.dataDir().resolve("weft.log") + "; 'weft stop' then 'weft launch' restarts it")
                    : new RouterState.Silent("the router at " + api.where() + " refused: " + e.getMessage(),
                    "run weft doctor as root, who may read the API token in " + target.dataDir());
        }
        return Doctor.run(router, environment, line.flag("json"), json(), out);
    }

    /** This command's version, and the router's when one answers (a mismatch after an upgrade is worth seeing). */
    private int version(CommandLine line) {
        noOperands(line, "version");
        out.println("weft " + weft.router.Router.VERSION);
        try {
            out.println("router " + api(line).status().version());
        } catch (ApiException e) {
            out.println("router: not running here (" + e.getMessage() + ")");
        }
        return 0;
    }

    private void printAttachment(Attachment attachment) {
        StringBuilder row = new StringBuilder().append(attachment.target()).append(' ').append(attachment.mac());
        attachment.cidrs().forEach(cidr -> row.append(' ').append(cidr));
        out.println(row);
    }

    private static void noOperands(CommandLine line, String verb) {
        if (!line.operands().isEmpty()) throw new UsageException("'weft " + verb + "' takes no arguments, got " + line.operands());
    }

    static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private void printOverview(PrintStream to) {
        to.println("usage: weft COMMAND [options] [arguments]   ('weft COMMAND --help' for details)");
        to.println();
        for (Verb verb : VERBS) to.printf("  %-8s %s%n", verb.name(), verb.summary());
        to.println();
        to.println("Environment: WEFT_DATA_DIR, WEFT_HTTP_ADDR, WEFT_METRICS_ADDR, WEFT_MTU, WEFT_NO_FASTDP, WEFT_PASSWORD");
        to.println("(Weave's WEAVE_HTTP_ADDR, WEAVE_MTU, WEAVE_NO_FASTDP and WEAVE_PASSWORD are read where Weft's are not set)");
    }

    static void printUsage(Verb verb, PrintStream to) {
        to.println("usage: weft " + verb.name() + " [options] " + verb.operands());
        to.println();
        to.println("  " + verb.summary());
        if (!verb.options().isEmpty()) {
            to.println();
            to.println("options:");
            for (Option option : verb.options()) {
                String flag = "--" + option.name() + (option.takesValue() ? " " + option.valueName() : "");
                to.printf("  %-28s %s%n", flag, option.help());
            }
        }
    }
}

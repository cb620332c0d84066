package weft.kube.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import weft.api.ApiClient;
import weft.api.ApiClient.ApiException;
import weft.api.ApiLocation;
import weft.api.ApiToken;
import weft.api.Attachment;
import weft.api.CniService;
import weft.api.RouterApi;
import weft.api.StatusReport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code weft-net}, the CNI plugin: the runtime runs it once per pod and operation, with the parameters in its
 * environment and the network configuration on standard in. It does no plumbing of its own: the local router does,
 * through its API ({@code cni:CONTAINERID:IFNAME:NETNS} targets), so that every address comes from the mesh's
 * allocator, owned by (container, interface). It runs in one of two places: inside the router, as its
 * {@link CniService}, to which the plugin's launcher hands each call (a JVM started per call cost more than the call);
 * or as a process of its own ({@link #main}), which the launcher starts when no router takes the call, and which asks
 * the router of the configuration over HTTP. Options in the configuration: {@code dataDir} (the router's data
 * directory, where it records its API address and token; default {@code /var/lib/weft}) and {@code httpAddr} (to call
 * another address). Errors are the spec's JSON on standard out with a non-zero exit; the router's refusal of an ADD
 * leaves nothing behind, since the router undoes what it started. Thread-safe: it keeps no state between calls.
 */
public final class CniPlugin implements CniService {
    private static final System.Logger LOG = System.getLogger(CniPlugin.class.getName());
    /** A check that found the attachment not as ADD made it (plugin codes start at 100). */
    static final int NOT_AS_ADDED = 100;
    private static final Path DEFAULT_DATA_DIR = Path.of("/var/lib/weft");
    private static final String DEFAULT_HTTP_ADDR = "127.0.0.1:6784";
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** Where the plugin finds the router for a configuration. */
    private interface RouterFinder {
        RouterApi find(JsonNode config) throws CniException;
    }

    private final ObjectMapper json;
    private final RouterFinder routers;

    private CniPlugin(ObjectMapper json, RouterFinder routers) {
        this.json = json;
        this.routers = routers;
    }

    /** The plugin inside {@code router}, which it asks directly, whatever the configuration's {@code dataDir}. */
    public CniPlugin(RouterApi router, ObjectMapper json) {
        this(json, config -> router);
    }

    /** The plugin in a process of its own, which asks the router of each call's configuration over HTTP. */
    static CniPlugin overHttp(ObjectMapper json) {
        return new CniPlugin(json, config -> client(config, json));
    }

    public static void main(String[] args) throws IOException {
        Reply reply = overHttp(new ObjectMapper()).call(System.getenv(), System.in.readAllBytes(), Optional.empty());
        System.out.write(reply.stdout());
        System.out.flush();
        System.exit(reply.exit());
    }

    /** Handles one call: the result, or the spec's error with exit status 1. */
    @Override
    public Reply call(Map<String, String> environment, byte[] stdin, Optional<String> heldNetns) {
        if ("VERSION".equals(environment.get("CNI_COMMAND"))) return new Reply(0, line(CniResult.versions(json, stdin)));
        String version = CniVersion.SUPPORTED.getLast();
        try {
            CniRequest request = CniRequest.parse(environment, stdin, json);
            version = request.config().cniVersion();
            RouterApi router = routers.find(request.config().raw());
            byte[] out = new byte[0];
            switch (request.command()) {
                case ADD -> out = line(add(request, router, heldNetns).toJson(json, version));
                case DEL -> router.detach(target(request), List.of());
                case CHECK -> check(request, router, heldNetns);
                case STATUS -> status(router);
                case GC -> gc(request, router);
                case VERSION -> throw new AssertionError("answered above");
            }
            return new Reply(0, out);
        } catch (CniException e) {
            return new Reply(1, line(CniResult.error(json, version, e)));
        } catch (ApiException e) {
            CniException error = e.unreachable
                    ? new CniException(CniException.TRY_AGAIN_LATER, "the Weft router does not answer", e.getMessage())
                    : new CniException(CniException.INVALID_CONFIGURATION, "the Weft router refused", e.getMessage());
            if ("STATUS".equals(environment.get("CNI_COMMAND"))) {
                error = new CniException(CniException.NOT_AVAILABLE, "the Weft router does not answer", e.getMessage());
            }
            return new Reply(1, line(CniResult.error(json, version, error)));
        } catch (IOException | RuntimeException e) {
            // the router in this process: IllegalArgumentException for a request it refuses, anything else for its failure
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            if (!(e instanceof IllegalArgumentException)) {
                LOG.log(System.Logger.Level.WARNING, "CNI " + environment.get("CNI_COMMAND") + " failed: " + reason, e);
            }
            return new Reply(1, line(CniResult.error(json, version, new CniException(CniException.INVALID_CONFIGURATION,
                    e instanceof IllegalArgumentException ? "the Weft router refused" : "the Weft router failed", reason))));
        }
    }

    private static byte[] line(Object json) {
        return (json + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The router of the configuration's data directory: its recorded API address, or {@code httpAddr}, with its token. */
    private static ApiClient client(JsonNode config, ObjectMapper json) throws CniException {
        Path dataDir = config.path("dataDir").isTextual() ? Path.of(config.path("dataDir").asText()) : DEFAULT_DATA_DIR;
        String address = config.path("httpAddr").isTextual() ? config.path("httpAddr").asText()
                : ApiLocation.readFrom(dataDir).map(ApiLocation::address).orElse(DEFAULT_HTTP_ADDR);
        int colon = address.lastIndexOf(':');
        try {
            return new ApiClient(new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))), WAIT,
                    ApiToken.readFrom(dataDir));
        } catch (RuntimeException e) {
            throw new CniException(CniException.INVALID_CONFIGURATION, "invalid network configuration", "httpAddr '" + address + "' is not HOST:PORT");
        }
    }

    /** How the router names the pod's attachment. */
    private static String target(CniRequest request) {
        return "cni:" + request.containerId() + ":" + request.ifname();
    }

    /**
     * The pod's interface with an address from the allocator and a default route through the bridge; the same twice.
     * The router is given the namespace as a process holds it open, {@code /proc/PID/fd/N}: the path the runtime
     * names may exist only in the runtime's mount namespace (a bind mount under /run/netns), which the router, in a
     * namespace of its own or a container, does not share; the open file is the same everywhere. The launcher holds it
     * when it hands the call to the router; a plugin in a process of its own holds it itself.
     */
    private CniResult add(CniRequest request, RouterApi router, Optional<String> heldNetns) throws IOException, CniException {
        String target = target(request) + ":";
        Attachment attached;
        if (heldNetns.isPresent()) {
            attached = router.attach(target + heldNetns.get(), List.of());
        } else {
            Path netns = Path.of(request.netns().orElseThrow());
            try (FileChannel held = FileChannel.open(netns, StandardOpenOption.READ)) {
                attached = router.attach(target + heldPath(netns), List.of());
            } catch (ApiException e) {
                throw e; // the router's answer, not a file problem here
            } catch (java.nio.file.NoSuchFileException e) {
                throw new CniException(CniException.UNKNOWN_CONTAINER, "the pod's network namespace does not exist", netns.toString());
            } catch (IOException e) {
                throw new CniException(CniException.IO_FAILURE, "cannot open the pod's network namespace", netns + ": " + e.getMessage());
            }
        }
        String gateway = gateway(router);
        int mtu = mtu(attached.hostInterface());
        List<CniResult.Ip> ips = attached.cidrs().stream().map(cidr -> new CniResult.Ip(cidr, gateway, 1)).toList();
        return new CniResult(
                List.of(new CniResult.Interface(attached.hostInterface(), "", mtu, ""),
                        new CniResult.Interface(request.ifname(), attached.mac(), mtu, request.netns().orElseThrow())),
                ips, gateway.isEmpty() ? List.of() : List.of(new CniResult.Route("0.0.0.0/0", gateway)));
    }

    /**
     * The MTU of the pod's veth, read from its host end in sysfs (the plugin runs in the router's namespace): a file
     * read instead of asking the router for its whole status. 0 (left out of the result) when it cannot be read.
     */
    private static int mtu(String hostInterface) {
        try {
            return Integer.parseInt(Files.readString(Path.of("/sys/class/net", hostInterface, "mtu")).strip());
        } catch (IOException | NumberFormatException | java.nio.file.InvalidPathException e) {
            return 0;
        }
    }

    /**
     * Where another process finds the namespace file {@code netns} that this process holds open: its descriptor under
     * {@code /proc/PID/fd}, the one whose file (followed through the magic link) has the namespace's device and inode;
     * {@code netns} itself when there is none.
     */
    private static String heldPath(Path netns) throws IOException {
        Object inode = Files.getAttribute(netns, "unix:ino"), device = Files.getAttribute(netns, "unix:dev");
        try (var fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    if (inode.equals(Files.getAttribute(fd, "unix:ino")) && device.equals(Files.getAttribute(fd, "unix:dev"))) {
                        return "/proc/" + ProcessHandle.current().pid() + "/fd/" + fd.getFileName();
                    }
                } catch (IOException gone) {
                    // the directory stream's own descriptor, closed by now, or one that cannot be followed
                }
            }
        }
        return netns.toString();
    }

    /** The bridge's address: the first address the host is exposed with. */
    private static String gateway(RouterApi router) throws IOException {
        for (Attachment a : router.attachments()) {
            if (a.target().equals(Attachment.EXPOSE) && !a.cidrs().isEmpty()) return a.cidrs().getFirst().split("/")[0];
        }
        return "";
    }

    /**
     * What ADD made is still there: the router's record of the attachment, its addresses, and the pod's namespace
     * (which a launcher that could not open it does not hand over).
     */
    private void check(CniRequest request, RouterApi router, Optional<String> heldNetns) throws IOException, CniException {
        String key = target(request);
        Attachment attached = router.attachments().stream().filter(a -> a.target().equals(key)).findFirst()
                .orElseThrow(() -> new CniException(NOT_AS_ADDED, "no such attachment", key + " is not attached to the Weft router"));
        if (heldNetns.isEmpty() && request.netns().isPresent() && !Files.exists(Path.of(request.netns().get()))) {
            throw new CniException(NOT_AS_ADDED, "the pod's namespace is gone", request.netns().get() + " does not exist");
        }
        JsonNode ips = request.config().prevResult().map(p -> p.path("ips")).orElse(json.createArrayNode());
        List<String> missing = new ArrayList<>();
        for (JsonNode ip : ips) {
            if (!attached.cidrs().contains(ip.path("address").asText())) missing.add(ip.path("address").asText());
        }
        if (!missing.isEmpty()) {
            throw new CniException(NOT_AS_ADDED, "addresses missing", key + " no longer has " + missing + " (it has " + attached.cidrs() + ")");
        }
    }

    /** Ready when the router answers and its allocator can hand out addresses. */
    private static void status(RouterApi router) throws IOException, CniException {
        StatusReport.IpamView ipam = router.status().ipam();
        if (!"ready".equals(ipam.phase())) {
            throw new CniException(CniException.NOT_AVAILABLE, "the address allocator is not ready", ipam.phase() + ": waiting for " + ipam.waitingFor());
        }
    }

    /** Detaches every pod interface of this plugin that the runtime no longer lists; reports those that failed. */
    private void gc(CniRequest request, RouterApi router) throws IOException, CniException {
        Set<String> valid = new HashSet<>();
        request.config().validAttachments().forEach(a -> valid.add("cni:" + a.containerId() + ":" + a.ifname()));
        List<String> failed = new ArrayList<>();
        for (Attachment a : router.attachments()) {
            if (!a.target().startsWith("cni:") || valid.contains(a.target())) continue;
            try {
                router.detach(a.target(), List.of());
            } catch (IOException | RuntimeException e) {
                if (e instanceof ApiException refused && refused.unreachable) throw refused;
                failed.add(a.target() + ": " + e.getMessage());
            }
        }
        if (!failed.isEmpty()) throw new CniException(CniException.IO_FAILURE, "some stale attachments stayed", String.join("; ", failed));
    }
}

package weft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import weft.api.ApiToken;
import weft.api.CniService;
import weft.api.RouterApi;
import weft.router.http.ApiServer;
import weft.router.http.ApiTokenFile;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher {@code weft setup-cni} installs, run by bash as a runtime runs it, against the router's real API server
 * with a CNI plugin that records its calls: each call is handed over whole (variables, configuration, the pod's
 * namespace held open), the plugin's output and exit status come back unchanged, and whenever the router does not take
 * the call the launcher runs the JVM plugin instead (here a stand-in {@code java} that says how it was run).
 */
class CniLauncherTest {
    private static final Duration CALL = Duration.ofSeconds(30);
    private static final String CONFIG_TEMPLATE = "{\"cniVersion\":\"1.0.0\",\"name\":\"weft\",\"type\":\"weft-net\",\"dataDir\":\"%s\"}";

    @TempDir
    Path dir;
    private Path dataDir, launcher, netns;
    private ApiServer server;

    /** What the plugin in the router was given, the last time it was called; null when it was not. */
    private volatile Map<String, String> variables;
    private volatile String config;
    private volatile Optional<String> heldNetns;
    /** Whether the held namespace could be opened by the router while the call ran. */
    private volatile boolean heldWasOpen;
    private volatile CniService.Reply reply = new CniService.Reply(0, "{\"cniVersion\":\"1.0.0\"}\n".getBytes(StandardCharsets.UTF_8));

    private final CniService plugin = (variables, config, heldNetns) -> {
        this.variables = variables;
        this.config = new String(config, StandardCharsets.UTF_8);
        this.heldNetns = heldNetns;
        this.heldWasOpen = heldNetns.map(path -> Files.isReadable(Path.of(path))).orElse(false);
        return reply;
    };

    /** A router that would fail the test if the plugin asked it anything: only the CNI endpoint is under test. */
    private static final RouterApi NO_ROUTER = (RouterApi) Proxy.newProxyInstance(RouterApi.class.getClassLoader(), new Class<?>[]{RouterApi.class},
            (proxy, method, args) -> {
                throw new AssertionError("the router was asked " + method.getName());
            });

    @BeforeEach
    void install() throws IOException {
        dataDir = Files.createDirectories(dir.resolve("data"));
        netns = Files.writeString(dir.resolve("netns"), "a stand-in for the pod's namespace file");
        Path java = dir.resolve("java");
        // the JVM plugin's stand-in: says how it was run and what it read, exits 7
        Files.writeString(java, "#!/bin/sh\necho \"jvm $*\"\ncat\nexit 7\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        launcher = dir.resolve("weft-net");
        Files.writeString(launcher, CniSetup.launcher(java.toString(), "/opt/weft/lib/a b.jar", dir.resolve("weft-net.aot")));
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void stopServer() {
        if (server != null) server.close();
    }

    /** Starts the API with {@code cni} and records its address in the data directory, as a router does. */
    private void startRouter(Optional<CniService> cni, Optional<ApiToken> token) throws IOException {
        server = new ApiServer(new InetSocketAddress("127.0.0.1", 0), NO_ROUTER, new ObjectMapper(), token, cni);
        server.start();
        Files.writeString(dataDir.resolve("api.json"), "{\n  \"host\" : \"127.0.0.1\",\n  \"port\" : " + server.address().getPort() + ",\n  \"pid\" : 42\n}");
    }

    private record Run(int exit, String stdout) {
    }

    private Run run(Map<String, String> environment, String stdin) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bash", launcher.toString());
        builder.environment().keySet().removeIf(name -> name.startsWith("CNI_"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        try (var in = process.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(CALL.toSeconds(), TimeUnit.SECONDS), "the launcher did not end");
        return new Run(process.exitValue(), stdout);
    }

    private Map<String, String> add() {
        return Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "pod1abc", "CNI_IFNAME", "eth0", "CNI_NETNS", netns.toString(),
                "CNI_ARGS", "K8S_POD_NAME=web;K8S_POD_NAMESPACE=default", "CNI_PATH", "/opt/cni/bin");
    }

    private String config() {
        return CONFIG_TEMPLATE.formatted(dataDir);
    }

    @Test
    void aCallIsHandedToTheRouterWholeAndItsOutputAndExitStatusComeBack() throws Exception {
        startRouter(Optional.of(plugin), Optional.empty());
        reply = new CniService.Reply(1, "{\"code\":7,\"msg\":\"refused\"}\n".getBytes(StandardCharsets.UTF_8));
        Run run = run(add(), config());
        assertEquals(new Run(1, "{\"code\":7,\"msg\":\"refused\"}\n"), run);
        assertEquals(Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "pod1abc", "CNI_IFNAME", "eth0", "CNI_NETNS", netns.toString(),
                "CNI_ARGS", "K8S_POD_NAME=web;K8S_POD_NAMESPACE=default"), variables);
        assertEquals(config(), config);
        assertTrue(heldNetns.orElseThrow().matches("/proc/[0-9]+/fd/3"), heldNetns.toString());
        assertTrue(heldWasOpen, "the launcher did not hold the namespace open while the router worked");
    }

    @Test
    void anEmptyOutputComesBackEmptyAndANamespaceIsHeldOnlyForAddAndCheck() throws Exception {
        startRouter(Optional.of(plugin), Optional.empty());
        reply = new CniService.Reply(0, new byte[0]);
        Map<String, String> del = new HashMap<>(add());
        del.put("CNI_COMMAND", "DEL");
        assertEquals(new Run(0, ""), run(del, config()));
        assertEquals("DEL", variables.get("CNI_COMMAND"));
        assertEquals(Optional.empty(), heldNetns);
    }

    @Test
    void aRouterWhoseApiNeedsItsTokenGetsItFromTheDataDirectory() throws Exception {
        startRouter(Optional.of(plugin), Optional.of(ApiTokenFile.readOrCreate(dataDir, new SecureRandom())));
        assertEquals(0, run(add(), config()).exit());
        assertEquals("ADD", variables.get("CNI_COMMAND"));
    }

    @Test
    void withNoRouterTheJvmPluginAnswersWithWhatTheRuntimeSent() throws Exception {
        try (ServerSocket closed = new ServerSocket(0)) {
            // an address recorded by a router that died: nothing listens there any more
            Files.writeString(dataDir.resolve("api.json"), "{\"host\":\"127.0.0.1\",\"port\":" + closed.getLocalPort() + ",\"pid\":42}");
        }
        Run run = run(add(), config());
        assertEquals(7, run.exit());
        assertEquals("jvm -Xlog:disable -Xlog:all=off -XX:TieredStopAtLevel=1 -cp /opt/weft/lib/a b.jar weft.kube.cni.CniPlugin\n" + config() + "\n",
                run.stdout());
        Files.writeString(dir.resolve("weft-net.aot"), "cache");
        assertTrue(run(add(), config()).stdout().startsWith("jvm -XX:AOTCache=" + dir.resolve("weft-net.aot") + " -Xlog:disable"));
    }

    @Test
    void aRouterThatDoesNotServeCniCallsSendsTheCallToTheJvm() throws Exception {
        startRouter(Optional.empty(), Optional.empty());
        Run run = run(add(), config());
        assertEquals(7, run.exit());
        assertTrue(run.stdout().startsWith("jvm "), run.stdout());
    }

    @Test
    void whatTheLauncherDoesNotReadItselfGoesToTheJvmAndNeverToTheRouter() throws Exception {
        startRouter(Optional.of(plugin), Optional.empty());
        Map<String, String> missingNamespace = new HashMap<>(add());
        missingNamespace.put("CNI_NETNS", dir.resolve("gone").toString());
        Map<String, String> newline = new HashMap<>(add());
        newline.put("CNI_ARGS", "A=1\nB=2");
        List<Map.Entry<Map<String, String>, String>> cases = List.of(
                Map.entry(missingNamespace, config()), // the JVM says so with the spec's code
                Map.entry(newline, config()), // not a header value
                Map.entry(add(), "{\"cniVersion\":\"1.0.0\",\"name\":\"weft\",\"type\":\"weft-net\",\"httpAddr\":\"127.0.0.1:1\"}"),
                Map.entry(add(), "{\"dataDir\":\"" + dataDir + "\",\"dataDir\":\"/elsewhere\"}"),
                Map.entry(add(), "{\"dataDir\":\"" + dataDir.toString().replace("/", "\\/") + "\"}"));
        for (var c : cases) {
            Run run = run(c.getKey(), c.getValue());
            assertTrue(run.stdout().startsWith("jvm ") && run.stdout().endsWith(c.getValue() + "\n"), c + ": " + run.stdout());
        }
        assertNull(variables, "the router was handed a call the launcher could not read");
        assertFalse(Files.exists(dir.resolve("gone")));
    }
}

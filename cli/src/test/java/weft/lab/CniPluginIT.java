package weft.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CNI plugin {@code weft-net} as a runtime calls it, installed by {@code weft setup-cni}, against a real router in
 * a lab host: ADD gives the pod an interface with an address from the allocator and a default route through the
 * bridge (the same address twice), CHECK, STATUS, VERSION, DEL (twice), and GC of a pod the runtime no longer lists.
 * Every call is served by the router (the launcher is given no JVM to fall back on); once the router is gone the
 * launcher's JVM answers STATUS and VERSION.
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
class CniPluginIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL = Duration.ofSeconds(60);

    /** The plugin's configuration as libcni hands it over: the conflist's first plugin with the list's version and name. */
    private static ObjectNode config(Path conflist) throws Exception {
        JsonNode list = JSON.readTree(conflist.toFile());
        ObjectNode plugin = (ObjectNode) list.path("plugins").get(0).deepCopy();
        plugin.put("cniVersion", list.path("cniVersion").asText()).put("name", list.path("name").asText());
        return plugin;
    }

    /** Where {@code weft setup-cni} put the plugin, and the plugin's configuration as the runtime hands it over. */
    private record Installed(Path bin, ObjectNode config) {}

    /** Launches a router on {@code host} and installs the plugin for it into the lab's directory. */
    private static Installed launchWithPlugin(Lab lab, Host host) throws Exception {
        lab.weft(host, "launch", "--no-fastdp").orThrow();
        Path bin = lab.dir().resolve("cni-bin"), conf = lab.dir().resolve("cni-conf");
        ExecResult setup = lab.weft(host, "setup-cni", "--bin-dir", bin.toString(), "--conf-dir", conf.toString());
        assertTrue(setup.ok(), setup.describe());
        return new Installed(bin, config(conf.resolve("10-weft.conflist")));
    }

    private static ExecResult call(Host host, Path plugin, String command, String containerId, String netns, JsonNode config) {
        Map<String, String> env = new HashMap<>(Map.of("CNI_COMMAND", command, "CNI_CONTAINERID", containerId, "CNI_IFNAME", "eth0",
                "CNI_PATH", plugin.getParent().toString(), "CNI_CONFIG", config.toString()));
        if (netns != null) env.put("CNI_NETNS", netns);
        return Exec.run(host.netns(), env, CALL, List.of("sh", "-c", "printf '%s' \"$CNI_CONFIG\" | " + plugin));
    }

    @Test
    void aRuntimeAddsChecksAndDeletesPodsThroughThePlugin() throws Exception {
        try (Lab lab = Lab.create(1)) {
            Host host = lab.host(1);
            Installed installed = launchWithPlugin(lab, host);
            Path launcher = installed.bin().resolve("weft-net");
            // the launcher with no JVM to start: each call below must be served by the router
            Path plugin = installed.bin().resolve("weft-net-router-only");
            Files.writeString(plugin, Files.readString(launcher).replaceFirst("(?m)^JAVA=.*$", "JAVA=/nonexistent/java"));
            Files.setPosixFilePermissions(plugin, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            ObjectNode config = installed.config();
            assertEquals(host.dataDir().toString(), config.path("dataDir").asText());

            String pod = lab.container(host, "pod1");
            String netns = "/run/netns/" + pod;
            ExecResult added = call(host, plugin, "ADD", "pod1abc", netns, config);
            assertEquals(0, added.exitCode(), added.describe());
            JsonNode result = JSON.readTree(added.stdout());
            assertEquals("1.0.0", result.path("cniVersion").asText());
            String address = result.path("ips").get(0).path("address").asText();
            String gateway = result.path("ips").get(0).path("gateway").asText();
            assertTrue(address.endsWith("/12") && !gateway.isEmpty(), result.toString());
            assertEquals("eth0", result.path("interfaces").get(1).path("name").asText());
            assertEquals(netns, result.path("interfaces").get(1).path("sandbox").asText());
            assertEquals(1, result.path("ips").get(0).path("interface").asInt());
            assertEquals("0.0.0.0/0", result.path("routes").get(0).path("dst").asText());

            String inside = lab.exec(pod, Duration.ofSeconds(5), "ip", "-4", "addr", "show", "eth0").orThrow().stdout();
            assertTrue(inside.contains(address), inside);
            String routes = lab.exec(pod, Duration.ofSeconds(5), "ip", "route").orThrow().stdout();
            assertTrue(routes.contains("default via " + gateway + " dev eth0"), routes);
            assertTrue(lab.exec(pod, Duration.ofSeconds(10), "ping", "-c", "1", "-W", "2", gateway).ok(), "the pod does not reach the bridge");

            ExecResult again = call(host, plugin, "ADD", "pod1abc", netns, config);
            assertEquals(0, again.exitCode(), again.describe());
            assertEquals(address, JSON.readTree(again.stdout()).path("ips").get(0).path("address").asText(), "a second ADD gave another address");

            ObjectNode withPrev = config.deepCopy();
            withPrev.set("prevResult", result);
            ExecResult checked = call(host, plugin, "CHECK", "pod1abc", netns, withPrev);
            assertEquals(0, checked.exitCode(), checked.describe());
            ObjectNode current = config.deepCopy().put("cniVersion", "1.1.0"); // STATUS and GC came with 1.1.0
            ExecResult status = call(host, plugin, "STATUS", "pod1abc", null, current);
            assertEquals(0, status.exitCode(), status.describe());
            ExecResult version = call(host, plugin, "VERSION", "pod1abc", null, config);
            assertTrue(version.stdout().contains("\"supportedVersions\":[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]"), version.describe());

            String other = lab.container(host, "pod2");
            assertEquals(0, call(host, plugin, "ADD", "pod2def", "/run/netns/" + other, config).exitCode());
            ObjectNode gc = current.deepCopy();
            gc.putArray("cni.dev/valid-attachments").addObject().put("containerID", "pod1abc").put("ifname", "eth0");
            ExecResult collected = call(host, plugin, "GC", "", null, gc);
            assertEquals(0, collected.exitCode(), collected.describe());
            assertFalse(lab.exec(other, Duration.ofSeconds(5), "ip", "link", "show", "eth0").ok(), "GC left the unlisted pod's interface");

            ExecResult deleted = call(host, plugin, "DEL", "pod1abc", netns, config);
            assertEquals(0, deleted.exitCode(), deleted.describe());
            assertFalse(lab.exec(pod, Duration.ofSeconds(5), "ip", "link", "show", "eth0").ok(), "DEL left eth0");
            ExecResult twice = call(host, plugin, "DEL", "pod1abc", null, config);
            assertEquals(0, twice.exitCode(), "DEL is idempotent: " + twice.describe());
            String ps = lab.weft(host, "ps").orThrow().stdout();
            assertFalse(ps.contains("cni:"), ps);

            ExecResult bad = call(host, plugin, "ADD", "pod3", null, config);
            assertEquals(1, bad.exitCode());
            assertEquals(4, JSON.readTree(bad.stdout()).path("code").asInt(), bad.describe());
            assertTrue(Files.isExecutable(launcher));

            lab.weft(host, "stop").orThrow();
            ExecResult noRouter = call(host, launcher, "STATUS", "pod1abc", null, current);
            assertEquals(1, noRouter.exitCode(), noRouter.describe());
            assertEquals(50, JSON.readTree(noRouter.stdout()).path("code").asInt(), noRouter.describe());
            ExecResult versionAlone = call(host, launcher, "VERSION", "pod1abc", null, config);
            assertEquals(0, versionAlone.exitCode(), versionAlone.describe());
            assertTrue(versionAlone.stdout().contains("\"1.1.0\""), versionAlone.describe());
        }
    }

    @Test
    void twentyAddsAtOnceAllSucceedWithDistinctAddresses() throws Exception {
        try (Lab lab = Lab.create(1)) {
            Host host = lab.host(1);
            Installed installed = launchWithPlugin(lab, host);
            Path bin = installed.bin();
            ObjectNode config = installed.config();
            List<String> pods = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) pods.add(lab.container(host, "q" + i));
            List<ExecResult> results;
            try (var pool = java.util.concurrent.Executors.newFixedThreadPool(20)) {
                List<java.util.concurrent.Future<ExecResult>> calls = new java.util.ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    String id = "q" + i + "id", netns = "/run/netns/" + pods.get(i);
                    calls.add(pool.submit(() -> call(host, bin.resolve("weft-net"), "ADD", id, netns, config)));
                }
                results = new java.util.ArrayList<>();
                for (var call : calls) results.add(call.get());
            }
            java.util.Set<String> addresses = new java.util.HashSet<>();
            for (ExecResult r : results) {
                assertEquals(0, r.exitCode(), r.describe());
                addresses.add(JSON.readTree(r.stdout()).path("ips").get(0).path("address").asText());
            }
            assertEquals(20, addresses.size(), "two pods got one address: " + addresses);
            String exposed = lab.weft(host, "ps").orThrow().stdout().lines().filter(l -> l.startsWith("weft:expose")).findFirst().orElseThrow();
            assertEquals(3, exposed.split(" ").length, "the host was exposed once, with one address: " + exposed);
        }
    }

    /**
     * A runtime whose namespace files exist only in its own mount namespace (podman and containerd bind-mount them
     * under /run/netns; a router in a container or in another mount namespace sees an empty file there): the plugin
     * hands the router the namespace it holds open, so the ADD works all the same.
     */
    @Test
    void aNamespacePathThatOnlyTheRuntimeCanSeeStillWorks() throws Exception {
        try (Lab lab = Lab.create(1)) {
            Host host = lab.host(1);
            Installed installed = launchWithPlugin(lab, host);
            Path bin = installed.bin();
            ObjectNode config = installed.config();
            String pod = lab.container(host, "hidden");
            Path privatePath = lab.dir().resolve("private-netns");
            Files.createFile(privatePath); // what the router sees: an empty file
            Map<String, String> env = Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "hidden1", "CNI_IFNAME", "eth0",
                    "CNI_NETNS", privatePath.toString(), "CNI_PATH", bin.toString(), "CNI_CONFIG", config.toString());
            String script = "mount --make-rprivate / && mount --bind /run/netns/" + pod + " " + privatePath
                    + " && printf '%s' \"$CNI_CONFIG\" | " + bin.resolve("weft-net");
            ExecResult added = Exec.run(host.netns(), env, CALL, List.of("unshare", "-m", "sh", "-c", script));
            assertEquals(0, added.exitCode(), added.describe());
            String address = JSON.readTree(added.stdout()).path("ips").get(0).path("address").asText();
            String inside = lab.exec(pod, Duration.ofSeconds(5), "ip", "-4", "addr", "show", "eth0").orThrow().stdout();
            assertTrue(inside.contains(address), inside);
        }
    }
}

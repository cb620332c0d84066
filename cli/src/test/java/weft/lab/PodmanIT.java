package weft.lab;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real CNI runtime: Debian's podman 4.3 with its CNI backend (libcni) on two lab hosts, calling {@code weft-net} as
 * installed by {@code weft setup-cni}, with the reference {@code portmap} plugin chained after it. A container on
 * host 1 pings one on host 2 through Weft; {@code -p 8080:80} reaches a web server in a container through portmap;
 * {@code podman rm} gives the address back. The image is a busybox root imported here (no registry is reachable).
 *
 * <p>Podman runs with runc, ulimits within root's hard limits and a configuration of its own per host (plugin and
 * network directories in the lab), entered with {@code nsenter --net} so that the host's cgroup mounts stay visible
 * ({@code ip netns exec} mounts a fresh /sys over them).
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
class PodmanIT {
    private static final String IMAGE = "localhost/weft-busybox:lab";
    private static final Duration PODMAN = Duration.ofSeconds(120);
    private static Lab lab;

    @BeforeAll
    static void launch() throws IOException {
        importImage();
        lab = Lab.create(2);
        for (Host host : lab.hosts()) {
            Host other = lab.hosts().stream().filter(h -> h != host).findFirst().orElseThrow();
            lab.weft(host, "launch", "--nickname", "host" + host.index(), "--no-fastdp", other.underlayAddress()).orThrow();
            Path bin = lab.dir().resolve("cni-bin" + host.index()), conf = lab.dir().resolve("cni-conf" + host.index());
            lab.weft(host, "setup-cni", "--bin-dir", bin.toString(), "--conf-dir", conf.toString()).orThrow();
            Files.writeString(containersConf(host), """
                    [containers]
                    default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
                    [engine]
                    runtime = "runc"
                    [network]
                    cni_plugin_dirs = ["%s", "/usr/lib/cni"]
                    network_config_dir = "%s"
                    """.formatted(bin, conf));
        }
    }

    @AfterAll
    static void tearDown() {
        if (lab == null) return;
        for (Host host : lab.hosts()) podman(host, "rm", "-f", "-a"); // containers first: their namespaces hold the lab's links
        lab.close();
    }

    /** A busybox root as an image, imported once per machine. */
    private static void importImage() throws IOException {
        if (Exec.run(null, Map.of(), PODMAN, List.of("podman", "image", "exists", IMAGE)).ok()) return;
        Path root = Files.createTempDirectory("weft-busybox");
        try {
            for (String dir : List.of("bin", "proc", "sys", "dev", "etc", "tmp", "www")) Files.createDirectories(root.resolve(dir));
            Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
            for (String applet : List.of("sh", "ping", "ip", "httpd", "sleep", "cat", "wget", "echo")) {
                Files.createSymbolicLink(root.resolve("bin").resolve(applet), Path.of("busybox"));
            }
            Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/:/bin/sh\n");
            Files.writeString(root.resolve("www/index.html"), "served through portmap\n");
            Exec.run(null, Map.of(), PODMAN, List.of("sh", "-c", "tar -C " + root + " -cf - . | podman import - " + IMAGE)).orThrow();
        } finally {
            Exec.run(null, Map.of(), PODMAN, List.of("rm", "-rf", root.toString()));
        }
    }

    private static Path containersConf(Host host) {
        return lab.dir().resolve("containers" + host.index() + ".conf");
    }

    private static ExecResult podman(Host host, String... args) {
        List<String> command = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + host.netns(), "podman"));
        command.addAll(List.of(args));
        return Exec.run(null, Map.of("CONTAINERS_CONF", containersConf(host).toString()), PODMAN, command);
    }

    @Test
    void containersOnTwoHostsReachEachOtherAPortMapsAndRemovingOneGivesItsAddressBack() {
        Host h1 = lab.host(1), h2 = lab.host(2);
        ExecResult server = podman(h2, "run", "-d", "--name", "web", "--network", "weft", "-p", "8080:80", IMAGE, "httpd", "-f", "-p", "80", "-h", "/www");
        assertTrue(server.ok(), server.describe());
        String id = server.stdout().strip();
        String address = podman(h2, "exec", "web", "ip", "-4", "-o", "addr", "show", "eth0").orThrow().stdout().split("\\s+")[3].split("/")[0];
        assertTrue(lab.weft(h2, "ps").orThrow().stdout().contains("cni:" + id + ":eth0"), "the router does not know the container");

        ExecResult ping = podman(h1, "run", "--rm", "--network", "weft", IMAGE, "ping", "-c", "3", "-W", "2", address);
        assertTrue(ping.ok() && ping.stdout().contains("3 packets received"), ping.describe());

        ExecResult page = lab.exec(h1.netns(), Duration.ofSeconds(20), "sh", "-c", "busybox wget -q -O - http://" + h2.underlayAddress() + ":8080/");
        assertEquals("served through portmap\n", page.stdout(), page.describe());

        podman(h2, "rm", "-f", "web").orThrow();
        String ps = lab.weft(h2, "ps").orThrow().stdout();
        assertFalse(ps.contains("cni:"), "podman rm left the interface: " + ps);
        String ipam = lab.weft(h2, "status", "ipam").orThrow().stdout();
        assertTrue(ipam.contains("Here: 1 allocated"), "the container's address was not given back (the bridge's is the one left): " + ipam);
    }
}

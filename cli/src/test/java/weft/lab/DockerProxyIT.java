package weft.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Docker API proxy with Debian's engine on two lab hosts: {@code docker run} through it puts containers on the
 * overlay (and keeps Docker's bridge, its port mappings and attached stdin working), the container's process sees
 * its address from its first instruction in 50 runs of 50, an address in the range the other host's router owns is
 * handed over (to {@code WEFT_CIDR=ip:} and to {@code weft attach}) and refused there after, {@code WEFT_CIDR} chooses the subnet or leaves the
 * container alone and a malformed one fails the run naming the variable with nothing left, the address goes back on
 * {@code docker rm} (and, when the router was down then, by its sweep once it is back), and an engine that is gone is
 * reported as such.
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
class DockerProxyIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration RELEASE = Duration.ofSeconds(10);
    private static final String INET = "(?s).*inet 10\\.(3[2-9]|4[0-7])\\.[0-9.]+/12 .*";


    @Test
    void containersRunThroughTheProxyAreOnTheOverlayFromTheirFirstInstruction() throws Exception {
        try (Lab lab = Lab.create(2)) {
            Host one = lab.host(1), two = lab.host(2);
            try (LabDocker docker1 = LabDocker.start(lab, one); LabDocker docker2 = LabDocker.start(lab, two)) {
                lab.weft(one, "launch", "--no-fastdp", "--docker-api", "unix://" + docker1.socket(), two.underlayAddress()).orThrow();
                lab.weft(two, "launch", "--no-fastdp", "--docker-api", "unix://" + docker2.socket(), one.underlayAddress()).orThrow();

                docker1.viaProxy("run", "-d", "--name", "p1", "-p", "8080:80", LabDocker.BUSYBOX, "httpd", "-f", "-p", "80", "-h", "/").orThrow();
                JsonNode networks = JSON.readTree(docker1.docker("inspect", "-f", "{{json .NetworkSettings.Networks}}", "p1").orThrow().stdout());
                assertTrue(networks.has("bridge") && networks.has("weft"), "p1 is on " + networks);
                String address = networks.path("weft").path("IPAddress").asText();
                ExecResult ping = docker2.viaProxy("run", "--rm", LabDocker.BUSYBOX, "ping", "-c", "3", "-W", "2", address);
                assertTrue(ping.ok(), "a container on host 2 does not reach p1 on host 1: " + ping.describe());
                ExecResult published = lab.exec(one.netns(), Duration.ofSeconds(20), "busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/bin/busybox");
                assertTrue(published.ok(), "-p 8080:80 does not reach p1's web server: " + published.describe());

                for (int i = 0; i < 50; i++) {
                    ExecResult first = docker2.viaProxy("run", "--rm", LabDocker.BUSYBOX, "ip", "-4", "addr", "show", "ethwe0");
                    assertTrue(first.ok() && first.stdout().matches(INET), "run " + (i + 1) + " of 50: " + first.describe());
                }

                // an address in the range host 2's router owns: it hands the address over, to the proxy and to the CLI alike
                int beforeClaims = LabDocker.allocations(lab, one);
                String claimed = lab.addressOwnedBy(two, 4096 + 77);
                docker1.viaProxy("run", "-d", "--name", "claimed", "-e", "WEFT_CIDR=ip:" + claimed + "/12", LabDocker.BUSYBOX, "sleep", "600").orThrow();
                ExecResult reachClaimed = docker2.viaProxy("run", "--rm", LabDocker.BUSYBOX, "ping", "-c", "3", "-W", "2", claimed);
                assertTrue(reachClaimed.ok(), "host 2 does not reach the address it handed over to host 1: " + reachClaimed.describe());
                ExecResult twice = docker2.viaProxy("run", "--rm", "-e", "WEFT_CIDR=ip:" + claimed + "/12", LabDocker.BUSYBOX, "true");
                assertFalse(twice.ok(), "an address held on host 1 was given on host 2 too: " + twice.describe());
                assertTrue(twice.stderr().contains(claimed + " is in use at peer"), twice.describe());
                docker1.viaProxy("restart", "-t", "1", "claimed").orThrow();
                ExecResult restarted = docker1.docker("exec", "claimed", "ip", "-4", "addr", "show", "ethwe0");
                assertTrue(restarted.ok() && restarted.stdout().contains("inet " + claimed + "/12"), "a restart kept the address WEFT_CIDR names: " + restarted.describe());
                docker1.viaProxy("run", "-d", "--name", "plain", "-e", "WEFT_CIDR=none", LabDocker.BUSYBOX, "sleep", "600").orThrow();
                String attached = lab.addressOwnedBy(two, 8192 + 99);
                lab.weft(one, "attach", attached + "/12", "plain").orThrow();
                ExecResult reachAttached = docker2.viaProxy("run", "--rm", LabDocker.BUSYBOX, "ping", "-c", "3", "-W", "2", attached);
                assertTrue(reachAttached.ok(), "weft attach of an address host 2 owned: " + reachAttached.describe());
                lab.weft(one, "detach", "plain").orThrow(); // gives its address back now, not after the router's 30 s grace for a container gone
                docker1.viaProxy("rm", "-f", "claimed", "plain").orThrow();
                assertTrue(Poll.until(() -> LabDocker.allocations(lab, one) == beforeClaims, RELEASE), "the claimed addresses were not given back");

                ExecResult echoed = Exec.run(two.netns(), Map.of(), Duration.ofSeconds(60), List.of("sh", "-c",
                        "echo through-the-proxy | docker --host unix://" + two.dataDir().resolve("weft-proxy.sock") + " run -i --rm " + LabDocker.BUSYBOX + " cat"));
                assertEquals("through-the-proxy", echoed.stdout().strip(), "stdin through an attached run: " + echoed.describe());

                ExecResult subnet = docker1.viaProxy("run", "--rm", "-e", "WEFT_CIDR=net:10.33.0.0/16", LabDocker.BUSYBOX, "ip", "-4", "addr", "show", "ethwe0");
                assertTrue(subnet.ok() && subnet.stdout().contains("inet 10.33."), subnet.describe());
                ExecResult alone = docker1.viaProxy("run", "--rm", "-e", "WEFT_CIDR=none", LabDocker.BUSYBOX, "ip", "link", "show", "ethwe0");
                assertFalse(alone.ok(), "WEFT_CIDR=none still got ethwe0: " + alone.describe());
                ExecResult host = docker1.viaProxy("run", "--rm", "--network", "host", LabDocker.BUSYBOX, "true");
                assertTrue(host.ok(), host.describe());

                int containers = docker1.docker("ps", "-aq").orThrow().stdout().lines().toList().size();
                ExecResult bad = docker1.viaProxy("run", "--rm", "-e", "WEFT_CIDR=banana", LabDocker.BUSYBOX, "true");
                assertFalse(bad.ok());
                assertTrue(bad.stderr().contains("invalid WEFT_CIDR 'banana'"), bad.describe());
                assertEquals(containers, docker1.docker("ps", "-aq").orThrow().stdout().lines().toList().size(), "a refused run left a container");

                int before = LabDocker.allocations(lab, one);
                docker1.viaProxy("rm", "-f", "p1").orThrow();
                assertTrue(Poll.until(() -> LabDocker.allocations(lab, one) == before - 1, RELEASE), "p1's address was not given back");

                // a release the router missed: it is down while the engine removes a container; its sweep gives the address back
                docker1.viaProxy("run", "-d", "--name", "m1", LabDocker.BUSYBOX, "sleep", "600").orThrow();
                int held = LabDocker.allocations(lab, one);
                lab.weft(one, "stop").orThrow();
                docker1.docker("rm", "-f", "m1").orThrow();
                lab.weft(one, "launch", "--no-fastdp", "--docker-api", "unix://" + docker1.socket(), two.underlayAddress()).orThrow();
                assertEquals(held, LabDocker.allocations(lab, one), "the router lost an address while it was down");
                assertTrue(Poll.until(() -> LabDocker.allocations(lab, one) == held - 1, Duration.ofSeconds(75)), "the sweep did not give back m1's address");
            }
            ExecResult engineGone = lab.exec(one.netns(), Duration.ofSeconds(30), "docker", "--host", "unix://" + one.dataDir().resolve("weft-proxy.sock"), "ps");
            assertFalse(engineGone.ok());
            assertTrue(engineGone.stderr().contains("does not answer"), engineGone.describe());
        }
    }

    @Test
    void containersStartedThroughTheProxyFindEachOtherByNameOnWeftDns() throws Exception {
        try (Lab lab = Lab.create(2)) {
            Host one = lab.host(1), two = lab.host(2);
            try (LabDocker docker1 = LabDocker.start(lab, one); LabDocker docker2 = LabDocker.start(lab, two)) {
                lab.weft(one, "launch", "--no-fastdp", "--docker-api", "unix://" + docker1.socket(), two.underlayAddress()).orThrow();
                lab.weft(two, "launch", "--no-fastdp", "--docker-api", "unix://" + docker2.socket(), one.underlayAddress()).orThrow();
                lab.weft(one, "expose").orThrow(); // Weft DNS answers on the bridge's overlay address
                String dns2 = Lab.firstAddress(lab.weft(two, "expose").orThrow().stdout());

                docker1.viaProxy("run", "-d", "--name", "db", LabDocker.BUSYBOX, "sleep", "600").orThrow();
                String address = JSON.readTree(docker1.docker("inspect", "-f", "{{json .NetworkSettings.Networks}}", "db").orThrow().stdout())
                        .path("weft").path("IPAddress").asText();
                // the weft network is a user-defined one, so Docker's embedded resolver (127.0.0.11) is the container's name
                // server, and it forwards what it does not know to the --dns servers: Weft DNS
                ExecResult resolvConf = docker2.viaProxy("run", "--rm", LabDocker.BUSYBOX, "cat", "/etc/resolv.conf");
                assertTrue(resolvConf.ok() && resolvConf.stdout().contains("search weft.local"), "the search domain: " + resolvConf.describe());
                docker2.viaProxy("create", "--name", "probe", LabDocker.BUSYBOX, "true").orThrow();
                assertEquals("[\"" + dns2 + "\"]", docker2.docker("inspect", "-f", "{{json .HostConfig.Dns}}", "probe").orThrow().stdout().strip(),
                        "Weft DNS is the container's name server");
                assertEquals("db", docker1.docker("exec", "db", "busybox", "hostname").orThrow().stdout().strip(), "its name is its host name");
                ExecResult found = Poll.until(() -> docker2.viaProxy("run", "--rm", LabDocker.BUSYBOX, "busybox", "nslookup", "db.weft.local"),
                        r -> r.stdout().contains("Address: " + address), Duration.ofSeconds(30));
                assertTrue(found.stdout().contains("Address: " + address), "a container on host 2 finds db on host 1 by name: " + found.describe()
                        + "\n" + lab.weft(one, "status", "dns").stdout() + lab.weft(two, "status", "dns").stdout());
                ExecResult ping = docker2.viaProxy("run", "--rm", LabDocker.BUSYBOX, "ping", "-c", "1", "-W", "2", address);
                assertTrue(ping.ok(), ping.describe());
                docker2.viaProxy("create", "--name", "own", "--dns", "192.0.2.53", LabDocker.BUSYBOX, "true").orThrow();
                assertEquals("[\"192.0.2.53\"]", docker2.docker("inspect", "-f", "{{json .HostConfig.Dns}}", "own").orThrow().stdout().strip(),
                        "--dns is the user's");
                // weft attach of a container the engine ran with a host name in the domain: that name, as Weave did
                docker1.docker("run", "-d", "--name", "plain", "-h", "web", "--domainname", "weft.local", LabDocker.BUSYBOX, "sleep", "600").orThrow();
                String webAddress = Lab.firstAddress(lab.weft(one, "attach", "plain").orThrow().stdout());
                assertEquals(webAddress, Poll.until(() -> lab.weft(two, "dns-lookup", "web").stdout().strip(), webAddress::equals,
                        Duration.ofSeconds(30)), "an attached container's own host name");
                lab.weft(one, "detach", "plain").orThrow();
                assertTrue(Poll.until(() -> lab.weft(two, "dns-lookup", "web").exitCode() == 1, Duration.ofSeconds(30)), "detached: its name goes");

                docker1.viaProxy("rm", "-f", "db").orThrow();
                assertTrue(Poll.until(() -> lab.weft(two, "dns-lookup", "db").exitCode() == 1, Duration.ofSeconds(30)),
                        "a removed container's name goes from Weft DNS");
            }
        }
    }

    /** A CA, a certificate for 127.0.0.1 and one for a client, both signed by it, made with openssl in {@code dir}. */
    private static void certificates(Lab lab, java.nio.file.Path dir) throws java.io.IOException {
        java.nio.file.Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        java.nio.file.Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        String script = "cd '" + dir + "' && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=ca"
                + " && for s in server client; do openssl req -newkey rsa:2048 -nodes -keyout $s.key -out $s.csr -subj /CN=$s"
                + " && openssl x509 -req -in $s.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $s.pem -days 2 -extfile $s.ext || exit 1; done";
        lab.exec(null, Duration.ofSeconds(60), "sh", "-c", script).orThrow();
    }

    @Test
    void onTcpWithTlsTheProxyServesTheDockerClientWithACertificateOfItsCaOnly() throws Exception {
        try (Lab lab = Lab.create(1)) {
            Host one = lab.host(1);
            java.nio.file.Path tls = java.nio.file.Files.createDirectories(lab.dir().resolve("tls"));
            certificates(lab, tls);
            try (LabDocker docker = LabDocker.start(lab, one)) {
                lab.weft(one, "launch", "--no-fastdp", "--docker-api", "unix://" + docker.socket(), "--proxy-addr", "tcp://127.0.0.1:12375",
                        "--proxy-tls-cert", tls.resolve("server.pem").toString(), "--proxy-tls-key", tls.resolve("server.key").toString(),
                        "--proxy-tls-ca", tls.resolve("ca.pem").toString()).orThrow();
                List<String> client = List.of("docker", "--tlsverify", "--tlscacert", tls.resolve("ca.pem").toString(), "--tlscert",
                        tls.resolve("client.pem").toString(), "--tlskey", tls.resolve("client.key").toString(), "--host", "tcp://127.0.0.1:12375");
                List<String> run = new java.util.ArrayList<>(client);
                run.addAll(List.of("run", "--rm", LabDocker.BUSYBOX, "ip", "-4", "addr", "show", "ethwe0"));
                ExecResult onOverlay = lab.exec(one.netns(), Duration.ofSeconds(60), run.toArray(String[]::new));
                assertTrue(onOverlay.ok() && onOverlay.stdout().matches(INET), "docker run over TLS: " + onOverlay.describe());
                // the end of stdin ends the run: the client's close_notify reaches the engine as the end of its input
                // (without that, the run waited about a minute for the engine to give up)
                ExecResult echoed = Exec.run(one.netns(), Map.of(), Duration.ofSeconds(20), List.of("sh", "-c",
                        "echo over-tls | " + String.join(" ", client) + " run -i --rm " + LabDocker.BUSYBOX + " cat"));
                assertEquals("over-tls", echoed.stdout().strip(), "stdin through an attached run over TLS: " + echoed.describe());
                ExecResult stranger = lab.exec(one.netns(), Duration.ofSeconds(30), "docker", "--tlsverify", "--tlscacert", tls.resolve("ca.pem").toString(),
                        "--host", "tcp://127.0.0.1:12375", "ps");
                assertFalse(stranger.ok(), "a client without a certificate was served: " + stranger.describe());
            }
        }
    }

    @Test
    void anEngineRestartGivesBackTheAddressesOfContainersItDoesNotRestartAndKeepsANamedOne() throws Exception {
        try (Lab lab = Lab.create(1)) {
            Host one = lab.host(1);
            try (LabDocker docker = LabDocker.start(lab, one)) {
                lab.weft(one, "launch", "--no-fastdp", "--docker-api", "unix://" + docker.socket()).orThrow();
                String named = "10.32.5.77"; // the only router owns the whole range
                docker.viaProxy("run", "-d", "--name", "kept", "--restart", "always", "-e", "WEFT_CIDR=ip:" + named + "/12", LabDocker.BUSYBOX, "sleep", "600").orThrow();
                docker.viaProxy("run", "-d", "--name", "left", LabDocker.BUSYBOX, "sleep", "600").orThrow();
                int held = LabDocker.allocations(lab, one); // theirs and the weft network's gateway

                docker.restart(); // "left" has no restart policy: it stays stopped, and its address must go back
                ExecResult again = Poll.until(() -> docker.docker("exec", "kept", "ip", "-4", "addr", "show", "ethwe0"),
                        result -> result.ok() && result.stdout().contains("inet " + named + "/12"), Duration.ofSeconds(60));
                assertTrue(again.stdout().contains("inet " + named + "/12"), "the restarted container has its named address again: " + again.describe());
                // released by the engine as it stops the container, or else by the proxy's sweep (two passes, 30 s apart)
                assertTrue(Poll.until(() -> LabDocker.allocations(lab, one) == held - 1, Duration.ofSeconds(75)),
                        "the stopped container's address did not go back: " + LabDocker.allocations(lab, one) + " held, " + (held - 1) + " expected");
            }
        }
    }
}

package weft.cli;

import org.junit.jupiter.api.Test;
import weft.router.RouterConfig;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouterOptionsTest {
    private static Optional<RouterConfig.FixedMtu> mtu(List<String> args, Map<String, String> environment) {
        return RouterOptions.parse(CommandLine.parse("router", RouterOptions.ALL, args), environment).fixedMtu();
    }

    @Test
    void shouldLeaveTheMtuToTheUnderlayUnlessTheOptionOrTheEnvironmentSetsIt() {
        assertEquals(Optional.empty(), mtu(List.of(), Map.of()));
        assertEquals(Optional.empty(), mtu(List.of(), Map.of("WEFT_MTU", "")), "an empty variable is as good as none");
        assertEquals(Optional.of(new RouterConfig.FixedMtu(8000, "WEFT_MTU")), mtu(List.of(), Map.of("WEFT_MTU", "8000")));
        assertEquals(Optional.of(new RouterConfig.FixedMtu(1376, "--mtu")), mtu(List.of("--mtu", "1376"), Map.of("WEFT_MTU", "8000")));
    }

    @Test
    void shouldSayWhichSettingIsOutOfBounds() {
        var error = assertThrows(IllegalArgumentException.class, () -> mtu(List.of(), Map.of("WEFT_MTU", "70000")));
        assertEquals("MTU 70000 is not in 576..65000 (from WEFT_MTU)", error.getMessage());
        error = assertThrows(IllegalArgumentException.class, () -> mtu(List.of("--mtu", "many"), Map.of()));
        assertEquals("invalid --mtu 'many': expected a whole number", error.getMessage());
    }

    private static Optional<java.nio.file.Path> plugin(List<String> args, Map<String, String> environment) {
        return RouterOptions.pluginSocket(CommandLine.parse("router", RouterOptions.ALL, args), environment);
    }

    @Test
    void theDockerPluginIsServedWhereDockerLooksUnlessMovedOrTurnedOff() {
        assertEquals(Optional.of(java.nio.file.Path.of("/run/docker/plugins/weft.sock")), plugin(List.of(), Map.of()));
        assertEquals(Optional.of(java.nio.file.Path.of("/tmp/h1/plugins/weft.sock")), plugin(List.of(), Map.of("WEFT_PLUGIN_SOCKET", "/tmp/h1/plugins/weft.sock")));
        assertEquals(Optional.of(java.nio.file.Path.of("/srv/p/mesh.sock")),
                plugin(List.of("--plugin-socket", "/srv/p/../p/mesh.sock"), Map.of("WEFT_PLUGIN_SOCKET", "/tmp/x.sock")));
        assertEquals(Optional.empty(), plugin(List.of("--no-plugin"), Map.of("WEFT_PLUGIN_SOCKET", "/tmp/x.sock")));
        assertEquals("invalid --plugin-socket 'weft.sock': expected an absolute path to NAME.sock (Docker names the drivers NAME)",
                assertThrows(IllegalArgumentException.class, () -> plugin(List.of("--plugin-socket", "weft.sock"), Map.of())).getMessage());
        assertThrows(IllegalArgumentException.class, () -> plugin(List.of("--plugin-socket", "/run/weft"), Map.of()));
        assertEquals("--plugin-socket and --no-plugin contradict each other",
                assertThrows(IllegalArgumentException.class, () -> plugin(List.of("--no-plugin", "--plugin-socket", "/a/b.sock"), Map.of())).getMessage());
    }

    private static Optional<weft.proxy.docker.ProxyAddress> proxy(List<String> args, Map<String, String> environment) {
        return RouterOptions.proxyAddress(CommandLine.parse("router", RouterOptions.ALL, args), environment);
    }

    @Test
    void theProxyListensOnAUnixSocketOrOnTcpWithTlsOrOnLoopbackOnly(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        assertEquals("unix:///var/run/weft/weft.sock", proxy(List.of(), Map.of()).orElseThrow().dockerHost());
        assertEquals("unix:///tmp/h1/weft-proxy.sock", proxy(List.of(), Map.of("WEFT_PROXY_ADDR", "unix:///tmp/h1/weft-proxy.sock")).orElseThrow().dockerHost());
        assertEquals("tcp://127.0.0.1:12375", proxy(List.of("--proxy-addr", "tcp://127.0.0.1:12375"), Map.of()).orElseThrow().dockerHost());
        String refused = assertThrows(IllegalArgumentException.class, () -> proxy(List.of("--proxy-addr", "tcp://0.0.0.0:12375"), Map.of())).getMessage();
        assertTrue(refused.startsWith("invalid --proxy-addr 'tcp://0.0.0.0:12375': a Docker API on TCP without TLS is root on this host"), refused);
        java.nio.file.Path cert = java.nio.file.Files.writeString(dir.resolve("cert.pem"), "x"), key = java.nio.file.Files.writeString(dir.resolve("key.pem"), "x"),
                ca = java.nio.file.Files.writeString(dir.resolve("ca.pem"), "x");
        List<String> tls = List.of("--proxy-tls-cert", cert.toString(), "--proxy-tls-key", key.toString(), "--proxy-tls-ca", ca.toString());
        List<String> withTls = new java.util.ArrayList<>(List.of("--proxy-addr", "tcp://0.0.0.0:12375"));
        withTls.addAll(tls);
        var address = (weft.proxy.docker.ProxyAddress.Tcp) proxy(withTls, Map.of()).orElseThrow();
        assertEquals(Optional.of(new weft.proxy.docker.ProxyAddress.Tls(cert, key, ca)), address.tls());
        assertEquals("TLS for the Docker API proxy needs all of --proxy-tls-cert, --proxy-tls-key and --proxy-tls-ca",
                assertThrows(IllegalArgumentException.class, () -> proxy(List.of("--proxy-addr", "tcp://0.0.0.0:1", "--proxy-tls-cert", cert.toString()), Map.of())).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> proxy(tls, Map.of())).getMessage().contains("TLS is for a TCP address"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> proxy(List.of("--proxy-addr", "tcp://127.0.0.1:99999"), Map.of())).getMessage().contains("1 to 65535"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> proxy(List.of("--proxy-addr", "unix://relative.sock"), Map.of())).getMessage().contains("ABSOLUTE"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> proxy(List.of("--proxy-addr", "tcp://0.0.0.0:1", "--proxy-tls-cert", "/no/such", "--proxy-tls-key", key.toString(), "--proxy-tls-ca", ca.toString()), Map.of()))
                .getMessage().contains("--proxy-tls-cert /no/such: no such readable file"));
        assertEquals(Optional.empty(), proxy(List.of("--no-proxy"), Map.of("WEFT_PROXY_ADDR", "tcp://0.0.0.0:1")));
    }

    private static boolean fastPath(List<String> args, Map<String, String> environment) {
        return RouterOptions.parse(CommandLine.parse("router", RouterOptions.ALL, args), environment).fastPath();
    }

    @Test
    void shouldUseTheFastPathUnlessTheFlagOrASetWeftNoFastdpTurnsItOff() {
        assertEquals(true, fastPath(List.of(), Map.of()));
        assertEquals(false, fastPath(List.of("--no-fastdp"), Map.of()));
        assertEquals(false, fastPath(List.of(), Map.of("WEFT_NO_FASTDP", "1")));
        assertEquals(false, fastPath(List.of(), Map.of("WEFT_NO_FASTDP", "yes")));
        for (String off : List.of("", "0", "false", "no")) {
            assertEquals(true, fastPath(List.of(), Map.of("WEFT_NO_FASTDP", off)), "WEFT_NO_FASTDP=" + off + " does not turn it off");
        }
    }

    private static java.nio.file.Path dockerSocket(List<String> args) {
        return RouterOptions.parse(CommandLine.parse("router", RouterOptions.ALL, args), Map.of()).dockerSocket();
    }

    @Test
    void shouldSpeakThePreviousReleasesProtocolUnlessTheMinimumIsRaisedWithinWhatThisReleaseSpeaks() {
        assertEquals(3, parse(List.of(), Map.of()).minProtocol());
        assertEquals(4, parse(List.of("--min-protocol", "4"), Map.of()).minProtocol());
        assertEquals(5, parse(List.of("--min-protocol", "5"), Map.of()).minProtocol());
        var error = assertThrows(IllegalArgumentException.class, () -> parse(List.of("--min-protocol", "6"), Map.of()));
        assertEquals("--min-protocol 6: this release speaks mesh protocols 3..5", error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> parse(List.of("--min-protocol", "two"), Map.of()));
    }

    @Test
    void shouldAskTheDockerEngineAtItsDefaultSocketUnlessTheOptionNamesAnother() {
        assertEquals(java.nio.file.Path.of("/var/run/docker.sock"), dockerSocket(List.of()));
        assertEquals(java.nio.file.Path.of("/run/user/1000/docker.sock"), dockerSocket(List.of("--docker-api", "unix:///run/user/1000/docker.sock")));
        assertEquals(java.nio.file.Path.of("/srv/docker.sock"), dockerSocket(List.of("--docker-api=/srv/docker.sock")));
        var error = assertThrows(IllegalArgumentException.class, () -> dockerSocket(List.of("--docker-api", "tcp://1.2.3.4:2375")));
        assertEquals("invalid --docker-api 'tcp://1.2.3.4:2375': expected the engine's Unix socket, like unix:///var/run/docker.sock", error.getMessage());
    }

    private static RouterConfig parse(List<String> args, Map<String, String> environment) {
        return RouterOptions.parse(CommandLine.parse("router", RouterOptions.ALL, args), environment);
    }

    @Test
    void shouldRefuseAnApiAddressOtherHostsReachWithoutHttpRemoteWhereverTheAddressCameFrom() {
        var error = assertThrows(IllegalArgumentException.class, () -> parse(List.of("--http-addr", "0.0.0.0:6784", "--data-dir", "/srv/weft"), Map.of()));
        assertEquals("--http-addr 0.0.0.0:6784 is not a loopback address, so other hosts could control the router through its API:"
                + " add --http-remote to allow that; every request then needs the token the router keeps in /srv/weft/api-token"
                + " (weft reads it as root)", error.getMessage());

        error = assertThrows(IllegalArgumentException.class, () -> parse(List.of("--data-dir", "/srv/weft"), Map.of("WEFT_HTTP_ADDR", "192.168.1.11:6784")));
        assertTrue(error.getMessage().startsWith("WEFT_HTTP_ADDR 192.168.1.11:6784 is not a loopback address"), error.getMessage());

        error = assertThrows(IllegalArgumentException.class, () -> parse(List.of("--http-addr", "[::]:6784"), Map.of()));
        assertTrue(error.getMessage().startsWith("--http-addr [::]:6784 is not a loopback address"), error.getMessage());
    }

    @Test
    void shouldAcceptAnApiAddressOtherHostsReachWithHttpRemote() {
        RouterConfig config = parse(List.of("--http-addr", "0.0.0.0:6784", "--http-remote"), Map.of());
        assertEquals(new java.net.InetSocketAddress("0.0.0.0", 6784), config.httpAddress());
        assertTrue(config.httpRemote());

        assertTrue(parse(List.of("--http-remote"), Map.of("WEFT_HTTP_ADDR", "192.168.1.11:6784")).httpRemote());
    }

    @Test
    void shouldKeepTheApiOnLoopbackWithoutATokenByDefaultAndRequireTheTokenThereWithHttpRemote() {
        RouterConfig config = parse(List.of(), Map.of());
        assertEquals(new java.net.InetSocketAddress("127.0.0.1", 6784), config.httpAddress());
        assertFalse(config.httpRemote());
        assertFalse(parse(List.of("--http-addr", "[::1]:7000"), Map.of()).httpRemote());
        assertTrue(parse(List.of("--http-remote"), Map.of()).httpRemote(), "a loopback API may ask for the token too");
    }

    @Test
    void aPasswordFileOthersCanReadIsTakenWithAWarningAndAPrivateOneWithout(@org.junit.jupiter.api.io.TempDir java.nio.file.Path directory) throws Exception {
        java.nio.file.Path file = directory.resolve("password");
        java.nio.file.Files.writeString(file, "s3cret\n");
        java.nio.file.Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        RouterConfig.Password loose = RouterOptions.parse(CommandLine.parse("router", RouterOptions.ALL, List.of("--password-file", file.toString())),
                Map.of()).password().orElseThrow();
        assertEquals("s3cret", new String(loose.characters()));
        assertEquals(Optional.of("password file " + file + " can be read by other users (rw-r--r--); chmod 600 " + file), loose.warning());
        java.nio.file.Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertEquals(Optional.empty(), RouterOptions.parse(CommandLine.parse("router", RouterOptions.ALL, List.of("--password-file", file.toString())),
                Map.of()).password().orElseThrow().warning());
    }

    private static List<String> encryptionWarnings(List<String> args, Map<String, String> environment) {
        return RouterOptions.parse(CommandLine.parse("router", RouterOptions.ALL, args), environment).encryptionWarnings();
    }

    @Test
    void shouldWarnOfAMeshWithoutPasswordUnlessTheUnderlayIsSaidToBePrivate() {
        List<String> none = encryptionWarnings(List.of(), Map.of());
        assertEquals(1, none.size());
        assertTrue(none.getFirst().startsWith("no password: anyone who reaches port 6783 can join"), none.getFirst());
        assertEquals(List.of(), encryptionWarnings(List.of(), Map.of("WEFT_PASSWORD", "s3cret")));
        assertEquals(List.of(), encryptionWarnings(List.of("--trusted-subnets", "192.168.0.0/16"), Map.of()));
    }

    @Test
    void weavesVariablesStandForWeftsWhereWeftsAreNotSet() {
        WeaveVariables weave = WeaveVariables.of(Map.of("WEAVE_PASSWORD", "s3cret", "WEAVE_MTU", "1400", "WEFT_MTU", "1376"));
        assertEquals("s3cret", weave.environment().get("WEFT_PASSWORD"));
        assertEquals("1376", weave.environment().get("WEFT_MTU"));
        assertEquals(List.of("WEAVE_MTU is ignored: WEFT_MTU is set too, and Weft's own name wins",
                "read WEAVE_PASSWORD as WEFT_PASSWORD (Weave's name for it; Weft's is WEFT_PASSWORD)"), weave.notes());
        assertEquals(List.of(), encryptionWarnings(List.of(), weave.environment()), "the Weave password counts");
        assertEquals(List.of(), WeaveVariables.of(Map.of("PATH", "/bin")).notes());
    }

    private static Optional<RouterConfig.Dns> dns(String... args) {
        return RouterOptions.dns(CommandLine.parse("router", RouterOptions.ALL, List.of(args)));
    }

    @Test
    void weftDnsAnswersOnTheBridgeByDefaultAndTheOptionsSayOtherwise() {
        RouterConfig.Dns defaults = dns().orElseThrow();
        assertEquals(Optional.empty(), defaults.listen(), "the bridge's overlay address, once exposed");
        assertEquals("weft.local.", defaults.domain());
        assertEquals(java.time.Duration.ofSeconds(1), defaults.ttl());
        assertEquals(java.nio.file.Path.of("/etc/resolv.conf"), defaults.resolvConf());
        RouterConfig.Dns given = dns("--dns-listen-address", "127.0.0.1:5353", "--dns-domain", "Mesh.Example", "--dns-ttl", "30",
                "--resolv-conf", "/tmp/r.conf").orElseThrow();
        assertEquals(Optional.of(new java.net.InetSocketAddress("127.0.0.1", 5353)), given.listen());
        assertEquals("mesh.example.", given.domain());
        assertEquals(java.time.Duration.ofSeconds(30), given.ttl());
        assertEquals(Optional.of(new java.net.InetSocketAddress("10.0.0.1", 53)), dns("--dns-listen-address", "10.0.0.1").orElseThrow().listen());
        assertEquals(Optional.empty(), dns("--no-dns"));
        assertEquals("--dns-domain contradicts --no-dns",
                assertThrows(IllegalArgumentException.class, () -> dns("--no-dns", "--dns-domain", "x")).getMessage());
        assertEquals("invalid --dns-listen-address '::1': an IPv4 address, with :PORT if not 53",
                assertThrows(IllegalArgumentException.class, () -> dns("--dns-listen-address", "::1")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> dns("--dns-ttl", "-1"));
    }

    @Test
    void metricsAreServedOnWeavesPortUnlessMovedOrTurnedOff() {
        assertEquals(Optional.of(new java.net.InetSocketAddress("0.0.0.0", 6782)), parse(List.of(), Map.of()).metricsAddress());
        assertEquals(Optional.of(new java.net.InetSocketAddress("0.0.0.0", 6782)), parse(List.of(), Map.of("WEFT_METRICS_ADDR", " ")).metricsAddress(),
                "an empty variable is as good as none");
        assertEquals(Optional.of(new java.net.InetSocketAddress("10.0.4.1", 9782)),
                parse(List.of(), Map.of("WEFT_METRICS_ADDR", "10.0.4.1:9782")).metricsAddress());
        assertEquals(Optional.of(new java.net.InetSocketAddress("127.0.0.1", 7000)),
                parse(List.of("--metrics-addr", "127.0.0.1:7000"), Map.of("WEFT_METRICS_ADDR", "10.0.4.1:9782")).metricsAddress());
        assertEquals(Optional.empty(), parse(List.of("--metrics-addr", "none"), Map.of()).metricsAddress());
        assertEquals(Optional.empty(), parse(List.of(), Map.of("WEFT_METRICS_ADDR", "none")).metricsAddress());
    }

    @Test
    void shouldRefuseAMetricsAddressThatIsNoListeningAddressOrTakesAnotherPort() {
        assertEquals("invalid --metrics-addr '': expected host:port, for example 0.0.0.0:6782, or none to serve no metrics",
                assertThrows(IllegalArgumentException.class, () -> parse(List.of("--metrics-addr", ""), Map.of())).getMessage());
        assertEquals("invalid --metrics-addr '6782': expected host:port, for example 0.0.0.0:6782, or none to serve no metrics",
                assertThrows(IllegalArgumentException.class, () -> parse(List.of("--metrics-addr", "6782"), Map.of())).getMessage());
        assertEquals("invalid port '99999' in WEFT_METRICS_ADDR '0.0.0.0:99999'",
                assertThrows(IllegalArgumentException.class, () -> parse(List.of(), Map.of("WEFT_METRICS_ADDR", "0.0.0.0:99999"))).getMessage());
        assertEquals("invalid --metrics-addr 'metrics.example:6782': 'metrics.example' is not an IP address",
                assertThrows(IllegalArgumentException.class, () -> parse(List.of("--metrics-addr", "metrics.example:6782"), Map.of())).getMessage());
        assertThrows(IllegalArgumentException.class, () -> parse(List.of("--metrics-addr", "None"), Map.of()));
        assertEquals("--metrics-addr 0.0.0.0:6783 takes the peers' TCP port 6783: choose another port",
                assertThrows(IllegalArgumentException.class, () -> parse(List.of("--metrics-addr", "0.0.0.0:6783"), Map.of())).getMessage());
        assertEquals("--metrics-addr 127.0.0.1:6784 takes the HTTP API's port (127.0.0.1:6784): choose another port",
                assertThrows(IllegalArgumentException.class, () -> parse(List.of("--metrics-addr", "127.0.0.1:6784"), Map.of())).getMessage());
        assertEquals(Optional.of(new java.net.InetSocketAddress("10.0.4.1", 6784)),
                parse(List.of("--metrics-addr", "10.0.4.1:6784"), Map.of()).metricsAddress(), "another address, the same port: no collision");
    }
}

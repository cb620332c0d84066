package weft.proxy.plugin;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import weft.api.RouterApi;
import weft.api.StatusReport;
import weft.kernel.MacAddress;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the Docker plugin reads from the engine: each call's path and JSON body, as {@link PluginServer} hands them to
 * {@link DockerPlugin#handle}, and the CIDRs in them. A finding is a call answered with anything but 200, or the
 * plugin's refusals 400 (a bad body, with the field at fault) and 404 (no such method), each a JSON object with the
 * error in {@code Err}: here the router and the veths never fail, so a 500 is the plugin's own exception. For
 * {@link Ipv4Cidr#parse}, anything but an {@link IllegalArgumentException}, or a CIDR that does not read back as itself.
 *
 * <p>Input layout of {@link #call}: the last byte picks the method, the rest is the body.
 */
class PluginFuzzTest {
    private static final List<String> METHODS = List.of("Plugin.Activate",
            "NetworkDriver.GetCapabilities", "NetworkDriver.CreateNetwork", "NetworkDriver.DeleteNetwork", "NetworkDriver.CreateEndpoint",
            "NetworkDriver.DeleteEndpoint", "NetworkDriver.EndpointOperInfo", "NetworkDriver.Join", "NetworkDriver.Leave",
            "NetworkDriver.DiscoverNew", "NetworkDriver.DiscoverDelete", "NetworkDriver.ProgramExternalConnectivity",
            "NetworkDriver.RevokeExternalConnectivity", "IpamDriver.GetCapabilities", "IpamDriver.GetDefaultAddressSpaces",
            "IpamDriver.RequestPool", "IpamDriver.ReleasePool", "IpamDriver.RequestAddress", "IpamDriver.ReleaseAddress", "NetworkDriver.Frob");

    private final ObjectMapper json = new ObjectMapper();

    private final RouterApi router = (RouterApi) Proxy.newProxyInstance(RouterApi.class.getClassLoader(), new Class<?>[]{RouterApi.class},
            (proxy, method, args) -> switch (method.getName()) {
                case "status" -> new StatusReport("0.1.0", 1, "aa:bb:cc:dd:ee:ff", "host-1", "none", "0.0.0.0:6783", 6783, "127.0.0.1:6784", "weft",
                        "weft-sleeve", 1376, "fixed", "10.32.0.0/12", "/var/lib/weft", List.of(), List.of(), List.of(), Map.of(), 0, Map.of(),
                        new StatusReport.IpamView("10.32.0.0/12", "10.32.0.0/12", "ready", "nothing", "ring", 100, 0, List.of(), List.of(), List.of(), ""),
                        "off", Map.of(), Map.of());
                case "allocateAddress" -> "10.32.0.7/12";
                case "claimAddress" -> args[1];
                case "releaseAddresses" -> List.of();
                default -> throw new AssertionError("the plugin asked the router " + method.getName());
            });

    /** Veths that are always there; a MAC is read as {@link VethPorts} reads it. */
    private final EndpointPorts ports = new EndpointPorts() {
        @Override
        public Port create(String endpointId, String bridge, int mtu, Optional<String> mac) {
            return new Port(VethPorts.containerEnd(endpointId), mac.map(MacAddress::parse).orElse(MacAddress.parse("02:42:0a:20:00:07")).toString());
        }

        @Override
        public Optional<Port> find(String endpointId) {
            return Optional.of(new Port(VethPorts.containerEnd(endpointId), "02:42:0a:20:00:07"));
        }

        @Override
        public void delete(String endpointId) {
        }
    };

    private final DockerPlugin plugin = new DockerPlugin(router, ports, json);

    @FuzzTest
    void call(FuzzedDataProvider data) throws IOException {
        String path = "/" + data.pickValue(METHODS);
        DockerPlugin.Reply reply = plugin.handle(path, data.consumeRemainingAsBytes());
        JsonNode answer = json.readTree(reply.body());
        assertTrue(answer.isObject(), answer::toString);
        if (reply.status() == 200) return;
        assertTrue(reply.status() == 400 || reply.status() == 404, () -> reply.status() + " " + answer);
        assertTrue(answer.path("Err").isTextual(), answer::toString);
    }

    @FuzzTest
    void ipv4Cidr(byte[] input) {
        Ipv4Cidr cidr;
        try {
            cidr = Ipv4Cidr.parse(new String(input, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException refused) {
            return;
        }
        assertEquals(cidr, Ipv4Cidr.parse(cidr.toString()));
        assertTrue(cidr.network().isNetwork() && cidr.inside(cidr.network()), cidr::toString);
    }
}

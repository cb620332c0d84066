package weft.proxy.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import weft.api.RouterApi;
import weft.api.StatusReport;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plugin as the engine calls it, with a router that records what it is asked and veths kept in a map: the calls
 * of {@code docker network create -d weft --ipam-driver weft}, of a container's start and removal, and what the
 * plugin refuses and how.
 */
class DockerPluginTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ENDPOINT = "6f1c0e9b2a7d4c3e8f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e";
    private static final String NETWORK = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";

    /** What the router was asked, as "method arguments". */
    private final List<String> asked = new CopyOnWriteArrayList<>();
    /** Thrown by the router's address calls, if set. */
    private volatile Exception failure;
    private final Map<String, EndpointPorts.Port> veths = new ConcurrentHashMap<>();
    private final List<String> created = new CopyOnWriteArrayList<>();

    private final RouterApi router = (RouterApi) Proxy.newProxyInstance(RouterApi.class.getClassLoader(), new Class<?>[]{RouterApi.class},
            (proxy, method, args) -> {
                if (method.getName().equals("status")) return status();
                asked.add(method.getName() + " " + java.util.Arrays.toString(args));
                if (failure != null) throw failure;
                return switch (method.getName()) {
                    case "allocateAddress" -> "10.32.0.7/12";
                    case "claimAddress" -> args[1];
                    case "releaseAddresses" -> List.of("10.32.0.7");
                    default -> throw new AssertionError("the plugin asked the router " + method.getName());
                };
            });

    private final EndpointPorts ports = new EndpointPorts() {
        @Override
        public Port create(String endpointId, String bridge, int mtu, Optional<String> mac) {
            created.add(endpointId + " on " + bridge + " mtu " + mtu + mac.map(m -> " mac " + m).orElse(""));
            return veths.computeIfAbsent(endpointId, id -> new Port(VethPorts.containerEnd(id), mac.orElse("02:42:0a:20:00:07")));
        }

        @Override
        public Optional<Port> find(String endpointId) {
            return Optional.ofNullable(veths.get(endpointId));
        }

        @Override
        public void delete(String endpointId) {
            veths.remove(endpointId);
        }
    };

    private final DockerPlugin plugin = new DockerPlugin(router, ports, JSON);

    private static StatusReport status() {
        return new StatusReport("0.1.0", 1, "aa:bb:cc:dd:ee:ff", "host-1", "none", "0.0.0.0:6783", 6783, "127.0.0.1:6784", "weft", "weft-sleeve",
                1376, "fixed", "10.32.0.0/12", "/var/lib/weft", List.of(), List.of(), List.of(), Map.of(), 0, Map.of(),
                new StatusReport.IpamView("10.32.0.0/12", "10.32.0.0/12", "ready", "nothing", "ring", 100, 0, List.of(), List.of(), List.of(), ""),
                "off", Map.of(), Map.of());
    }

    private record Answer(int status, JsonNode body) {
    }

    private Answer call(String path, String body) throws IOException {
        DockerPlugin.Reply reply = plugin.handle(path, body.getBytes(StandardCharsets.UTF_8));
        return new Answer(reply.status(), JSON.readTree(reply.body()));
    }

    private String error(Answer answer) {
        assertTrue(answer.status() >= 400, answer.toString());
        return answer.body().path("Err").asText();
    }

    @Test
    void theEngineFindsBothDrivers() throws IOException {
        assertEquals("[\"NetworkDriver\",\"IpamDriver\"]", call("/Plugin.Activate", "").body().path("Implements").toString());
        assertEquals("local", call("/NetworkDriver.GetCapabilities", "{}").body().path("Scope").asText());
        assertEquals("weft", call("/IpamDriver.GetDefaultAddressSpaces", "{}").body().path("LocalDefaultAddressSpace").asText());
    }

    @Test
    void poolsAreTheDefaultSubnetOrASubnetOfTheRangeAndNothingElse() throws IOException {
        Answer standard = call("/IpamDriver.RequestPool", "{\"AddressSpace\":\"weft\",\"Pool\":\"\",\"SubPool\":\"\",\"Options\":{},\"V6\":false}");
        assertEquals("10.32.0.0/12", standard.body().path("PoolID").asText());
        assertEquals("10.32.0.0/12", standard.body().path("Pool").asText());
        assertEquals("10.33.0.0/16", call("/IpamDriver.RequestPool", "{\"AddressSpace\":\"weft\",\"Pool\":\"10.33.0.0/16\"}").body().path("PoolID").asText());
        assertEquals("--subnet 192.168.0.0/16 is not inside weft's allocation range 10.32.0.0/12",
                error(call("/IpamDriver.RequestPool", "{\"AddressSpace\":\"weft\",\"Pool\":\"192.168.0.0/16\"}")));
        assertEquals("--subnet 10.33.0.1/16 has host bits set", error(call("/IpamDriver.RequestPool", "{\"Pool\":\"10.33.0.1/16\"}")));
        assertEquals("weft gives IPv4 addresses only: leave --ipv6 out", error(call("/IpamDriver.RequestPool", "{\"V6\":true}")));
        assertEquals("weft's IPAM driver gives addresses from the whole subnet: leave --ip-range out",
                error(call("/IpamDriver.RequestPool", "{\"Pool\":\"10.33.0.0/16\",\"SubPool\":\"10.33.1.0/24\"}")));
        assertEquals(List.of(), asked, "no pool request takes an address");
    }

    @Test
    void addressesComeFromTheAllocatorUnderThePoolsOwnerAndGoBackOneByOne() throws IOException {
        Answer gateway = call("/IpamDriver.RequestAddress", "{\"PoolID\":\"10.32.0.0/12\",\"Address\":\"\",\"Options\":{\"RequestAddressType\":\"com.docker.network.gateway\"}}");
        assertEquals("10.32.0.7/12", gateway.body().path("Address").asText());
        assertEquals("10.32.1.9/12", call("/IpamDriver.RequestAddress", "{\"PoolID\":\"10.32.0.0/12\",\"Address\":\"10.32.1.9\"}").body().path("Address").asText());
        assertEquals(200, call("/IpamDriver.ReleaseAddress", "{\"PoolID\":\"10.32.0.0/12\",\"Address\":\"10.32.0.7\"}").status());
        assertEquals(List.of("allocateAddress [docker-ipam-gateway:10.32.0.0/12, Optional[10.32.0.0/12]]", "claimAddress [docker-ipam:10.32.0.0/12, 10.32.1.9/12]",
                "releaseAddresses [docker-ipam:10.32.0.0/12, Optional[10.32.0.7/12]]"), asked);
        assertEquals("10.40.0.1 is not in the network's subnet 10.33.0.0/16",
                error(call("/IpamDriver.RequestAddress", "{\"PoolID\":\"10.33.0.0/16\",\"Address\":\"10.40.0.1\"}")));
        assertEquals("'name' is not an IPv4 address", error(call("/IpamDriver.ReleaseAddress", "{\"PoolID\":\"10.32.0.0/12\",\"Address\":\"name\"}")));
    }

    @Test
    void whatTheAllocatorRefusesOrFailsReachesTheUser() throws IOException {
        failure = new IllegalArgumentException("cannot claim 10.32.1.9/12 for docker-ipam:10.32.0.0/12: 10.32.1.9 is held by cni:x:eth0");
        assertEquals(400, call("/IpamDriver.RequestAddress", "{\"PoolID\":\"10.32.0.0/12\",\"Address\":\"10.32.1.9\"}").status());
        failure = new IllegalStateException("no address for docker-ipam:10.32.0.0/12: the IP allocator did not answer within 60 s");
        Answer failed = call("/IpamDriver.RequestAddress", "{\"PoolID\":\"10.32.0.0/12\"}");
        assertEquals(500, failed.status());
        assertEquals("no address for docker-ipam:10.32.0.0/12: the IP allocator did not answer within 60 s", error(failed));
    }

    @Test
    void aNetworkMustTakeItsAddressesFromWeftsIpamDriver() throws IOException {
        String message = error(call("/NetworkDriver.CreateNetwork", "{\"NetworkID\":\"" + NETWORK + "\",\"IPv4Data\":[{\"AddressSpace\":\"LocalDefault\",\"Pool\":\"172.18.0.0/16\"}]}"));
        assertTrue(message.startsWith("a weft network takes its addresses from weft's IPAM driver") && message.contains("--ipam-driver weft"), message);
        assertEquals(200, call("/NetworkDriver.CreateNetwork", "{\"NetworkID\":\"" + NETWORK + "\",\"IPv4Data\":[{\"AddressSpace\":\"weft\",\"Pool\":\"10.32.0.0/12\"}]}").status());
    }

    @Test
    void anEndpointIsAVethOnTheBridgeThatTheEngineMovesIntoTheContainerAsEthwe() throws IOException {
        Answer endpoint = call("/NetworkDriver.CreateEndpoint", "{\"NetworkID\":\"" + NETWORK + "\",\"EndpointID\":\"" + ENDPOINT
                + "\",\"Interface\":{\"Address\":\"10.32.0.7/12\",\"AddressIPv6\":\"\",\"MacAddress\":\"\"}}");
        assertEquals("02:42:0a:20:00:07", endpoint.body().path("Interface").path("MacAddress").asText());
        assertEquals(List.of(ENDPOINT + " on weft mtu 1376"), created);
        Answer joined = call("/NetworkDriver.Join", "{\"NetworkID\":\"" + NETWORK + "\",\"EndpointID\":\"" + ENDPOINT + "\",\"SandboxKey\":\"/var/run/docker/netns/x\"}");
        assertEquals("vethwc6f1c0e9b2", joined.body().path("InterfaceName").path("SrcName").asText());
        assertEquals("ethwe", joined.body().path("InterfaceName").path("DstPrefix").asText());
        assertTrue(joined.body().path("DisableGatewayService").asBoolean());
        assertEquals(0, joined.body().path("StaticRoutes").size(), "an address as wide as the range needs no route to it");
        assertEquals(200, call("/NetworkDriver.Leave", "{\"NetworkID\":\"" + NETWORK + "\",\"EndpointID\":\"" + ENDPOINT + "\"}").status());
        assertEquals(200, call("/NetworkDriver.DeleteEndpoint", "{\"NetworkID\":\"" + NETWORK + "\",\"EndpointID\":\"" + ENDPOINT + "\"}").status());
        assertFalse(veths.containsKey(ENDPOINT));
        assertTrue(error(call("/NetworkDriver.Join", "{\"NetworkID\":\"" + NETWORK + "\",\"EndpointID\":\"" + ENDPOINT + "\"}")).contains("has no veth"));
    }

    @Test
    void anAddressNarrowerThanTheRangeGetsARouteToTheRangeAndAGivenMacIsKept() throws IOException {
        Answer endpoint = call("/NetworkDriver.CreateEndpoint", "{\"NetworkID\":\"" + NETWORK + "\",\"EndpointID\":\"" + ENDPOINT
                + "\",\"Interface\":{\"Address\":\"10.33.0.2/16\",\"MacAddress\":\"02:42:0a:21:00:02\"}}");
        assertTrue(endpoint.body().path("Interface").isMissingNode(), "the engine refuses a reply that sets the MAC it chose: " + endpoint);
        assertEquals(List.of(ENDPOINT + " on weft mtu 1376 mac 02:42:0a:21:00:02"), created);
        JsonNode routes = call("/NetworkDriver.Join", "{\"NetworkID\":\"" + NETWORK + "\",\"EndpointID\":\"" + ENDPOINT + "\"}").body().path("StaticRoutes");
        assertEquals("[{\"Destination\":\"10.32.0.0/12\",\"RouteType\":1}]", routes.toString());
    }

    @Test
    void badCallsAreRefusedWithWhatIsWrong() throws IOException {
        assertEquals("weft's plugin does not implement NetworkDriver.AllocateNetwork", error(call("/NetworkDriver.AllocateNetwork", "{}")));
        assertEquals(404, call("/VolumeDriver.Create", "{}").status());
        assertEquals("IpamDriver.RequestAddress: the body is not a JSON object", error(call("/IpamDriver.RequestAddress", "[1]")));
        assertTrue(error(call("/IpamDriver.RequestAddress", "{nope")).startsWith("IpamDriver.RequestAddress: the body is not JSON"));
        assertEquals("NetworkDriver.CreateEndpoint: 'EndpointID' is not an ID: ../../etc", error(call("/NetworkDriver.CreateEndpoint",
                "{\"NetworkID\":\"" + NETWORK + "\",\"EndpointID\":\"../../etc\"}")));
        assertEquals("CreateEndpoint: 192.168.1.2/24 is not in the overlay's range 10.32.0.0/12", error(call("/NetworkDriver.CreateEndpoint",
                "{\"NetworkID\":\"" + NETWORK + "\",\"EndpointID\":\"" + ENDPOINT + "\",\"Interface\":{\"Address\":\"192.168.1.2/24\"}}")));
        assertEquals("IpamDriver.RequestAddress: 'PoolID' must be a string (it is missing)", error(call("/IpamDriver.RequestAddress", "{}")));
        assertEquals(List.of(), created);
    }
}

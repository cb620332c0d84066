package weft.proxy.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import weft.api.DnsStatus;
import weft.api.RouterApi;
import weft.api.docker.EngineCalls;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Weft DNS for proxied containers against a fake engine and a fake router. */
class ContainerNamesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SELF = "aa:bb:cc:dd:ee:01";
    private volatile String listen = "10.32.0.1:53";
    private volatile List<DnsStatus.Entry> entries = List.of();
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final Map<String, String> containers = new ConcurrentHashMap<>();

    private volatile String running = "[]";

    private final EngineCalls engine = (method, path, body) -> {
        if (path.equals("/containers/json")) return new EngineCalls.Reply(200, running.getBytes(StandardCharsets.UTF_8));
        for (var container : containers.entrySet()) {
            if (path.equals("/containers/" + container.getKey() + "/json")) {
                return new EngineCalls.Reply(200, container.getValue().getBytes(StandardCharsets.UTF_8));
            }
        }
        return new EngineCalls.Reply(404, "{\"message\":\"No such container\"}".getBytes(StandardCharsets.UTF_8));
    };

    private final RouterApi router = (RouterApi) Proxy.newProxyInstance(RouterApi.class.getClassLoader(), new Class<?>[]{RouterApi.class},
            (proxy, method, args) -> switch (method.getName()) {
                case "dns" -> new DnsStatus("serving", listen, "weft.local.", 1, entries, Map.of());
                case "status" -> statusOf(SELF);
                case "dnsAdd", "dnsRemove" -> {
                    calls.add(method.getName() + " " + args[0] + " " + args[1] + " " + args[2]);
                    yield List.of();
                }
                default -> throw new AssertionError("asked the router " + method.getName());
            });

    private static weft.api.StatusReport statusOf(String peerName) {
        return new weft.api.StatusReport("0.1.0", 1, peerName, "h1", "", "", 6783, "", "weft", "weft-sleeve", 1410, "", "10.32.0.0/12",
                "/var/lib/weft", List.of(), List.of(), List.of(), Map.of(), 0, Map.of(), null, "", Map.of(), Map.of());
    }

    private final ContainerNames names = new ContainerNames(engine, router, "weft", JSON);

    private JsonNode prepared(String create, Optional<String> name) throws Exception {
        return JSON.readTree(names.prepare(create.getBytes(StandardCharsets.UTF_8), name));
    }

    @Test
    void aJoiningContainerGetsWeftDnsItsNameAsHostNameAndTheDomainUnlessItAskedOtherwise() throws Exception {
        JsonNode create = prepared("{\"Image\":\"busybox\"}", Optional.of("/db"));
        assertEquals("10.32.0.1", create.path("HostConfig").path("Dns").get(0).asText());
        assertEquals("weft.local", create.path("HostConfig").path("DnsSearch").get(0).asText());
        assertEquals("db", create.path("Hostname").asText());
        assertEquals("weft.local", create.path("Domainname").asText());

        JsonNode own = prepared("{\"Hostname\":\"web.example.com\",\"HostConfig\":{\"Dns\":[\"9.9.9.9\"],\"DnsSearch\":[\"example.com\"]}}",
                Optional.of("db"));
        assertEquals("9.9.9.9", own.path("HostConfig").path("Dns").get(0).asText());
        assertEquals(1, own.path("HostConfig").path("Dns").size());
        assertEquals("example.com", own.path("HostConfig").path("DnsSearch").get(0).asText());
        assertEquals("web.example.com", own.path("Hostname").asText());
        assertEquals("", own.path("Domainname").asText(""), "a host name with dots is whole");

        assertEquals("", prepared("{}", Optional.of("Not_A_Label!")).path("Hostname").asText(""), "no host name from a name that cannot be one");

        listen = "127.0.0.1:5353";
        byte[] body = "{\"Image\":\"busybox\"}".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(body, names.prepare(body, Optional.of("db")), "Docker's --dns takes no port: left as it was");
    }

    @Test
    void aStartedContainerWhoseHostNameIsInTheDomainGoesOnWeftDnsWithItsWeftAddresses() {
        containers.put("db", "{\"Id\":\"c1\",\"Config\":{\"Hostname\":\"db\",\"Domainname\":\"weft.local\"},\"State\":{\"Running\":true},"
                + "\"NetworkSettings\":{\"Networks\":{\"bridge\":{\"IPAddress\":\"172.17.0.2\"},\"weft\":{\"IPAddress\":\"10.32.0.5\"},"
                + "\"weft-10.40.0.0-16\":{\"IPAddress\":\"10.40.0.3\"}}}}");
        containers.put("c2", "{\"Config\":{\"Hostname\":\"c2\",\"Domainname\":\"\"},\"State\":{\"Running\":true},"
                + "\"NetworkSettings\":{\"Networks\":{\"weft\":{\"IPAddress\":\"10.32.0.6\"}}}}");
        names.started("db"); // started by name: the engine's id is the owner
        names.started("c2"); // not in the domain
        names.started("gone"); // the engine has no such container
        assertEquals(List.of("dnsAdd db.weft.local. [10.32.0.5, 10.40.0.3] Optional[docker-proxy:c1]"), calls);
    }

    @Test
    void theSweepTakesOffTheNamesOfThisPeersContainersThatNoLongerRun() throws Exception {
        containers.put("up", "{\"State\":{\"Running\":true}}");
        containers.put("stopped", "{\"State\":{\"Running\":false}}");
        entries = List.of(new DnsStatus.Entry("a.weft.local.", "10.32.0.5", "docker-proxy:up", SELF),
                new DnsStatus.Entry("b.weft.local.", "10.32.0.6", "docker-proxy:stopped", SELF),
                new DnsStatus.Entry("c.weft.local.", "10.32.0.7", "docker-proxy:removed", SELF),
                new DnsStatus.Entry("d.weft.local.", "10.32.0.8", "docker-proxy:elsewhere", "aa:bb:cc:dd:ee:02"),
                new DnsStatus.Entry("e.weft.local.", "10.32.0.9", "weft:extern", SELF));
        assertEquals(2, names.sweep());
        assertEquals(List.of("dnsRemove Optional.empty [] Optional[docker-proxy:stopped]", "dnsRemove Optional.empty [] Optional[docker-proxy:removed]"), calls);
    }

    @Test
    void theSweepPutsOnTheNamesOfRunningWeftContainersThatHaveNone() throws Exception {
        containers.put("restarted", "{\"Id\":\"restarted\",\"Config\":{\"Hostname\":\"db\",\"Domainname\":\"weft.local\"},"
                + "\"State\":{\"Running\":true},\"NetworkSettings\":{\"Networks\":{\"weft\":{\"IPAddress\":\"10.32.0.5\"}}}}");
        running = "[{\"Id\":\"restarted\",\"NetworkSettings\":{\"Networks\":{\"weft\":{}}}},"
                + "{\"Id\":\"plain\",\"NetworkSettings\":{\"Networks\":{\"bridge\":{}}}}]";
        names.sweep();
        assertEquals(List.of("dnsAdd db.weft.local. [10.32.0.5] Optional[docker-proxy:restarted]"), calls);
    }
}

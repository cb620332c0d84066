package weft.kube.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import weft.api.Attachment;
import weft.api.CniService;
import weft.api.RouterApi;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plugin inside the router: it asks the router directly, attaches the namespace the launcher holds, and turns
 * the router's refusals and failures into the spec's errors instead of letting them reach the API server.
 */
class CniPluginTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] CONFIG = "{\"cniVersion\":\"1.0.0\",\"name\":\"weft\",\"type\":\"weft-net\",\"dataDir\":\"/nowhere\"}"
            .getBytes(StandardCharsets.UTF_8);
    private static final Attachment BRIDGE = new Attachment(Attachment.EXPOSE, "", "weft", "aa:aa:aa:aa:aa:aa", List.of("10.32.0.1/12"));

    /** What the fake router was asked, as "method argument". */
    private final List<String> asked = new CopyOnWriteArrayList<>();

    /** A router that answers attach, detach and attachments with {@code attachResult}, or throws {@code failure}. */
    private RouterApi router(Attachment attachResult, Exception failure) {
        InvocationHandler handler = (proxy, method, args) -> {
            asked.add(method.getName() + (args == null ? "" : " " + args[0]));
            if (failure != null) throw failure;
            return switch (method.getName()) {
                case "attach", "detach" -> attachResult;
                case "attachments" -> List.of(BRIDGE, attachResult);
                default -> throw new AssertionError("not asked of a router by CNI: " + method.getName());
            };
        };
        return (RouterApi) Proxy.newProxyInstance(RouterApi.class.getClassLoader(), new Class<?>[]{RouterApi.class}, handler);
    }

    private static Map<String, String> call(String command) {
        return Map.of("CNI_COMMAND", command, "CNI_CONTAINERID", "pod1", "CNI_IFNAME", "eth0", "CNI_NETNS", "/run/netns/pod1");
    }

    private static JsonNode output(CniService.Reply reply) throws IOException {
        return JSON.readTree(reply.stdout());
    }

    @Test
    void anAddAttachesTheNamespaceTheLauncherHoldsAndAnswersWithTheRuntimesPath() throws IOException {
        Attachment pod = new Attachment("cni:pod1:eth0", "/proc/77/fd/3", "vethwepl1", "02:00:00:00:00:01", List.of("10.32.0.5/12"));
        CniService.Reply reply = new CniPlugin(router(pod, null), JSON).call(call("ADD"), CONFIG, Optional.of("/proc/77/fd/3"));
        assertEquals(0, reply.exit(), new String(reply.stdout(), StandardCharsets.UTF_8));
        assertEquals("attach cni:pod1:eth0:/proc/77/fd/3", asked.getFirst());
        JsonNode result = output(reply);
        assertEquals("10.32.0.5/12", result.path("ips").get(0).path("address").asText());
        assertEquals("10.32.0.1", result.path("ips").get(0).path("gateway").asText());
        assertEquals("/run/netns/pod1", result.path("interfaces").get(1).path("sandbox").asText());
        assertTrue(new String(reply.stdout(), StandardCharsets.UTF_8).endsWith("}\n"));
    }

    @Test
    void aDelPrintsNothingAndDetachesTheAttachment() {
        Attachment gone = new Attachment("cni:pod1:eth0", "", "", "", List.of());
        CniService.Reply reply = new CniPlugin(router(gone, null), JSON).call(call("DEL"), CONFIG, Optional.empty());
        assertEquals(0, reply.exit());
        assertEquals(0, reply.stdout().length);
        assertEquals(List.of("detach cni:pod1:eth0"), asked);
    }

    @Test
    void aRefusalOfTheRouterIsCode7WithItsReasonAndAFailureIsToo() throws IOException {
        CniService.Reply refused = new CniPlugin(router(null, new IllegalArgumentException("no free address")), JSON)
                .call(call("ADD"), CONFIG, Optional.of("/proc/77/fd/3"));
        assertEquals(1, refused.exit());
        assertEquals(7, output(refused).path("code").asInt());
        assertEquals("the Weft router refused", output(refused).path("msg").asText());
        assertEquals("no free address", output(refused).path("details").asText());

        CniService.Reply failed = new CniPlugin(router(null, new IOException("netlink: device busy")), JSON)
                .call(call("DEL"), CONFIG, Optional.empty());
        assertEquals(1, failed.exit());
        assertEquals("the Weft router failed", output(failed).path("msg").asText());
        assertEquals("netlink: device busy", output(failed).path("details").asText());
    }

    @Test
    void aBadCallIsAnsweredBeforeTheRouterIsAsked() throws IOException {
        CniService.Reply reply = new CniPlugin(router(null, null), JSON).call(Map.of("CNI_COMMAND", "ADD"), CONFIG, Optional.empty());
        assertEquals(4, output(reply).path("code").asInt());
        assertEquals(List.of(), asked);
        CniService.Reply version = new CniPlugin(router(null, null), JSON).call(Map.of("CNI_COMMAND", "VERSION"), CONFIG, Optional.empty());
        assertEquals(0, version.exit());
        assertEquals("1.0.0", output(version).path("cniVersion").asText());
    }
}

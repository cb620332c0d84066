package weft.kube.cni;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import weft.api.Attachment;
import weft.api.CniService;
import weft.api.RouterApi;
import weft.api.StatusReport;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the CNI plugin reads from the runtime: its {@code CNI_*} environment and the network configuration on standard
 * in. A finding is a call answered with anything but the spec's error (a {@link CniException} with one of the spec's
 * codes, printed as its JSON with exit status 1): another exception, a plugin that fails although its router did not,
 * or two versions that do not order consistently.
 *
 * <p>Input layout of {@link #request} and {@link #call}: one length byte per variable taken from the end (0: unset,
 * n: the next n - 1 bytes from the front, as UTF-8, as the JVM decodes the environment), the rest is standard in.
 */
class CniFuzzTest {
    private static final List<String> VARIABLES = List.of("CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS", "CNI_PATH");
    private static final Set<Integer> SPEC_CODES = Set.of(CniException.INCOMPATIBLE_VERSION, CniException.INVALID_ENVIRONMENT,
            CniException.IO_FAILURE, CniException.UNDECODABLE, CniException.INVALID_CONFIGURATION);
    private static final Attachment BRIDGE = new Attachment(Attachment.EXPOSE, "", "weft", "aa:aa:aa:aa:aa:aa", List.of("10.32.0.1/12"));
    private static final Attachment POD = new Attachment("cni:pod1:eth0", "/proc/77/fd/3", "vethwepl1", "02:00:00:00:00:01", List.of("10.32.0.5/12"));

    private final ObjectMapper json = new ObjectMapper();

    private static Map<String, String> environment(FuzzedDataProvider data) {
        Map<String, String> environment = new HashMap<>();
        for (String variable : VARIABLES) {
            int length = data.consumeInt(0, 255);
            if (length > 0) environment.put(variable, new String(data.consumeBytes(length - 1), StandardCharsets.UTF_8));
        }
        return environment;
    }

    @FuzzTest
    void request(FuzzedDataProvider data) {
        Map<String, String> environment = environment(data);
        byte[] stdin = data.consumeRemainingAsBytes();
        try {
            CniRequest request = CniRequest.parse(environment, stdin, json);
            assertTrue(CniVersion.SUPPORTED.contains(request.config().cniVersion()), request.config().cniVersion());
        } catch (CniException refused) {
            assertTrue(SPEC_CODES.contains(refused.code()), "code " + refused.code());
            assertNotNull(refused.getMessage());
            CniResult.error(json, CniVersion.SUPPORTED.getLast(), refused).toString();
        }
    }

    /** The whole call as the router's API hands it over, with a router that never fails. */
    @FuzzTest
    void call(FuzzedDataProvider data) throws IOException {
        Map<String, String> environment = environment(data);
        byte[] stdin = data.consumeRemainingAsBytes();
        CniService.Reply reply = new CniPlugin(router(), json).call(environment, stdin, Optional.of("/proc/77/fd/3"));
        String printed = new String(reply.stdout(), StandardCharsets.UTF_8);
        if (reply.exit() == 0 && printed.isEmpty()) return; // DEL, CHECK, STATUS and GC print nothing when they succeed
        assertTrue(printed.endsWith("\n"), printed);
        JsonNode out = json.readTree(reply.stdout());
        if (reply.exit() == 0) return;
        assertEquals(1, reply.exit());
        assertTrue(out.path("code").isInt(), printed);
        // the router here answers everything, so a failure can only be the plugin's own
        assertNotEquals("the Weft router failed", out.path("msg").asText(), printed);
    }

    @FuzzTest
    void cniVersion(FuzzedDataProvider data) {
        String a = data.consumeString(24), b = data.consumeRemainingAsString();
        assertEquals(0, CniVersion.compare(a, a));
        assertEquals(Integer.signum(CniVersion.compare(a, b)), -Integer.signum(CniVersion.compare(b, a)));
        CniVersion.choose(List.of(a, b)).ifPresent(chosen -> assertTrue(CniVersion.SUPPORTED.contains(chosen), chosen));
    }

    private static RouterApi router() {
        StatusReport.IpamView ipam = new StatusReport.IpamView("10.32.0.0/12", "10.32.0.0/12", "ready", "nothing", "ring", 100, 1,
                List.of(), List.of(), List.of(), "");
        return (RouterApi) Proxy.newProxyInstance(RouterApi.class.getClassLoader(), new Class<?>[]{RouterApi.class}, (proxy, method, args) ->
                switch (method.getName()) {
                    case "attach", "detach" -> POD;
                    case "attachments" -> List.of(BRIDGE, POD, new Attachment("cni:stale:eth0", "", "vethwepl2", "", List.of()));
                    case "status" -> new StatusReport("0.1.0", 1, "aa:bb:cc:dd:ee:ff", "node-1", "", "", 6783, "", "weft", "", 1376, "",
                            "10.32.0.0/12", "/var/lib/weft", List.of(), List.of(), List.of(), Map.of(), 0, Map.of(), ipam, "", Map.of(), Map.of());
                    default -> throw new AssertionError("not asked of a router by CNI: " + method.getName());
                });
    }
}

package weft.kube.cni;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The plugin's input as the spec defines it: each kind of bad call gets the spec's code and names what is wrong. */
class CniRequestTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONFIG = "{\"cniVersion\":\"1.1.0\",\"name\":\"weft\",\"type\":\"weft-net\"}";

    private static Map<String, String> add() {
        return new HashMap<>(Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c0ffee", "CNI_NETNS", "/var/run/netns/cni-1",
                "CNI_IFNAME", "eth0", "CNI_PATH", "/opt/cni/bin"));
    }

    private static CniRequest parse(Map<String, String> env, String stdin) throws CniException {
        return CniRequest.parse(env, stdin.getBytes(StandardCharsets.UTF_8), JSON);
    }

    private static CniException refused(Map<String, String> env, String stdin) {
        return assertThrows(CniException.class, () -> parse(env, stdin));
    }

    @Test
    void anAddReadsItsParametersAndTheConfiguration() throws CniException {
        Map<String, String> env = add();
        env.put("CNI_ARGS", "K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-1;;IgnoreUnknown=1");
        CniRequest request = parse(env, CONFIG);
        assertEquals(CniCommand.ADD, request.command());
        assertEquals("c0ffee", request.containerId());
        assertEquals(Optional.of("/var/run/netns/cni-1"), request.netns());
        assertEquals("eth0", request.ifname());
        assertEquals(Map.of("K8S_POD_NAMESPACE", "default", "K8S_POD_NAME", "web-1", "IgnoreUnknown", "1"), request.args());
        assertEquals("1.1.0", request.config().cniVersion());
        assertEquals("weft", request.config().name());
        assertEquals(Optional.empty(), request.config().prevResult());
    }

    @Test
    void missingOrInvalidVariablesAreCode4AndNamed() {
        Map<String, String> env = add();
        env.remove("CNI_NETNS");
        env.put("CNI_IFNAME", "a/b");
        CniException e = refused(env, CONFIG);
        assertEquals(CniException.INVALID_ENVIRONMENT, e.code());
        assertEquals("invalid environment variables CNI_NETNS, CNI_IFNAME", e.getMessage());
        assertTrue(e.details().contains("CNI_NETNS is not set") && e.details().contains("'a/b' is not an interface name"), e.details());

        env = add();
        env.put("CNI_COMMAND", "FROB");
        assertEquals(CniException.INVALID_ENVIRONMENT, refused(env, CONFIG).code());
        env = add();
        env.put("CNI_CONTAINERID", "-starts-badly");
        assertEquals(CniException.INVALID_ENVIRONMENT, refused(env, CONFIG).code());
        env = add();
        env.put("CNI_ARGS", "novalue");
        assertEquals(CniException.INVALID_ENVIRONMENT, refused(env, CONFIG).code());
    }

    @Test
    void aDelNeedsNoNamespaceBecauseItMayBeGoneAlready() throws CniException {
        Map<String, String> env = add();
        env.put("CNI_COMMAND", "DEL");
        env.remove("CNI_NETNS");
        assertEquals(Optional.empty(), parse(env, CONFIG).netns());
    }

    @Test
    void aConfigurationThatIsNotJsonIsCode6AndAnInvalidOneCode7() {
        assertEquals(CniException.UNDECODABLE, refused(add(), "{\"cniVersion\":").code());
        assertEquals(CniException.UNDECODABLE, refused(add(), "[1,2]").code());
        assertEquals(CniException.UNDECODABLE, refused(add(), "").code());
        CniException noName = refused(add(), "{\"cniVersion\":\"1.0.0\",\"type\":\"weft-net\"}");
        assertEquals(CniException.INVALID_CONFIGURATION, noName.code());
        assertTrue(noName.details().contains("name must be a non-empty string (it is missing)"), noName.details());
        assertEquals(CniException.INVALID_CONFIGURATION, refused(add(), "{\"cniVersion\":\"1.0.0\",\"name\":\"bad name\",\"type\":\"weft-net\"}").code());
        assertEquals(CniException.INVALID_CONFIGURATION, refused(add(), "{\"cniVersion\":\"1.0.0\",\"name\":\"weft\",\"type\":\"weft-net\",\"prevResult\":7}").code());
    }

    @Test
    void theHighestVersionWeSpeakOfCniVersionAndCniVersionsIsChosen() throws CniException {
        assertEquals("1.0.0", parse(add(), "{\"cniVersion\":\"0.4.0\",\"cniVersions\":[\"1.0.0\",\"0.3.1\",\"9.9.9\"],"
                + "\"name\":\"weft\",\"type\":\"weft-net\"}").config().cniVersion());
        CniException none = refused(add(), "{\"cniVersion\":\"0.2.0\",\"name\":\"weft\",\"type\":\"weft-net\"}");
        assertEquals(CniException.INCOMPATIBLE_VERSION, none.code());
        assertTrue(none.details().contains("[0.2.0]") && none.details().contains("1.1.0"), none.details());
    }

    @Test
    void operationsNewerThanTheConfigurationAreRefused() {
        Map<String, String> env = add();
        env.put("CNI_COMMAND", "CHECK");
        CniException check = refused(env, "{\"cniVersion\":\"0.3.1\",\"name\":\"weft\",\"type\":\"weft-net\"}");
        assertEquals(CniException.INCOMPATIBLE_VERSION, check.code());
        assertEquals("CHECK needs CNI 0.4.0 or later; the configuration is 0.3.1", check.details());
        env.put("CNI_COMMAND", "STATUS");
        assertEquals(CniException.INCOMPATIBLE_VERSION, refused(env, "{\"cniVersion\":\"1.0.0\",\"name\":\"weft\",\"type\":\"weft-net\"}").code());
    }

    @Test
    void gcReadsTheAttachmentsToKeep() throws CniException {
        Map<String, String> env = Map.of("CNI_COMMAND", "GC", "CNI_PATH", "/opt/cni/bin");
        CniRequest gc = parse(env, "{\"cniVersion\":\"1.1.0\",\"name\":\"weft\",\"type\":\"weft-net\",\"cni.dev/valid-attachments\":"
                + "[{\"containerID\":\"a1\",\"ifname\":\"eth0\"},{\"containerID\":\"b2\",\"ifname\":\"net1\"}]}");
        assertEquals(List.of(new CniRequest.ValidAttachment("a1", "eth0"), new CniRequest.ValidAttachment("b2", "net1")),
                gc.config().validAttachments());
        assertEquals(CniException.INVALID_CONFIGURATION, refused(env, "{\"cniVersion\":\"1.1.0\",\"name\":\"weft\",\"type\":\"weft-net\","
                + "\"cni.dev/valid-attachments\":[{\"containerID\":\"a1\"}]}").code());
    }

    @Test
    void theChainsEarlierResultIsKeptForWhatComesAfter() throws CniException {
        Map<String, String> env = add();
        env.put("CNI_COMMAND", "DEL");
        CniRequest del = parse(env, "{\"cniVersion\":\"1.0.0\",\"name\":\"weft\",\"type\":\"weft-net\",\"prevResult\":{\"ips\":[]}}");
        assertTrue(del.config().prevResult().orElseThrow().has("ips"));
    }
}

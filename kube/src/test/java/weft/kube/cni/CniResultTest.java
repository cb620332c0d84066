package weft.kube.cni;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Results in the format of each version the plugin speaks, errors and VERSION, character for character. */
class CniResultTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CniResult ADDED = new CniResult(
            List.of(new CniResult.Interface("vethwepl1234", "02:00:00:00:00:01", 1410, ""),
                    new CniResult.Interface("eth0", "02:00:00:00:00:02", 1410, "/var/run/netns/cni-1")),
            List.of(new CniResult.Ip("10.32.0.5/12", "10.32.0.1", 1)),
            List.of(new CniResult.Route("0.0.0.0/0", "10.32.0.1")));

    @Test
    void aResultInOneOfTheCurrentVersionsHasMtusAndNoFamily() {
        assertEquals("{\"cniVersion\":\"1.1.0\",\"interfaces\":[{\"name\":\"vethwepl1234\",\"mac\":\"02:00:00:00:00:01\",\"mtu\":1410,"
                + "\"sandbox\":\"\"},{\"name\":\"eth0\",\"mac\":\"02:00:00:00:00:02\",\"mtu\":1410,\"sandbox\":\"/var/run/netns/cni-1\"}],"
                + "\"ips\":[{\"address\":\"10.32.0.5/12\",\"gateway\":\"10.32.0.1\",\"interface\":1}],"
                + "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.32.0.1\"}]}", ADDED.toJson(JSON, "1.1.0").toString());
    }

    @Test
    void aResultBeforeOneZeroNamesEachIpsFamilyAndNoMtu() {
        assertEquals("{\"cniVersion\":\"0.3.1\",\"interfaces\":[{\"name\":\"vethwepl1234\",\"mac\":\"02:00:00:00:00:01\",\"sandbox\":\"\"},"
                + "{\"name\":\"eth0\",\"mac\":\"02:00:00:00:00:02\",\"sandbox\":\"/var/run/netns/cni-1\"}],"
                + "\"ips\":[{\"version\":\"4\",\"address\":\"10.32.0.5/12\",\"gateway\":\"10.32.0.1\",\"interface\":1}],"
                + "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.32.0.1\"}]}", ADDED.toJson(JSON, "0.3.1").toString());
    }

    @Test
    void anIpMustNameOneOfTheInterfaces() {
        assertThrows(IllegalArgumentException.class, () -> new CniResult(List.of(), List.of(new CniResult.Ip("10.32.0.5/12", "", 0)), List.of()));
    }

    @Test
    void errorsAndVersionAreTheSpecsObjects() {
        assertEquals("{\"cniVersion\":\"1.0.0\",\"code\":7,\"msg\":\"invalid network configuration\",\"details\":\"name is missing\"}",
                CniResult.error(JSON, "1.0.0", new CniException(7, "invalid network configuration", "name is missing")).toString());
        assertEquals("{\"cniVersion\":\"0.4.0\",\"supportedVersions\":[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]}",
                CniResult.versions(JSON, "{\"cniVersion\":\"0.4.0\"}".getBytes(StandardCharsets.UTF_8)).toString());
        assertEquals("1.1.0", CniResult.versions(JSON, "garbage".getBytes(StandardCharsets.UTF_8)).path("cniVersion").asText(),
                "a runtime that asks in a way we cannot read still learns what we speak");
    }

    @Test
    void versionsCompareByNumberNotByText() {
        assertEquals(true, CniVersion.atLeast("0.10.0", "0.4.0"));
        assertEquals(false, CniVersion.atLeast("0.3.1", "0.4.0"));
        assertEquals(true, CniVersion.compare("x.y", "0.3.0") < 0);
    }
}

package weft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@code weft setup-cni} installs: a launcher of this installation, and a configuration list a runtime reads. */
class CniSetupTest {
    @Test
    void installsAnExecutableLauncherAndAConfigurationListThatChainsPortmap(@TempDir Path dir) throws IOException {
        Path bin = dir.resolve("bin"), conf = dir.resolve("net.d");
        String said = CniSetup.install(bin, conf, Path.of("/var/lib/weft"), "/usr/lib/jvm/j25/bin/java", "/opt/weft/weft.jar");
        assertTrue(said.startsWith("installed " + bin.resolve("weft-net") + " and " + conf.resolve("10-weft.conflist") + "\nno AOT cache: "), said);

        String launcher = Files.readString(bin.resolve("weft-net"));
        assertTrue(launcher.startsWith("#!/bin/sh\n"), launcher);
        assertTrue(launcher.contains("exec '/usr/lib/jvm/j25/bin/java' $aot -Xlog:disable") && launcher.endsWith("-cp '/opt/weft/weft.jar' weft.kube.cni.CniPlugin\n"), launcher);
        assertTrue(launcher.contains("[ -f '" + bin.resolve("weft-net.aot") + "' ] && aot='-XX:AOTCache=" + bin.resolve("weft-net.aot") + "'"), launcher);
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(bin.resolve("weft-net"))));

        JsonNode list = new ObjectMapper().readTree(conf.resolve("10-weft.conflist").toFile());
        assertEquals("weft", list.path("name").asText());
        assertEquals("1.0.0", list.path("cniVersion").asText(), "the newest Debian's portmap speaks");
        assertEquals("weft-net", list.path("plugins").get(0).path("type").asText());
        assertEquals("/var/lib/weft", list.path("plugins").get(0).path("dataDir").asText());
        assertEquals("portmap", list.path("plugins").get(1).path("type").asText());
        assertTrue(list.path("plugins").get(1).path("capabilities").path("portMappings").asBoolean());
        try (var left = Files.list(bin)) {
            assertEquals(1, left.count(), "a temporary file stayed behind");
        }
    }
}

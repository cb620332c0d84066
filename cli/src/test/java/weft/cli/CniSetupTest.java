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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@code weft setup-cni} installs: a launcher of this installation, and a configuration list a runtime reads. */
class CniSetupTest {
    @Test
    void installsAnExecutableLauncherAndAConfigurationListThatChainsPortmap(@TempDir Path dir) throws IOException {
        Path bin = dir.resolve("bin"), conf = dir.resolve("net.d");
        String said = CniSetup.install(bin, conf, Path.of("/var/lib/weft"), "/usr/lib/jvm/j25/bin/java", "/opt/weft/weft.jar");
        assertTrue(said.startsWith("installed " + bin.resolve("weft-net") + " and " + conf.resolve("10-weft.conflist") + "\nno AOT cache: "), said);

        String launcher = Files.readString(bin.resolve("weft-net"));
        assertTrue(launcher.startsWith("#!/bin/bash\n"), launcher);
        assertTrue(launcher.contains("\nJAVA='/usr/lib/jvm/j25/bin/java'\nCLASS_PATH='/opt/weft/weft.jar'\nAOT_CACHE='" + bin.resolve("weft-net.aot") + "'\n"),
                launcher);
        assertFalse(launcher.contains("@"), "a placeholder was left: " + launcher);
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

    @Test
    void aCopiedRuntimeIsWhatTheLauncherRunsAndAnUpgradeRemovesTheCopyBeforeIt(@TempDir Path dir) throws IOException {
        Path javaHome = dir.resolve("jdk"), installation = dir.resolve("weft"), bin = dir.resolve("bin");
        Files.createDirectories(javaHome.resolve("bin"));
        Files.createDirectories(javaHome.resolve("lib"));
        Files.writeString(javaHome.resolve("bin/java"), "#!/bin/sh\nexit 3\n");
        Files.setPosixFilePermissions(javaHome.resolve("bin/java"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(javaHome.resolve("lib/modules"), "modules");
        Files.createSymbolicLink(javaHome.resolve("lib/alias"), Path.of("modules"));
        Files.createDirectories(installation.resolve("lib"));
        Path kube = Files.writeString(installation.resolve("lib/weft-kube.jar"), "kube");
        Path jackson = Files.writeString(installation.resolve("lib/jackson-core.jar"), "jackson");

        CniSetup.Runtime first = CniSetup.copyRuntime(bin, javaHome, java.util.List.of(kube, jackson));
        Path copy = first.copy();
        assertEquals(bin.resolve("weft-net.d"), copy.getParent());
        assertEquals(copy.resolve("java/bin/java").toString(), first.java());
        assertEquals(copy.resolve("lib/weft-kube.jar") + ":" + copy.resolve("lib/jackson-core.jar"), first.classPath());
        assertTrue(Files.isExecutable(Path.of(first.java())), "the copied java lost its permissions");
        assertTrue(Files.isSymbolicLink(copy.resolve("java/lib/alias")), "a link in the runtime became a copy");
        assertEquals("jackson", Files.readString(copy.resolve("lib/jackson-core.jar")));
        CniSetup.install(bin, dir.resolve("net.d"), Path.of("/var/lib/weft"), first.java(), first.classPath());
        assertTrue(Files.readString(bin.resolve("weft-net")).contains("\nJAVA='" + first.java() + "'\n"));

        CniSetup.Runtime second = CniSetup.copyRuntime(bin, javaHome, java.util.List.of(kube, jackson));
        CniSetup.removeOtherCopies(bin, second);
        try (var copies = Files.list(bin.resolve("weft-net.d"))) {
            assertEquals(java.util.List.of(second.copy()), copies.toList());
        }
    }

    @Test
    void aPathWithQuotesStaysOneShellWord() {
        assertEquals("'/opt/it'\\''s/java'", CniSetup.shellQuoted("/opt/it's/java"));
    }

    @Test
    void thePluginsClassPathHoldsItsOwnClassesAndNotTheRoutersOrFabric8s() throws Exception {
        java.util.List<Path> classPath = CniSetup.pluginClassPath();
        try (var loader = new java.net.URLClassLoader(classPath.stream().map(p -> {
            try {
                return p.toUri().toURL();
            } catch (java.net.MalformedURLException e) {
                throw new AssertionError(e);
            }
        }).toArray(java.net.URL[]::new), ClassLoader.getPlatformClassLoader())) {
            Class<?> plugin = loader.loadClass("weft.kube.cni.CniPlugin");
            plugin.getMethod("main", String[].class); // resolves what its signature names
            loader.loadClass("com.fasterxml.jackson.databind.ObjectMapper").getConstructor().newInstance();
            for (String absent : java.util.List.of("weft.router.Router", "io.fabric8.kubernetes.client.KubernetesClient")) {
                assertThrows(ClassNotFoundException.class, () -> loader.loadClass(absent), absent + " is on the plugin's class path");
            }
        }
    }
}

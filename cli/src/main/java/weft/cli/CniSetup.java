package weft.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * {@code weft setup-cni}: installs the CNI plugin {@code weft-net} into the runtime's plugin directory and the
 * network configuration list {@code 10-weft.conflist} beside the others, as {@code weave setup-cni} did. The plugin
 * is a launcher of this installation's JVM and jar, so it stays in step with the router; the configuration chains
 * the reference {@code portmap} plugin after Weft for {@code hostPort} mappings. Each file is written whole (a
 * temporary file moved into place), so a runtime never reads half of one.
 *
 * <p>The runtime starts the plugin once per pod and operation, so its start-up is most of its cost: setup also
 * records an AOT cache of the plugin's classes ({@code weft-net.aot}, JDK 25's ahead-of-time cache, from one
 * training call), which the launcher uses when it is there; on this project's 2-core machines a VERSION call took
 * 0.37 s without it and 0.14 s with it and C1 only. JVM logging is off in the launcher: a warning (a stale cache
 * after an upgrade, say) must not land in the JSON on standard out. Stateless.
 */
final class CniSetup {
    static final String PLUGIN = "weft-net";
    static final String CONFLIST = "10-weft.conflist";
    static final String AOT_CACHE = "weft-net.aot";

    private CniSetup() {
    }

    /** The plugin's launcher: {@code java} and the jar of this installation, with flags that start a JVM fast. */
    static String launcher(String java, String classPath, Path aotCache) {
        return "#!/bin/sh\n"
                + "# weft-net: Weft's CNI plugin, installed by 'weft setup-cni'; it asks the local Weft router for each pod's interface.\n"
                + "aot=\n"
                + "[ -f '" + aotCache + "' ] && aot='-XX:AOTCache=" + aotCache + "'\n"
                + "exec '" + java + "' $aot -Xlog:disable -Xlog:all=off -XX:TieredStopAtLevel=1 -cp '" + classPath + "' weft.kube.cni.CniPlugin\n";
    }

    /**
     * The network configuration list: Weft for the pod's interface and address, then portmap for host ports. Version
     * 1.0.0, the newest that Debian's reference plugins (1.1.1) speak: a list is checked against every plugin in it.
     */
    static String conflist(Path dataDir) {
        return """
                {
                  "cniVersion": "1.0.0",
                  "cniVersions": ["0.3.1", "0.4.0", "1.0.0"],
                  "name": "weft",
                  "plugins": [
                    { "type": "%s", "dataDir": "%s" },
                    { "type": "portmap", "capabilities": { "portMappings": true }, "snat": true }
                  ]
                }
                """.formatted(PLUGIN, dataDir.toString().replace("\\", "\\\\").replace("\"", "\\\""));
    }

    /** Writes the plugin into {@code binDir} and the configuration into {@code confDir}; returns what it wrote. */
    static String install(Path binDir, Path confDir, Path dataDir, String java, String classPath) throws IOException {
        Path plugin = binDir.resolve(PLUGIN), conf = confDir.resolve(CONFLIST), cache = binDir.resolve(AOT_CACHE);
        write(plugin, launcher(java, classPath, cache), "rwxr-xr-x");
        write(conf, conflist(dataDir), "rw-r--r--");
        return "installed " + plugin + " and " + conf + "\n" + train(java, classPath, cache, dataDir);
    }

    /**
     * Records the AOT cache from one STATUS call (through the API client whether or not a router answers) into a
     * temporary file moved into place; says what it did. A failure leaves the plugin working, only slower to start.
     */
    static String train(String java, String classPath, Path cache, Path dataDir) {
        Path temporary = cache.resolveSibling("." + cache.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(temporary);
            ProcessBuilder builder = new ProcessBuilder(java, "-XX:AOTCacheOutput=" + temporary, "-cp", classPath, "weft.kube.cni.CniPlugin")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
            builder.environment().put("CNI_COMMAND", "STATUS");
            Process training = builder.start();
            try (var in = training.getOutputStream()) {
                in.write(("{\"cniVersion\":\"1.1.0\",\"name\":\"weft\",\"type\":\"weft-net\",\"dataDir\":\""
                        + dataDir.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"}").getBytes(StandardCharsets.UTF_8));
            }
            if (!training.waitFor(120, TimeUnit.SECONDS)) {
                training.destroyForcibly();
                return "no AOT cache: the training call did not end within 120 s (the plugin works, but starts slower)";
            }
            if (!Files.exists(temporary)) return "no AOT cache: this JVM made none (the plugin works, but starts slower)";
            Files.move(temporary, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return "recorded " + cache + " (the plugin's classes, for a faster start)";
        } catch (IOException e) {
            return "no AOT cache: " + e.getMessage() + " (the plugin works, but starts slower)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "no AOT cache: interrupted";
        }
    }

    private static void write(Path file, String content, String permissions) throws IOException {
        Files.createDirectories(file.getParent());
        Path temporary = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
        try {
            Files.writeString(temporary, content, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString(permissions));
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}

package weft.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * {@code weft setup-cni}: installs the CNI plugin {@code weft-net} into the runtime's plugin directory and the
 * network configuration list {@code 10-weft.conflist} beside the others, as {@code weave setup-cni} did. The plugin
 * is a launcher of this installation's JVM and jar, so it stays in step with the router; the configuration chains
 * the reference {@code portmap} plugin after Weft for {@code hostPort} mappings. Each file is written whole (a
 * temporary file moved into place), so a runtime never reads half of one. Stateless.
 */
final class CniSetup {
    static final String PLUGIN = "weft-net";
    static final String CONFLIST = "10-weft.conflist";

    private CniSetup() {
    }

    /** The plugin's launcher: {@code java} and the jar of this installation, with flags that start a JVM fast. */
    static String launcher(String java, String classPath) {
        return "#!/bin/sh\n"
                + "# weft-net: Weft's CNI plugin, installed by 'weft setup-cni'; it asks the local Weft router for each pod's interface.\n"
                + "exec '" + java + "' -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp '" + classPath + "' weft.kube.cni.CniPlugin\n";
    }

    /** The network configuration list: Weft for the pod's interface and address, then portmap for host ports. */
    static String conflist(Path dataDir) {
        return """
                {
                  "cniVersion": "1.1.0",
                  "cniVersions": ["0.3.1", "0.4.0", "1.0.0", "1.1.0"],
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
        Path plugin = binDir.resolve(PLUGIN), conf = confDir.resolve(CONFLIST);
        write(plugin, launcher(java, classPath), "rwxr-xr-x");
        write(conf, conflist(dataDir), "rw-r--r--");
        return "installed " + plugin + " and " + conf;
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

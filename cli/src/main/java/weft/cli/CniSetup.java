package weft.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code weft setup-cni}: installs the CNI plugin {@code weft-net} into the runtime's plugin directory and the
 * network configuration list {@code 10-weft.conflist} beside the others, as {@code weave setup-cni} did. The plugin
 * is a bash launcher that hands each call to the local router, which runs the plugin in its own process; when no
 * router takes it, the launcher runs the plugin with this installation's JVM and jars, so it stays in step with the
 * router. The configuration chains the reference {@code portmap} plugin after Weft for {@code hostPort} mappings.
 * Each file is written whole (a temporary file moved into place), so a runtime never reads half of one.
 *
 * <p>The runtime starts the plugin once per pod and operation, so its start-up is most of its cost: a JVM per call
 * made an ADD take 350 ms, the router's own work 80 of them. For the calls that still start a JVM, setup also records
 * an AOT cache of the plugin's classes ({@code weft-net.aot}, JDK 25's ahead-of-time cache, from one training call),
 * which the launcher uses when it is there; on this project's 2-core machines a VERSION call took 0.37 s without it
 * and 0.14 s with it and C1 only.
 *
 * <p>Run in a container (the DaemonSet's init step), this installation is invisible to the host that runs the
 * plugin: {@link #copyRuntime} then copies the Java runtime and the jars into {@code BIN_DIR/weft-net.d/} first, each
 * copy in a directory of its own that the launcher names, so a plugin running during an upgrade keeps its files;
 * older copies go once the new launcher is in place. The copy's paths are the same in the container and on the host
 * (the DaemonSet mounts the host's directories at their own paths), so the AOT cache trained here holds there. Stateless.
 */
final class CniSetup {
    static final String PLUGIN = "weft-net";
    static final String CONFLIST = "10-weft.conflist";
    static final String AOT_CACHE = "weft-net.aot";
    /**
     * Classes whose jars make the plugin's class path: the plugin, the API client it asks the router with, and
     * Jackson's three parts. Only those: a JVM started with a long class path checks every entry against its AOT
     * cache, and the router's jars (fabric8's among them) would add a tenth of a second to every call.
     */
    private static final List<Class<?>> PLUGIN_CLASSES = List.of(weft.kube.cni.CniPlugin.class, weft.api.ApiClient.class,
            com.fasterxml.jackson.databind.ObjectMapper.class, com.fasterxml.jackson.core.JsonParser.class,
            com.fasterxml.jackson.annotation.JsonProperty.class);

    /** Where {@link #copyRuntime} puts its copies, in the plugin directory. */
    static final String COPIES = "weft-net.d";

    /** A Java runtime and a class path to run the plugin with. */
    record Runtime(String java, String classPath) {
        /** The directory {@link #copyRuntime} made for this runtime: the one above its {@code java/bin/java}. */
        Path copy() {
            return Path.of(java).getParent().getParent().getParent();
        }
    }

    private CniSetup() {
    }

    /**
     * The plugin's launcher ({@code weft-net.bash}): it hands each call to the router, or runs the plugin with
     * {@code java}, the class path and the AOT cache given (when there is one) if no router takes it.
     */
    static String launcher(String java, String classPath, Path aotCache) {
        String template;
        try (var in = CniSetup.class.getResourceAsStream("weft-net.bash")) {
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("weft-net.bash is missing from weft's jar", e);
        }
        return template.replace("@JAVA@", shellQuoted(java)).replace("@CLASS_PATH@", shellQuoted(classPath))
                .replace("@AOT_CACHE@", shellQuoted(aotCache.toString()));
    }

    /** {@code text} as one shell word, whatever it holds. */
    static String shellQuoted(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
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

    /** The jars (or class directories) that hold {@link #PLUGIN_CLASSES}, in that order, without repeats. */
    static List<Path> pluginClassPath() {
        return PLUGIN_CLASSES.stream().map(type -> {
            try {
                return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
            } catch (java.net.URISyntaxException e) {
                throw new IllegalStateException("the class path entry of " + type.getName() + " is not a file", e);
            }
        }).distinct().toList();
    }

    /**
     * Copies the runtime at {@code javaHome} and the {@code jars} into a new directory under
     * {@code binDir/weft-net.d}; returns how to run the plugin from there. Symbolic links and permissions are kept.
     * A copy that fails part-way is removed.
     */
    static Runtime copyRuntime(Path binDir, Path javaHome, List<Path> jars) throws IOException {
        Path copies = Files.createDirectories(binDir.resolve(COPIES));
        Path copy = Files.createTempDirectory(copies, "copy-");
        List<String> classPath = new java.util.ArrayList<>();
        try {
            copyTree(javaHome, copy.resolve("java"));
            Files.createDirectories(copy.resolve("lib"));
            for (Path jar : jars) {
                Path copied = copy.resolve("lib").resolve(jar.getFileName());
                Files.copy(jar, copied, StandardCopyOption.COPY_ATTRIBUTES);
                classPath.add(copied.toString());
            }
            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException | RuntimeException e) {
            removeTree(copy);
            throw e;
        }
        return new Runtime(copy.resolve("java/bin/java").toString(), String.join(java.io.File.pathSeparator, classPath));
    }

    /** Removes the copies under {@code binDir/weft-net.d} but {@code current}'s, once the launcher names it. */
    static void removeOtherCopies(Path binDir, Runtime current) throws IOException {
        Path keep = current.copy();
        try (var copies = Files.list(binDir.resolve(COPIES))) {
            for (Path copy : copies.toList()) if (!copy.equals(keep)) removeTree(copy);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var entries = Files.walk(from)) {
            for (Path source : entries.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            }
        }
    }

    private static void removeTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (var entries = Files.walk(root)) {
            for (Path path : entries.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(path);
        }
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

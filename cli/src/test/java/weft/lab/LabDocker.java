package weft.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Docker engine of a lab host: Debian's dockerd in the host's network namespace, as {@code lab_dockerd} in
 * {@code scripts/lib/lab.sh} starts it (its data, state and API socket in the host's data dir; in a mount namespace
 * of its own, {@code /run/docker/plugins} is the host's {@code plugins} dir, where the host's router serves its Docker
 * plugin, see {@link Lab#weft}). {@link #close} removes the containers first (their shims outlive the engine
 * otherwise), then stops it.
 */
final class LabDocker implements AutoCloseable {
    static final String BUSYBOX = "weft-lab/busybox:1";
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration CALL = Duration.ofSeconds(90);

    private final Lab lab;
    private final Host host;
    private final Path socket;
    private Process dockerd; // a new one after restart()

    private LabDocker(Lab lab, Host host, Path socket, Process dockerd) {
        this.lab = lab;
        this.host = host;
        this.socket = socket;
        this.dockerd = dockerd;
    }

    /** Starts {@code host}'s engine and waits until it answers, with the busybox image {@link #BUSYBOX} in it. */
    static LabDocker start(Lab lab, Host host) throws IOException {
        Path socket = host.dataDir().resolve("docker/docker.sock");
        Process dockerd = lab.dockerd(host);
        LabDocker docker = new LabDocker(lab, host, socket, dockerd);
        docker.awaitAnswer();
        docker.importBusybox();
        return docker;
    }

    private void awaitAnswer() {
        Process started = dockerd;
        boolean up = Poll.until(() -> started.isAlive() && docker("version").ok(), START);
        if (!up) throw new IllegalStateException("dockerd in " + host.netns() + " did not answer within " + START.toSeconds() + " s:\n" + lab.logOf(started));
    }

    /** Stops the engine as a service stop does (its containers stop with it) and starts it again on the same data. */
    void restart() {
        stopEngine();
        dockerd = lab.dockerd(host);
        awaitAnswer();
    }

    /** How many addresses {@code host}'s router holds, as {@code weft report} says. */
    static int allocations(Lab lab, Host host) throws IOException {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(lab.weft(host, "report").orThrow().stdout()).path("ipam").path("allocations").asInt(-1);
    }

    /** {@code docker ARGS} against this engine, in the host's namespace. */
    ExecResult docker(String... args) {
        return client(socket, args);
    }

    /** {@code docker ARGS} through the host's Weft proxy (where {@link Lab#weft} has it listen). */
    ExecResult viaProxy(String... args) {
        return client(host.dataDir().resolve("weft-proxy.sock"), args);
    }

    /** The engine's socket, for the router's --docker-api. */
    Path socket() {
        return socket;
    }

    private ExecResult client(Path at, String... args) {
        List<String> command = new ArrayList<>(List.of("docker", "--host", "unix://" + at));
        command.addAll(List.of(args));
        return Exec.run(host.netns(), Map.of(), CALL, command);
    }

    /** A root of Debian's static busybox, with the applets the tests use, imported as {@link #BUSYBOX}. */
    private void importBusybox() throws IOException {
        Path rootfs = Files.createDirectories(host.dataDir().resolve("busybox-root/bin"));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("busybox"));
        for (String applet : List.of("sh", "ip", "ping", "sleep", "cat", "grep", "hostname", "nc", "httpd", "wget", "true")) {
            Files.createSymbolicLink(rootfs.resolve(applet), Path.of("busybox"));
        }
        String importing = "tar -C \"$0\" -c . | docker --host \"unix://$1\" import -c 'CMD [\"/bin/sh\"]' - " + BUSYBOX;
        Exec.run(host.netns(), Map.of(), CALL, List.of("sh", "-c", importing, rootfs.getParent().toString(), socket.toString())).orThrow();
    }

    /** Removes every container, then stops the engine and waits for it. */
    @Override
    public void close() {
        ExecResult all = docker("ps", "-aq");
        if (all.ok() && !all.stdout().isBlank()) {
            List<String> remove = new ArrayList<>(List.of("rm", "-f"));
            remove.addAll(all.stdout().lines().toList());
            docker(remove.toArray(String[]::new));
        }
        stopEngine();
    }

    private void stopEngine() {
        List<ProcessHandle> children = dockerd.toHandle().descendants().toList(); // its containerd
        dockerd.destroy(); // the engine stops its containers and the containerd it started
        try {
            if (!dockerd.waitFor(60, TimeUnit.SECONDS)) dockerd.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted while stopping dockerd in " + host.netns()));
        }
    }
}

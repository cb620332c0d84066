package weft.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Weft on a real Kubernetes 1.20, as {@code scripts/kube-e2e.sh} sets it up and checks it: two nodes (kubelet and
 * containerd in lab host namespaces, from {@code ../shared/k8s}), the image of {@code scripts/image.sh}, the
 * manifests applied with kubectl; the routers Ready with their Nodes' {@code NetworkUnavailable=False}, a pod on one
 * node pinging one on the other through kubelet, containerd, libcni and {@code weft-net}, and a deleted Node's ranges
 * taken over by the surviving router. The script says what each step found; this test asserts its verdict.
 *
 * <p>Needs root and the shared Kubernetes scripts beside the clone. The first run on a machine builds Kubernetes
 * (about 8 minutes, cached in /var/cache/k8s-lab) and the image's Debian root (about a minute).
 */
@EnabledIf("weft.lab.KubernetesIT#possible")
class KubernetesIT {
    private static final long TIMEOUT_MINUTES = 30;

    static boolean possible() {
        return Lab.runningAsRoot() && Files.isDirectory(repository().resolve("../shared/k8s"));
    }

    private static Path repository() {
        return Path.of(System.getProperty("user.dir")).getParent();
    }

    @Test
    @Timeout(value = TIMEOUT_MINUTES + 5, unit = TimeUnit.MINUTES) // the build on a new machine is in it; the default is shorter
    void podsOnTwoNodesReachEachOtherThroughWeftAndADeletedNodesAddressesAreReclaimed() throws IOException, InterruptedException {
        Path log = Files.createTempFile("kube-e2e", ".log");
        Process script = new ProcessBuilder("bash", repository().resolve("scripts/kube-e2e.sh").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        boolean ended = script.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES);
        if (!ended) {
            script.destroy(); // its trap removes the cluster
            script.waitFor(2, TimeUnit.MINUTES);
        }
        String output = Files.readString(log);
        System.out.println(output); // the script's account of each step, for whoever reads the report
        assertTrue(ended, "scripts/kube-e2e.sh did not finish within " + TIMEOUT_MINUTES + " minutes");
        assertTrue(output.contains("KUBE-E2E: PASS"), output.lines().filter(line -> line.startsWith("KUBE-E2E")).findFirst()
                .orElse("the script gave no verdict"));
        assertEquals(0, script.exitValue());
    }
}

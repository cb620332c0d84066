package weft.lab;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two hosts with a password, so their sleeve is sealed: a gigabyte of random bytes crosses it over TCP, through
 * the TAP offloads (64 KiB segments, fragmented and reassembled), and arrives with the same SHA-256.
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
class SleeveThroughputIT {
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static final long BYTES = 1L << 30;
    private static Lab lab;
    private static final List<String> containers = new ArrayList<>();

    static String overlayAddress(int host) {
        return "10.99.8." + host;
    }

    @BeforeAll
    static void buildLab() throws Exception {
        lab = Lab.create(2);
        Path password = Files.writeString(lab.dir().resolve("password"), "throughput is not a secret\n");
        for (Host host : lab.hosts()) {
            List<String> args = new ArrayList<>(List.of("launch", "--nickname", "host" + host.index(), "--password-file", password.toString()));
            lab.hosts().stream().filter(other -> other != host).map(Host::underlayAddress).forEach(args::add);
            lab.weft(host, args.toArray(String[]::new)).orThrow();
        }
        for (Host host : lab.hosts()) {
            String container = lab.container(host, "c" + host.index());
            containers.add(container);
            lab.weft(host, "attach", overlayAddress(host.index()) + "/24", "netns:" + container).orThrow();
        }
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) lab.close();
    }

    @Test
    void aGigabyteCrossesAnEncryptedSleeveIntact() throws Exception {
        assertTrue(Reachability.reachable(lab, containers.get(0), overlayAddress(2), SETTLE));
        assertTrue(lab.weft(lab.host(1), "status").orThrow().stdout().contains("Encryption: enabled"), "the pair should seal");
        Path sent = lab.dir().resolve("sent.sha256"), received = lab.dir().resolve("received.sha256");
        Process receiver = lab.spawn(containers.get(1), "sh", "-c", "nc.openbsd -l 5010 | sha256sum > " + received);
        // the sender hashes what it sends on the way; `wait $!` waits for the hashing process substitution
        String send = "set -o pipefail; head -c " + BYTES + " /dev/urandom | tee >(sha256sum > " + sent + ") | nc.openbsd -N "
                + overlayAddress(2) + " 5010; rc=$?; wait $!; exit $rc";
        // one attempt, timed, once the receiver listens: a retry would send (and time) a second gigabyte
        assertTrue(Poll.until(() -> lab.exec(containers.get(1), Duration.ofSeconds(5), "ss", "-Hltn", "sport = :5010").stdout().contains("5010"),
                Duration.ofSeconds(30)), "the receiver does not listen on 5010");
        long started = System.nanoTime();
        ExecResult sending = lab.exec(containers.get(0), Duration.ofMinutes(3), "bash", "-c", send);
        assertTrue(sending.ok(), sending.describe());
        assertTrue(receiver.waitFor(60, TimeUnit.SECONDS), "receiver did not finish");
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("SleeveThroughputIT: 1 GiB in %.1f s, %.2f Gbit/s (sealed)%n", seconds, BYTES * 8 / seconds / 1e9);
        String expected = Files.readString(sent).split(" ")[0].strip();
        assertEquals(64, expected.length(), "the sender's hash");
        assertEquals(expected, Files.readString(received).split(" ")[0].strip());
        String metrics = lab.weft(lab.host(2), "metrics").orThrow().stdout();
        assertTrue(metrics.contains("kind=\"frames-reassembled\"}") && !metrics.contains("kind=\"frames-reassembled\"} 0\n"),
                "TCP segments should have crossed as reassembled 64 KiB frames:\n" + metrics);
    }
}

package weft.lab;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** TCP transfers between lab containers with netcat, the way the lab tests check that bytes arrive intact. */
final class NcTransfer {
    private NcTransfer() {
    }

    /**
     * Sends {@code file} from {@code fromNetns} to a listener at {@code toAddress:port}. The listener needs a
     * moment to start, so the sender retries until it connects rather than waiting a fixed time.
     */
    static void send(Lab lab, String fromNetns, String toAddress, int port, Path file) {
        ExecResult send = Poll.until(
                () -> lab.exec(fromNetns, Duration.ofMinutes(3), "sh", "-c", "nc.openbsd -N " + toAddress + " " + port + " < " + file),
                ExecResult::ok, Duration.ofSeconds(30));
        if (!send.ok()) throw new AssertionError("transfer failed: " + send.describe());
    }

    /** The SHA-256 of what was sent and of what the receiving container got. */
    record Hashes(String sent, String received) {
    }

    /** Sends {@code size} bytes of seeded random data through a listener that hashes what arrives. */
    static Hashes sendRandom(Lab lab, String fromNetns, String toNetns, String toAddress, int port, long size, long seed, String name)
            throws IOException, InterruptedException {
        Path file = lab.dir().resolve("payload-" + name + ".bin");
        String expected = writeRandom(file, size, seed);
        Path received = lab.dir().resolve("received-" + name + ".sha256");
        Process receiver = lab.spawn(toNetns, "sh", "-c", "nc.openbsd -l " + port + " | sha256sum > " + received);
        send(lab, fromNetns, toAddress, port, file);
        if (!receiver.waitFor(60, TimeUnit.SECONDS)) throw new AssertionError("receiver did not finish");
        return new Hashes(expected, Files.readString(received).split(" ")[0].strip());
    }

    private static String writeRandom(Path file, long size, long seed) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
        Random random = new Random(seed);
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < size; written += block.length) {
                random.nextBytes(block);
                out.write(block);
                sha.update(block);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}

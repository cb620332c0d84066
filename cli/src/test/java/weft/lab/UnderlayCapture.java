package weft.lab;


import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Sends a marker text over TCP from one container to another while tcpdump records a host's underlay
 * interface, and returns what was captured: the lab's way to see what crosses the wire.
 */
final class UnderlayCapture {

    /** What the capture holds and the marker that was sent. */
    record Result(String marker, String captured, long bytes, long payloadBytes) {
        boolean showsMarker() {
            return captured.contains(marker);
        }

        /** True if the capture is at least as large as the payload, so it cannot have missed most of it. */
        boolean coversPayload() {
            return bytes >= payloadBytes;
        }
    }

    private UnderlayCapture() {
    }

    static Result transfer(Lab lab, String hostNetns, String fromContainer, String toContainer, String toAddress, int port)
            throws IOException, InterruptedException {
        Path capture = lab.dir().resolve("underlay-" + System.nanoTime() + ".pcap");
        Process tcpdump = lab.spawn(hostNetns, "tcpdump", "-i", "eth0", "--immediate-mode", "-U", "-n", "-w", capture.toString());
        Poll.until(() -> Files.readString(lab.logOf(tcpdump)).contains("listening on"), Duration.ofSeconds(20)); // tcpdump says when it listens
        String marker = "WEFT-PLAINTEXT-MARKER-" + System.nanoTime();
        Path payload = Files.writeString(lab.dir().resolve("marker-" + port + ".txt"), (marker + "\n").repeat(2000));
        Process receiver = lab.spawn(toContainer, "sh", "-c", "nc.openbsd -l " + port + " > /dev/null");
        NcTransfer.send(lab, fromContainer, toAddress, port, payload);
        if (!receiver.waitFor(30, TimeUnit.SECONDS)) throw new AssertionError("receiver did not finish");
        long expected = 2000L * marker.length();
        Poll.until(() -> Files.size(capture) >= expected, Duration.ofSeconds(15)); // tcpdump writes as it captures
        tcpdump.destroy();
        tcpdump.waitFor(10, TimeUnit.SECONDS);
        byte[] captured = Files.readAllBytes(capture);
        return new Result(marker, new String(captured, StandardCharsets.ISO_8859_1), captured.length, expected);
    }
}

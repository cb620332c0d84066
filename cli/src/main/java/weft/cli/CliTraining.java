package weft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import weft.api.ApiCodec;
import weft.api.ApiLocation;
import weft.api.Attachment;
import weft.api.StatusReport;
import weft.router.http.ApiLocationFile;

/**
 * The training run of the command line's AOT cache ({@code scripts/setup.sh}: {@code java -XX:AOTCacheOutput=...
 * -cp weft.jar weft.cli.CliTraining}). The JVM keeps in the cache the classes a run loaded and linked and the profiles
 * of the methods it ran, so the run must take the paths users' commands take: {@code weft status}, {@code weft ps}
 * and {@code weft attach} against a router that answers, whose replies are read and printed. No router runs at setup,
 * so this one answers for it: a loopback HTTP server with replies of the API's shapes, found through a data
 * directory of its own, as a router's is. What the commands print goes nowhere. Run only by setup; exits non-zero
 * (so setup says the cache is missing) when a command fails.
 */
public final class CliTraining {
    private CliTraining() {
    }

    public static void main(String[] args) throws IOException {
        System.exit(train() == 0 ? 0 : 1);
    }

    /** Runs the commands against the training replies; returns how many failed. */
    static int train() throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path dataDir = Files.createTempDirectory("weft-cli-training");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        Attachment attached = new Attachment("netns:training", "/run/netns/training", "vethwl1", "02:00:00:00:00:01", List.of("10.32.0.1/12"));
        server.createContext("/status", exchange -> reply(exchange, json.writeValueAsBytes(status())));
        server.createContext("/ps", exchange -> reply(exchange, json.writeValueAsBytes(List.of(attached))));
        server.createContext("/attach", exchange -> reply(exchange, json.writeValueAsBytes(attached)));
        server.start();
        int failed = 0;
        try (ApiLocationFile location = ApiLocationFile.publish(dataDir, ApiLocation.of(server.getAddress(), ProcessHandle.current().pid()),
                new ApiCodec(json))) {
            PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
            for (List<String> command : List.of(List.of("status"), List.of("status", "connections"), List.of("ps"),
                    List.of("attach", "netns:training"), List.of("status"), List.of("ps"))) {
                List<String> args = Stream.concat(command.stream(), Stream.of("--data-dir", dataDir.toString())).toList();
                if (new Weft(nowhere, nowhere, Map.of()).run(args) != 0) {
                    System.err.println("weft.cli.CliTraining: 'weft " + String.join(" ", command) + "' failed against the training replies");
                    failed++;
                }
            }
        } finally {
            server.stop(0);
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
            }
        }
        return failed;
    }

    private static void reply(HttpExchange exchange, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** A router's status with one of each of its parts, so that each is read and printed. */
    private static StatusReport status() {
        String self = "aa:bb:cc:dd:ee:01", other = "aa:bb:cc:dd:ee:02";
        return new StatusReport("0.1.0", 1, self, "training", "disabled", "0.0.0.0:6783", 6783, "127.0.0.1:6784", "weft", "weft-sleeve",
                1410, "from the underlay", "10.32.0.0/12", "/var/lib/weft",
                List.of(new StatusReport.ConnectionView(other, "other", "192.0.2.2:6783", "outbound", "established", "2026-01-01T00:00:00Z",
                        "fast", "plaintext", 1500, new StatusReport.SleeveHeard(12, 40, 900))),
                List.of(new StatusReport.TargetView("192.0.2.3", "retrying", "", "connection refused", "2026-01-01T00:00:05Z", 2)),
                List.of(new StatusReport.PeerView(other, "other", "1f", 3, 2, List.of(self))), Map.of(other, other), 1,
                Map.of("frames-sent", 1L), new StatusReport.IpamView("10.32.0.0/12", "10.32.0.0/12", "ready", "nothing", "ring", 100, 1,
                        List.of(new StatusReport.IpamView.Share(self, "training", 1 << 20, 100.0, 100, true, List.of("10.32.0.0/12"))),
                        List.of(), List.of(), ""),
                "weft-vxlan (VXLAN, UDP 6784) on weft", Map.of("heartbeats-sent", 1L), Map.of("udp gro", "available"));
    }
}

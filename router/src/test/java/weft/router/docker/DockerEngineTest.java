package weft.router.docker;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Docker client against a fake engine on a Unix socket in a temporary directory, which answers every
 * connection with one canned reply, as an HTTP/1.0 server would, and records the requests it saw.
 */
class DockerEngineTest {
    @TempDir
    Path directory;

    private final ObjectMapper json = new ObjectMapper();

    /** Serves connections one at a time on a virtual thread until closed; each reply is written in {@code parts}. */
    private static final class FakeEngine implements AutoCloseable {
        final BlockingQueue<String> requests = new LinkedBlockingQueue<>();
        private final ServerSocketChannel server;
        private final Thread thread;

        FakeEngine(Path socket, String... parts) throws IOException {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            thread = Thread.ofVirtual().name("fake-docker").start(() -> {
                while (true) {
                    try (SocketChannel connection = server.accept()) {
                        requests.add(readRequest(connection));
                        for (String part : parts) {
                            ByteBuffer bytes = StandardCharsets.ISO_8859_1.encode(part);
                            while (bytes.hasRemaining()) connection.write(bytes);
                        }
                    } catch (IOException e) {
                        return; // closed by the test
                    }
                }
            });
        }

        private static String readRequest(SocketChannel connection) throws IOException {
            StringBuilder text = new StringBuilder();
            ByteBuffer buffer = ByteBuffer.allocate(1024);
            while (text.indexOf("\r\n\r\n") < 0) {
                if (connection.read(buffer.clear()) < 0) break;
                text.append(StandardCharsets.ISO_8859_1.decode(buffer.flip()));
            }
            return text.toString();
        }

        /** The request of the call that has just returned; waits only for the fake's own bookkeeping. */
        String nextRequest() throws InterruptedException {
            String request = requests.poll(10, TimeUnit.SECONDS);
            if (request == null) throw new AssertionError("the fake engine saw no request");
            return request;
        }

        @Override
        public void close() throws IOException {
            server.close();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while stopping the fake engine", e);
            }
        }
    }

    private Path socket() {
        return directory.resolve("docker.sock");
    }

    private DockerEngine engine() {
        return new DockerEngine(socket(), json);
    }

    private static String http(String statusLine, String body) {
        return statusLine + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    @Test
    void runningContainerGivesItsPidFromAnInspectOfTheContainer() throws Exception {
        try (FakeEngine fake = new FakeEngine(socket(), http("HTTP/1.0 200 OK", "{\"Id\":\"abc\",\"State\":{\"Status\":\"running\",\"Running\":true,\"Pid\":4242}}"))) {
            assertEquals(4242, engine().pidOf("web-1"));

            String request = fake.nextRequest();
            assertTrue(request.startsWith("GET /containers/web-1/json HTTP/1.0\r\n"), request);
        }
    }

    @Test
    void replyArrivingInPiecesIsReadWhole() throws Exception {
        String reply = http("HTTP/1.1 200 OK", "{\"State\":{\"Running\":true,\"Pid\":77}}");
        try (var _ = new FakeEngine(socket(), reply.substring(0, 5), reply.substring(5, 40), reply.substring(40))) {
            assertEquals(77, engine().pidOf("abc123"));
        }
    }

    @Test
    void unknownContainerIsNoSuchContainer() throws Exception {
        try (var _ = new FakeEngine(socket(), http("HTTP/1.0 404 Not Found", "{\"message\":\"No such container: web\"}"))) {
            IOException e = assertThrows(IOException.class, () -> engine().pidOf("web"));
            assertEquals("no such Docker container 'web'", e.getMessage());
        }
    }

    @Test
    void stoppedContainerIsNotRunning() throws Exception {
        try (var _ = new FakeEngine(socket(), http("HTTP/1.0 200 OK", "{\"State\":{\"Running\":false,\"Pid\":0}}"))) {
            IOException e = assertThrows(IOException.class, () -> engine().pidOf("web"));
            assertEquals("Docker container 'web' is not running", e.getMessage());
        }
    }

    @Test
    void runningContainerWithoutAPidIsAnError() throws Exception {
        try (var _ = new FakeEngine(socket(), http("HTTP/1.0 200 OK", "{\"State\":{\"Running\":true,\"Pid\":0}}"))) {
            IOException e = assertThrows(IOException.class, () -> engine().pidOf("web"));
            assertEquals("Docker engine gave no process id for container 'web'", e.getMessage());
        }
    }

    @Test
    void otherStatusIsReportedWithItsCode() throws Exception {
        try (var _ = new FakeEngine(socket(), http("HTTP/1.0 500 Internal Server Error", "{\"message\":\"boom\"}"))) {
            IOException e = assertThrows(IOException.class, () -> engine().pidOf("web"));
            assertEquals("Docker engine answered 500 for container 'web'", e.getMessage());
        }
    }

    @Test
    void garbageReplyIsMalformed() throws Exception {
        for (String garbage : List.of("hello there\r\n\r\n", "HTTP/1.0 200 OK", "", "HTTP/1.0 2x0 OK\r\n\r\n{}")) {
            try (var _ = new FakeEngine(socket(), garbage)) {
                IOException e = assertThrows(IOException.class, () -> engine().pidOf("web"), garbage);
                assertTrue(e.getMessage().matches("the Docker engine's reply to GET /containers/web/json (is not HTTP|has no status)"), garbage + " gave: " + e.getMessage());
            }
            Files.delete(socket()); // a Unix socket file outlives its channel
        }
    }

    @Test
    void missingSocketSaysNoEngineListensThere() {
        IOException e = assertThrows(IOException.class, () -> engine().pidOf("web"));

        assertEquals("'web' is not netns:NAME or pid:N, and no Docker engine listens at " + socket(), e.getMessage());
    }
}

package weft.proxy.docker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import weft.api.RouterApi;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proxy between a client and a stand-in engine on Unix sockets: after an upgrade, a client that sends faster than
 * the engine reads is held back in its own socket, not queued in the proxy's memory; and an engine that is not there
 * is answered with 502 and the reason.
 */
class DockerProxyTest {
    private static final RouterApi NO_ROUTER = (RouterApi) Proxy.newProxyInstance(RouterApi.class.getClassLoader(), new Class<?>[]{RouterApi.class},
            (proxy, method, args) -> {
                throw new AssertionError("not asked in this test: " + method.getName());
            });
    private static final DockerProxy.JoinSettings SETTINGS = new DockerProxy.JoinSettings(NO_ROUTER, "weft", true);

    @TempDir
    Path dir;

    private static String head(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) throw new IOException("closed in the head: " + head);
            head.append((char) b);
        }
        return head.toString();
    }

    /** A stand-in engine: an attach is upgraded and then never read again (a slow engine); anything else is an empty list. */
    private static void serve(SocketChannel connection, CountDownLatch upgraded, CountDownLatch over) {
        try (connection) {
            String request = head(Channels.newInputStream(connection));
            if (!request.contains("/attach")) {
                connection.write(StandardCharsets.US_ASCII.encode("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]"));
                return;
            }
            connection.write(StandardCharsets.US_ASCII.encode("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"));
            upgraded.countDown();
            over.await(); // reads nothing more
        } catch (IOException | InterruptedException e) {
            // the test is over
        }
    }

    @Test
    void aClientThatSendsFasterThanTheEngineReadsWaitsInItsOwnSocket() throws Exception {
        Path engineSocket = dir.resolve("engine.sock");
        CountDownLatch upgraded = new CountDownLatch(1), over = new CountDownLatch(1);
        try (ServerSocketChannel engine = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            engine.bind(UnixDomainSocketAddress.of(engineSocket));
            // every connection is served, not only the first: the proxy's lease sweep asks the engine too, and may come first
            Thread stalled = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        SocketChannel connection = engine.accept();
                        Thread.ofVirtual().start(() -> serve(connection, upgraded, over));
                    }
                } catch (IOException e) {
                    // the test is over
                }
            });
            try (DockerProxy proxy = DockerProxy.start(dir.resolve("weft.sock"), engineSocket, SETTINGS);
                 SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(proxy.socket()))) {
                client.write(StandardCharsets.US_ASCII.encode("POST /containers/c1/attach?stream=1&stdin=1 HTTP/1.1\r\nHost: docker\r\n"
                        + "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n"));
                assertTrue(head(Channels.newInputStream(client)).startsWith("HTTP/1.1 101"));
                assertTrue(upgraded.await(10, TimeUnit.SECONDS));
                client.configureBlocking(false);
                ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
                long sent = 0, deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                while (sent < (32L << 20) && System.nanoTime() < deadline) {
                    sent += client.write(chunk.clear());
                }
                // the sockets' buffers and Netty's watermark hold a few MB at most; without the hold the proxy takes all 32 MB
                assertTrue(sent < (8L << 20), "the proxy took " + sent + " bytes the engine did not read");
            } finally {
                over.countDown();
                stalled.interrupt();
            }
        }
    }

    @Test
    void anEngineThatIsNotThereIsAnsweredWith502AndTheReason() throws Exception {
        try (DockerProxy proxy = DockerProxy.start(dir.resolve("weft.sock"), dir.resolve("no-engine.sock"), SETTINGS);
             SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(proxy.socket()))) {
            client.write(StandardCharsets.US_ASCII.encode("GET /containers/json HTTP/1.1\r\nHost: docker\r\n\r\n"));
            String reply = new String(Channels.newInputStream(client).readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(reply.startsWith("HTTP/1.1 502 Bad Gateway"), reply);
            assertTrue(reply.contains("\"message\":\"the Docker engine at " + dir.resolve("no-engine.sock") + " does not answer"), reply);
        }
        assertEquals(false, java.nio.file.Files.exists(dir.resolve("weft.sock")), "the socket file stayed after close");
    }
}

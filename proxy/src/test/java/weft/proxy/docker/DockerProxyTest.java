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
                 SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(((ProxyAddress.Unix) proxy.address()).socket()))) {
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
             SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(((ProxyAddress.Unix) proxy.address()).socket()))) {
            client.write(StandardCharsets.US_ASCII.encode("GET /containers/json HTTP/1.1\r\nHost: docker\r\n\r\n"));
            String reply = new String(Channels.newInputStream(client).readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(reply.startsWith("HTTP/1.1 502 Bad Gateway"), reply);
            assertTrue(reply.contains("\"message\":\"the Docker engine at " + dir.resolve("no-engine.sock") + " does not answer"), reply);
        }
        assertEquals(false, java.nio.file.Files.exists(dir.resolve("weft.sock")), "the socket file stayed after close");
    }

    @Test
    void onLoopbackTcpItAnswersAsOnItsUnixSocket() throws Exception {
        ProxyAddress loopback = new ProxyAddress.Tcp(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), java.util.Optional.empty());
        try (DockerProxy proxy = DockerProxy.start(loopback, dir.resolve("no-engine.sock"), SETTINGS);
             java.net.Socket client = new java.net.Socket()) {
            client.connect(((ProxyAddress.Tcp) proxy.address()).address(), 5000);
            client.getOutputStream().write("GET /containers/json HTTP/1.1\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String reply = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(reply.startsWith("HTTP/1.1 502 Bad Gateway"), reply);
        }
    }

    /** Runs openssl in {@code dir}; the test is skipped where there is none. */
    private void openssl(String... args) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("openssl"));
        command.addAll(java.util.List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.abort("no openssl here: " + e.getMessage());
            return;
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0, String.join(" ", command) + ": " + output);
    }

    private javax.net.ssl.SSLContext clientContext(boolean withCertificate) throws Exception {
        java.security.KeyStore trusted = java.security.KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        try (InputStream ca = java.nio.file.Files.newInputStream(dir.resolve("ca.pem"))) {
            trusted.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(ca));
        }
        javax.net.ssl.TrustManagerFactory trust = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        javax.net.ssl.KeyManager[] keys = null;
        if (withCertificate) {
            java.security.KeyStore mine = java.security.KeyStore.getInstance("PKCS12");
            try (InputStream in = java.nio.file.Files.newInputStream(dir.resolve("client.p12"))) {
                mine.load(in, "test".toCharArray());
            }
            javax.net.ssl.KeyManagerFactory factory = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            factory.init(mine, "test".toCharArray());
            keys = factory.getKeyManagers();
        }
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(keys, trust.getTrustManagers(), null);
        return context;
    }

    private String askOverTls(ProxyAddress.Tcp at, boolean withCertificate) throws Exception {
        try (javax.net.ssl.SSLSocket client = (javax.net.ssl.SSLSocket) clientContext(withCertificate).getSocketFactory()
                .createSocket(at.address().getAddress(), at.address().getPort())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write("GET /containers/json HTTP/1.1\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            return new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void withTlsOnlyAClientWithACertificateOfItsCaIsServed() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=weft test CA");
        java.nio.file.Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        java.nio.file.Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        for (String side : java.util.List.of("server", "client")) {
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", side + ".key", "-out", side + ".csr", "-subj", "/CN=" + side);
            openssl("x509", "-req", "-in", side + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", side + ".pem",
                    "-days", "2", "-extfile", side + ".ext");
        }
        openssl("pkcs12", "-export", "-in", "client.pem", "-inkey", "client.key", "-out", "client.p12", "-passout", "pass:test");
        ProxyAddress.Tls tls = new ProxyAddress.Tls(dir.resolve("server.pem"), dir.resolve("server.key"), dir.resolve("ca.pem"));
        ProxyAddress address = new ProxyAddress.Tcp(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), java.util.Optional.of(tls));
        try (DockerProxy proxy = DockerProxy.start(address, dir.resolve("no-engine.sock"), SETTINGS)) {
            ProxyAddress.Tcp at = (ProxyAddress.Tcp) proxy.address();
            String reply = askOverTls(at, true);
            assertTrue(reply.startsWith("HTTP/1.1 502 Bad Gateway"), reply);
            String refused;
            try {
                refused = askOverTls(at, false);
            } catch (IOException e) {
                refused = "refused: " + e;
            }
            assertTrue(!refused.contains("HTTP/1.1"), "a client without a certificate was answered: " + refused);
        }
        IOException badFiles = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> DockerProxy.start(
                new ProxyAddress.Tcp(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0),
                        java.util.Optional.of(new ProxyAddress.Tls(dir.resolve("server.pem"), dir.resolve("ca.pem"), dir.resolve("ca.pem")))),
                dir.resolve("no-engine.sock"), SETTINGS));
        assertTrue(badFiles.getMessage().startsWith("cannot use the proxy's TLS files"), badFiles.getMessage());
    }
}

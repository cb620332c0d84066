package weft.router.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsServerTest {
    private static final String TEXT = "# HELP weft_learned_macs MACs.\n# TYPE weft_learned_macs gauge\nweft_learned_macs 3\n";
    private final AtomicInteger rendered = new AtomicInteger();
    private final MetricsServer server;

    MetricsServerTest() throws BindException {
        server = MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), () -> {
            rendered.incrementAndGet();
            return TEXT;
        });
    }

    @AfterEach
    void close() {
        server.close();
    }

    private record Reply(int status, String contentType, String allow, String body) {
    }

    private Reply call(String method, String path) throws IOException {
        URI uri = URI.create("http://127.0.0.1:" + server.address().getPort() + path);
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        connection.setRequestMethod(method);
        connection.setConnectTimeout(5_000);
        connection.setReadTimeout(5_000);
        int status = connection.getResponseCode();
        try (InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
            String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Reply(status, connection.getContentType(), connection.getHeaderField("Allow"), body);
        }
    }

    @Test
    void getMetricsIsServedWithoutATokenInPrometheusText() throws IOException {
        Reply reply = call("GET", "/metrics");
        assertEquals(200, reply.status());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", reply.contentType());
        assertEquals(TEXT, reply.body());
        assertEquals(TEXT, call("GET", "/metrics?name[]=weft_learned_macs").body(), "a scraper's query changes nothing");
    }

    @Test
    void otherMethodsAreRefusedWithoutMakingTheMetrics() throws IOException {
        for (String method : new String[]{"POST", "PUT", "DELETE"}) {
            Reply reply = call(method, "/metrics");
            assertEquals(405, reply.status(), method);
            assertEquals("GET", reply.allow(), method);
        }
        assertEquals(0, rendered.get());
    }

    @Test
    void nothingElseIsServed() throws IOException {
        for (String path : new String[]{"/", "/status", "/metrics/", "/stop", "/metricsx"}) {
            assertEquals(404, call("GET", path).status(), path);
            assertEquals(404, call("POST", path).status(), path);
        }
        assertEquals(0, rendered.get());
    }

    @Test
    void aFailingRenderIsA500AndTheServerGoesOn() throws IOException {
        try (MetricsServer failing = MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), () -> {
            throw new IllegalStateException("mesh loop overloaded");
        })) {
            URI uri = URI.create("http://127.0.0.1:" + failing.address().getPort() + "/metrics");
            HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
            assertEquals(500, connection.getResponseCode());
        }
        assertEquals(200, call("GET", "/metrics").status());
    }

    @Test
    void anAddressInUseFailsNamingItAndTheOption() {
        InetSocketAddress taken = server.address();
        BindException refused = assertThrows(BindException.class, () -> MetricsServer.start(taken, () -> TEXT));
        assertTrue(refused.getMessage().startsWith("cannot serve metrics on 127.0.0.1:" + taken.getPort() + ": "), refused.getMessage());
        assertTrue(refused.getMessage().contains("--metrics-addr"), refused.getMessage());
    }
}

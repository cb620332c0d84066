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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsServerTest {
    private static final String TEXT = "# HELP weft_learned_macs MACs.\n# TYPE weft_learned_macs gauge\nweft_learned_macs 3\n";
    private final AtomicInteger rendered = new AtomicInteger();
    private final AtomicReference<String> graph = new AtomicReference<>("{\"self\":\"a\"}");
    private final MetricsServer server;

    MetricsServerTest() throws BindException {
        server = MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), () -> {
            rendered.incrementAndGet();
            return TEXT;
        }, graph::get);
    }

    @AfterEach
    void close() {
        server.close();
    }

    private record Reply(int status, String contentType, String allow, String body, HttpURLConnection connection) {
    }

    private Reply call(String method, String path) throws IOException {
        URI uri = URI.create("http://127.0.0.1:" + server.address().getPort() + path);
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        connection.setInstanceFollowRedirects(false);
        connection.setRequestMethod(method);
        connection.setConnectTimeout(5_000);
        connection.setReadTimeout(5_000);
        int status = connection.getResponseCode();
        try (InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
            String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Reply(status, connection.getContentType(), connection.getHeaderField("Allow"), body, connection);
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
        for (String path : new String[]{"/status", "/metrics/", "/stop", "/metricsx", "/topology/", "/topology.css", "/topology/events/x"}) {
            assertEquals(404, call("GET", path).status(), path);
            assertEquals(404, call("POST", path).status(), path);
        }
        for (String path : new String[]{"/", "/topology", "/topology.js", "/topology.json", "/topology/events"}) {
            assertEquals(405, call("POST", path).status(), path);
        }
        assertEquals(0, rendered.get());
    }

    @Test
    void thePageAndItsScriptAreServedUnderAPolicyThatRunsOnlyThem() throws IOException {
        Reply page = call("GET", "/topology");
        assertEquals(200, page.status());
        assertEquals("text/html; charset=utf-8", page.contentType());
        String policy = page.connection().getHeaderField("Content-Security-Policy");
        assertTrue(policy.contains("default-src 'none'") && policy.contains("script-src 'self'") && !policy.contains("script-src 'self' 'unsafe"), policy);
        assertEquals("nosniff", page.connection().getHeaderField("X-Content-Type-Options"));
        assertTrue(page.body().contains("<script src=\"/topology.js\"></script>"), page.body());
        assertEquals(1, page.body().split("<script").length - 1, "one script, the file, no inline one (the policy would block it)");
        Reply script = call("GET", "/topology.js");
        assertEquals(200, script.status());
        assertEquals("text/javascript; charset=utf-8", script.contentType());
        assertTrue(script.body().contains("new EventSource('/topology/events')"), script.body());
        assertTrue(!script.body().contains("innerHTML"), "texts from the mesh go in as text");
        Reply root = call("GET", "/");
        assertEquals(302, root.status());
        assertEquals("/topology", root.connection().getHeaderField("Location"));
    }

    @Test
    void theGraphIsServedAsJson() throws IOException {
        graph.set("{\"self\":\"b\"}");
        Reply reply = call("GET", "/topology.json");
        assertEquals(200, reply.status());
        assertEquals("application/json", reply.contentType());
        assertEquals("{\"self\":\"b\"}", reply.body());
        assertEquals(0, rendered.get(), "the metrics are not made for the graph");
    }

    private HttpResponse<Stream<String>> watch(HttpClient client) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + "/topology/events"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofLines());
    }

    @Test
    void theEventsStreamTheGraphAtOnceAndThenEachChangeOnce() throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<Stream<String>> stream = watch(client);
            assertEquals(200, stream.statusCode());
            assertEquals("text/event-stream; charset=utf-8", stream.headers().firstValue("Content-Type").orElseThrow());
            Iterator<String> lines = stream.body().iterator();
            assertEquals("event: topology", lines.next());
            assertEquals("data: {\"self\":\"a\"}", lines.next());
            assertEquals("", lines.next());
            graph.set("{\"self\":\"c\"}");
            List<String> seen = new ArrayList<>();
            while (!seen.contains("data: {\"self\":\"c\"}")) seen.add(lines.next()); // a tick a second; the client's timeout bounds it
            assertEquals(List.of("event: topology", "data: {\"self\":\"c\"}"), seen.stream().filter(l -> !l.isEmpty()).toList(),
                    "the unchanged graph is not sent again: " + seen);
            stream.body().close();
        }
    }

    @Test
    void watchersAreBoundedAndRefusedWith503() throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            List<HttpResponse<Stream<String>>> streams = new ArrayList<>();
            for (int i = 0; i < TopologyFeed.MAX_WATCHERS; i++) {
                HttpResponse<Stream<String>> stream = watch(client);
                assertEquals(200, stream.statusCode());
                stream.body().iterator().next(); // joined once the first graph came
                streams.add(stream);
            }
            assertEquals(503, watch(client).statusCode());
            streams.forEach(s -> s.body().close());
        }
    }

    @Test
    void aFailingRenderIsA500AndTheServerGoesOn() throws IOException {
        try (MetricsServer failing = MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), () -> {
            throw new IllegalStateException("mesh loop overloaded");
        }, graph::get)) {
            URI uri = URI.create("http://127.0.0.1:" + failing.address().getPort() + "/metrics");
            HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
            assertEquals(500, connection.getResponseCode());
        }
        assertEquals(200, call("GET", "/metrics").status());
    }

    @Test
    void anAddressInUseFailsNamingItAndTheOption() {
        InetSocketAddress taken = server.address();
        BindException refused = assertThrows(BindException.class, () -> MetricsServer.start(taken, () -> TEXT, graph::get));
        assertTrue(refused.getMessage().startsWith("cannot serve metrics on 127.0.0.1:" + taken.getPort() + ": "), refused.getMessage());
        assertTrue(refused.getMessage().contains("--metrics-addr"), refused.getMessage());
    }
}

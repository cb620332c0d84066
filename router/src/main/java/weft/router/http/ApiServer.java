package weft.router.http;

import weft.api.RouterApi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The router's HTTP API: JSON requests and replies on loopback, one virtual thread per request. Errors are
 * replied as {@code {"error": "..."}} with 400 for a bad request and 500 for a failure of the router.
 */
public final class ApiServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ApiServer.class.getName());
    private static final int MAX_BODY_BYTES = 64 * 1024;

    @FunctionalInterface
    private interface Route {
        Object handle(JsonNode body) throws Exception;
    }

    private record Endpoint(String method, Route route) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final ObjectMapper json;
    private final RouterApi router;
    private final Map<String, Endpoint> endpoints;

    public ApiServer(InetSocketAddress address, RouterApi router, ObjectMapper json) throws IOException {
        this.router = router;
        this.json = json;
        this.endpoints = Map.ofEntries(
                Map.entry("/status", new Endpoint("GET", body -> router.status())),
                Map.entry("/report", new Endpoint("GET", body -> router.status())),
                Map.entry("/ps", new Endpoint("GET", body -> router.attachments())),
                Map.entry("/connect", new Endpoint("POST", body -> router.connect(strings(body, "peers")))),
                Map.entry("/forget", new Endpoint("POST", body -> Map.of("forgotten", router.forget(strings(body, "peers"))))),
                Map.entry("/attach", new Endpoint("POST", body -> router.attach(text(body, "target"), strings(body, "cidrs")))),
                Map.entry("/detach", new Endpoint("POST", body -> router.detach(text(body, "target"), strings(body, "cidrs")))),
                Map.entry("/expose", new Endpoint("POST", body -> router.expose(strings(body, "cidrs")))),
                Map.entry("/hide", new Endpoint("POST", body -> router.hide(strings(body, "cidrs")))),
                Map.entry("/rmpeer", new Endpoint("POST", body -> Map.of("result", router.removePeer(text(body, "peer"), body.path("force").asBoolean(false))))),
                Map.entry("/prime", new Endpoint("POST", body -> Map.of("phase", router.primeAllocation()))),
                Map.entry("/adopt-ring", new Endpoint("POST", body -> Map.of("result", router.adoptWinningRing()))),
                Map.entry("/stop", new Endpoint("POST", body -> {
                    router.stop();
                    return Map.of("stopping", true);
                })));
        try {
            server = HttpServer.create(address, 64);
        } catch (BindException e) {
            throw new BindException("cannot listen for the HTTP API on " + address.getHostString() + ":" + address.getPort()
                    + ": " + e.getMessage() + " (is another router running in this network namespace? --http-addr chooses another)");
        }
        server.setExecutor(executor);
        server.createContext("/", this::serve);
    }

    public void start() {
        server.start();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/metrics")) {
                reply(exchange, 200, "text/plain; version=0.0.4", router.metrics().getBytes(StandardCharsets.UTF_8));
                return;
            }
            Endpoint endpoint = endpoints.get(path);
            if (endpoint == null) {
                replyError(exchange, 404, "no such API path: " + path);
                return;
            }
            if (!endpoint.method().equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", endpoint.method());
                replyError(exchange, 405, path + " takes " + endpoint.method());
                return;
            }
            Object result;
            try {
                result = endpoint.route().handle(readBody(exchange));
            } catch (JsonProcessingException e) {
                replyError(exchange, 400, "request body is not valid JSON: " + e.getOriginalMessage());
                return;
            } catch (IllegalArgumentException e) {
                replyError(exchange, 400, e.getMessage());
                return;
            } catch (Exception e) {
                String reason = e.getMessage() == null ? e.toString() : e.getMessage();
                LOG.log(System.Logger.Level.WARNING, exchange.getRequestMethod() + " " + path + " failed: " + reason);
                replyError(exchange, 500, reason);
                return;
            }
            reply(exchange, 200, "application/json", json.writerWithDefaultPrettyPrinter().writeValueAsBytes(result));
        }
    }

    private JsonNode readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            if (bytes.length > MAX_BODY_BYTES) throw new IllegalArgumentException("request body larger than " + MAX_BODY_BYTES + " bytes");
            if (bytes.length == 0) return json.createObjectNode();
            JsonNode node = json.readTree(bytes);
            if (!node.isObject()) throw new IllegalArgumentException("request body must be a JSON object");
            return node;
        }
    }

    static String text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || !node.isTextual()) throw new IllegalArgumentException("'" + field + "' is required and must be a string");
        return node.asText();
    }

    static List<String> strings(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null) return List.of();
        if (!node.isArray()) throw new IllegalArgumentException("'" + field + "' must be a list of strings");
        List<String> values = new ArrayList<>();
        for (JsonNode element : node) {
            if (!element.isTextual()) throw new IllegalArgumentException("'" + field + "' must be a list of strings");
            values.add(element.asText());
        }
        return values;
    }

    private void replyError(HttpExchange exchange, int status, String message) throws IOException {
        reply(exchange, status, "application/json", json.writeValueAsBytes(Map.of("error", message)));
    }

    private static void reply(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(2); // lets the reply to a stop request go out
        executor.close();
    }
}

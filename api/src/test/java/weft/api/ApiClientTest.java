package weft.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The typed client against a stand-in router on a real loopback socket: what each method puts on the wire, how
 * it reads the reply, and what it says when the router refuses, answers nonsense or is not there.
 */
class ApiClientTest {
    private final ObjectMapper json = new ObjectMapper();
    private final ApiCodec codec = new ApiCodec(json);
    private HttpServer server;
    private ApiClient client;

    /** What the stand-in answers, by path. */
    private record Canned(int status, String contentType, byte[] body) {
    }

    /** One request as the stand-in received it; {@code body} is null when none was sent. */
    private record Received(String method, String path, String contentType, String body) {
    }

    private final Map<String, Canned> answers = new ConcurrentHashMap<>();
    /** Written by the server's thread before it replies, read by the test after the reply came. */
    private volatile Received received;
    /** The Authorization header of the last request, null for none; written and read like {@link #received}. */
    private volatile String receivedAuthorization;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        server.createContext("/", this::answer);
        server.start();
        client = new ApiClient(server.getAddress());
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            receivedAuthorization = exchange.getRequestHeaders().getFirst("Authorization");
            received = new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Content-Type"), body.length == 0 ? null : new String(body, StandardCharsets.UTF_8));
            Canned canned = answers.getOrDefault(exchange.getRequestURI().getPath(),
                    new Canned(404, "application/json", "{\"error\":\"no such API path\"}".getBytes(StandardCharsets.UTF_8)));
            exchange.getResponseHeaders().set("Content-Type", canned.contentType());
            exchange.sendResponseHeaders(canned.status(), canned.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(canned.body());
            }
        }
    }

    private void answerJson(Endpoint endpoint, int status, String body) {
        answers.put(endpoint.path(), new Canned(status, "application/json", body.getBytes(StandardCharsets.UTF_8)));
    }

    @FunctionalInterface
    private interface Call {
        Object on(ApiClient client) throws IOException;
    }

    /** One typed call: the request it must send (null for none), the reply the router gives, what the call returns. */
    private record RoundTrip(Endpoint endpoint, Call call, String request, String reply, Object expected) {
    }

    private List<RoundTrip> roundTrips() {
        String attachment = new String(codec.write(ApiFixtures.attachment()), StandardCharsets.UTF_8);
        return List.of(
                new RoundTrip(Endpoint.STATUS, ApiClient::status, null,
                        new String(codec.writePretty(ApiFixtures.status()), StandardCharsets.UTF_8), ApiFixtures.status()),
                new RoundTrip(Endpoint.REPORT, ApiClient::report, null, "{\"pid\":4242,\"added-later\":[1]}",
                        json.createObjectNode().put("pid", 4242).set("added-later", json.createArrayNode().add(1))),
                new RoundTrip(Endpoint.PS, ApiClient::attachments, null, "[" + attachment + "]", List.of(ApiFixtures.attachment())),
                new RoundTrip(Endpoint.CONNECT, c -> c.connect(List.of("a", "192.168.1.2:6783")), "{\"peers\":[\"a\",\"192.168.1.2:6783\"]}",
                        "[{\"target\":\"a\",\"connected\":true,\"message\":\"reached aa:bb\"},{\"target\":\"192.168.1.2:6783\",\"connected\":false,\"message\":\"refused\"}]",
                        List.of(new ConnectResult("a", true, "reached aa:bb"), new ConnectResult("192.168.1.2:6783", false, "refused"))),
                new RoundTrip(Endpoint.FORGET, c -> c.forget(List.of("a", "b")), "{\"peers\":[\"a\",\"b\"]}", "{\"forgotten\":[\"a\"]}", List.of("a")),
                new RoundTrip(Endpoint.ATTACH, c -> c.attach("netns:c1", List.of("10.32.0.5/12")), "{\"target\":\"netns:c1\",\"cidrs\":[\"10.32.0.5/12\"]}",
                        attachment, ApiFixtures.attachment()),
                new RoundTrip(Endpoint.DETACH, c -> c.detach("netns:c1", List.of()), "{\"target\":\"netns:c1\",\"cidrs\":[]}",
                        attachment, ApiFixtures.attachment()),
                new RoundTrip(Endpoint.EXPOSE, c -> c.expose(List.of()), "{\"cidrs\":[]}", attachment, ApiFixtures.attachment()),
                new RoundTrip(Endpoint.HIDE, c -> c.hide(List.of("10.32.0.5/12")), "{\"cidrs\":[\"10.32.0.5/12\"]}", attachment, ApiFixtures.attachment()),
                new RoundTrip(Endpoint.RMPEER, c -> c.removePeer("dead", true), "{\"peer\":\"dead\",\"force\":true}",
                        "{\"result\":\"42 addresses taken over from dead\"}", "42 addresses taken over from dead"),
                new RoundTrip(Endpoint.PRIME, ApiClient::primeAllocation, "{}", "{\"phase\":\"ready\"}", "ready"),
                new RoundTrip(Endpoint.ADOPT_RING, ApiClient::adoptWinningRing, "{}", "{\"result\":\"adopted; dropped 10.32.0.5\"}", "adopted; dropped 10.32.0.5"),
                new RoundTrip(Endpoint.IPAM_ALLOCATE, c -> c.allocateAddress("docker-ipam:a", Optional.of("10.33.0.0/16")),
                        "{\"owner\":\"docker-ipam:a\",\"subnet\":\"10.33.0.0/16\"}", "{\"cidr\":\"10.33.0.1/16\"}", "10.33.0.1/16"),
                new RoundTrip(Endpoint.IPAM_CLAIM, c -> c.claimAddress("o", "10.32.0.7/12"), "{\"owner\":\"o\",\"cidr\":\"10.32.0.7/12\"}",
                        "{\"cidr\":\"10.32.0.7/12\"}", "10.32.0.7/12"),
                new RoundTrip(Endpoint.IPAM_RELEASE, c -> c.releaseAddresses("o", Optional.empty()), "{\"owner\":\"o\",\"cidr\":null}",
                        "{\"released\":[\"10.32.0.7\"]}", List.of("10.32.0.7")),
                new RoundTrip(Endpoint.IPAM_LEASES, c -> c.addressesOf("o"), "{\"owner\":\"o\"}", "{\"addresses\":[\"10.32.0.7\"]}", List.of("10.32.0.7")),
                new RoundTrip(Endpoint.DNS, ApiClient::dns, null,
                        "{\"state\":\"serving\",\"listen\":\"10.32.0.1:53\",\"domain\":\"weft.local.\",\"ttlSeconds\":1,\"entries\":["
                                + "{\"name\":\"db.weft.local.\",\"address\":\"10.32.0.5\",\"owner\":\"netns:c1\",\"origin\":\"aa:bb:cc:dd:ee:ff\"}],"
                                + "\"counters\":{\"forwarded\":3}}",
                        new DnsStatus("serving", "10.32.0.1:53", "weft.local.", 1,
                                List.of(new DnsStatus.Entry("db.weft.local.", "10.32.0.5", "netns:c1", "aa:bb:cc:dd:ee:ff")), Map.of("forwarded", 3L))),
                new RoundTrip(Endpoint.DNS_ADD, c -> c.dnsAdd("db", List.of("10.32.0.5"), Optional.of("netns:c1")),
                        "{\"name\":\"db\",\"addresses\":[\"10.32.0.5\"],\"owner\":\"netns:c1\"}",
                        "{\"entries\":[{\"name\":\"db.weft.local.\",\"address\":\"10.32.0.5\",\"owner\":\"netns:c1\",\"origin\":\"aa:bb:cc:dd:ee:ff\"}]}",
                        List.of(new DnsStatus.Entry("db.weft.local.", "10.32.0.5", "netns:c1", "aa:bb:cc:dd:ee:ff"))),
                new RoundTrip(Endpoint.DNS_REMOVE, c -> c.dnsRemove(Optional.of("db"), List.of(), Optional.empty()),
                        "{\"name\":\"db\",\"addresses\":[],\"owner\":null}", "{\"entries\":[]}", List.of()),
                new RoundTrip(Endpoint.DNS_LOOKUP, c -> c.dnsLookup("db"), "{\"name\":\"db\",\"addresses\":[],\"owner\":null}",
                        "{\"addresses\":[\"10.32.0.5\"]}", List.of("10.32.0.5")),
                new RoundTrip(Endpoint.POLICY, ApiClient::policy, null,
                        "{\"state\":\"enforcing\",\"node\":\"n1\",\"policies\":[{\"policy\":\"prod/db\",\"types\":[\"Ingress\"],"
                                + "\"selected\":[\"prod/db-0\"],\"drops\":4}],\"refused\":[\"prod/bad: spec.podSelector: ...\"],\"isolated\":1,"
                                + "\"lastApply\":\"12 lines\",\"drops\":[\"TCP ...\"]}",
                        new PolicyStatus("enforcing", "n1", List.of(new PolicyStatus.Entry("prod/db", List.of("Ingress"), List.of("prod/db-0"), 4)),
                                List.of("prod/bad: spec.podSelector: ..."), 1, "12 lines", List.of("TCP ..."))),
                new RoundTrip(Endpoint.POLICY_WHY, c -> c.policyWhy(new ApiRequest.PolicyQuestion("prod/web", "prod/db", "tcp", 5432)),
                        "{\"source\":\"prod/web\",\"destination\":\"prod/db\",\"protocol\":\"TCP\",\"port\":5432}",
                        "{\"allowed\":false,\"reason\":\"denied: ...\"}", new ApiReply.PolicyVerdict(false, "denied: ...")),
                new RoundTrip(Endpoint.LEAVE, ApiClient::leave, "{}", "{\"result\":\"gave 128 addresses\"}", "gave 128 addresses"),
                new RoundTrip(Endpoint.STOP, c -> {
                    c.stop();
                    return "stopped";
                }, "{}", "{\"stopping\":true}", "stopped"));
    }

    @Test
    void everyJsonEndpointRoundTripsThroughItsTypedMethod() throws IOException {
        List<RoundTrip> trips = roundTrips();
        Set<Endpoint> covered = trips.stream().map(RoundTrip::endpoint).collect(Collectors.toCollection(() -> EnumSet.noneOf(Endpoint.class)));
        // metrics are text; CNI calls come from the plugin's bash launcher, not from this client
        assertEquals(EnumSet.complementOf(EnumSet.of(Endpoint.METRICS, Endpoint.CNI)), covered, "an endpoint without a round trip here");

        for (RoundTrip trip : trips) {
            answerJson(trip.endpoint(), 200, trip.reply());

            assertEquals(trip.expected(), trip.call().on(client), trip.endpoint().name());

            Received request = received;
            assertEquals(trip.endpoint().method(), request.method(), trip.endpoint().name());
            assertEquals(trip.endpoint().path(), request.path());
            if (trip.request() == null) {
                assertNull(request.body(), trip.endpoint().name());
            } else {
                assertEquals("application/json", request.contentType(), trip.endpoint().name());
                assertEquals(json.readTree(trip.request()), json.readTree(request.body()), trip.endpoint().name());
            }
        }
    }

    @Test
    void metricsAreTheRoutersTextAsItIs() throws IOException {
        String text = "# TYPE weft_sleeve_frames_total counter\nweft_sleeve_frames_total 12\n";
        answers.put("/metrics", new Canned(200, "text/plain; version=0.0.4", text.getBytes(StandardCharsets.UTF_8)));

        assertEquals(text, client.metrics());
        assertEquals(new Received("GET", "/metrics", null, null), received);
    }

    @Test
    void repliesWithFieldsThisClientDoesNotKnowStillRead() throws IOException {
        answerJson(Endpoint.ATTACH, 200, "{\"target\":\"netns:c1\",\"namespacePath\":\"/run/netns/c1\",\"hostInterface\":\"vethwl0\","
                + "\"mac\":\"02:00:00:00:00:01\",\"cidrs\":[\"10.32.0.5/12\",\"10.32.0.6/12\"],\"vlan\":7}");

        assertEquals(ApiFixtures.attachment(), client.attach("netns:c1", List.of()));
    }

    @Test
    void anErrorReplyIsAnApiExceptionWithTheRoutersWords() {
        answerJson(Endpoint.RMPEER, 400, "{\"error\":\"not taken over: peer alive is reachable\"}");

        ApiClient.ApiException e = assertThrows(ApiClient.ApiException.class, () -> client.removePeer("alive", false));

        assertEquals("not taken over: peer alive is reachable", e.getMessage());
        assertFalse(e.unreachable);
        assertFalse(e.nothingListens);
    }

    @Test
    void anErrorReplyWithoutAnErrorTextNamesTheStatus() {
        answers.put("/status", new Canned(500, "text/html", "<h1>oops</h1>".getBytes(StandardCharsets.UTF_8)));
        ApiClient.ApiException html = assertThrows(ApiClient.ApiException.class, client::status);
        assertEquals("the router answered HTTP 500", html.getMessage());

        answerJson(Endpoint.STATUS, 503, "{\"error\":7}");
        assertEquals("the router answered HTTP 503", assertThrows(ApiClient.ApiException.class, client::status).getMessage());
    }

    @Test
    void aReplyThatIsNotJsonSaysSo() {
        answerJson(Endpoint.PRIME, 200, "ready");

        ApiClient.ApiException e = assertThrows(ApiClient.ApiException.class, client::primeAllocation);

        assertEquals("the router at " + where() + " sent a reply that is not JSON", e.getMessage());
        assertFalse(e.unreachable);
    }

    @Test
    void aReplyOfTheWrongShapeSaysTheClientDoesNotUnderstandIt() {
        answerJson(Endpoint.PS, 200, "{\"target\":\"netns:c1\"}");

        ApiClient.ApiException e = assertThrows(ApiClient.ApiException.class, client::attachments);

        assertTrue(e.getMessage().startsWith("the router at " + where() + " sent a reply this client does not understand: "), e.getMessage());
        assertFalse(e.unreachable);
    }

    @Test
    void aRouterThatIsNotThereIsUnreachableAndTheMessageSaysHowToStartOne() throws IOException {
        InetSocketAddress closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = new InetSocketAddress("127.0.0.1", socket.getLocalPort()); // nothing listens once it is closed
        }
        ApiClient nobody = new ApiClient(closed);

        for (Call call : List.<Call>of(ApiClient::status, c -> c.connect(List.of("a")), ApiClient::metrics)) {
            ApiClient.ApiException e = assertThrows(ApiClient.ApiException.class, () -> call.on(nobody));

            assertEquals("no router answers at 127.0.0.1:" + closed.getPort() + " (is it running? 'weft launch' starts one)", e.getMessage());
            assertTrue(e.unreachable);
            assertTrue(e.nothingListens);
        }
    }

    @Test
    void aClientWithTheRoutersTokenSendsItWithEveryRequestAndOneWithoutSendsNone() throws IOException {
        ApiToken token = ApiToken.generate(new java.security.SecureRandom());
        ApiClient withToken = new ApiClient(server.getAddress(), java.time.Duration.ofSeconds(10), java.util.Optional.of(token));
        answerJson(Endpoint.PRIME, 200, "{\"phase\":\"ready\"}");
        answers.put("/metrics", new Canned(200, "text/plain", new byte[0]));

        withToken.primeAllocation();
        assertEquals(token.authorization(), receivedAuthorization);
        withToken.metrics();
        assertEquals(token.authorization(), receivedAuthorization);

        client.primeAllocation();
        assertNull(receivedAuthorization);
    }

    @Test
    void aRouterOnTheUnspecifiedAddressIsCalledOnLoopback() throws IOException {
        answerJson(Endpoint.PRIME, 200, "{\"phase\":\"ready\"}");
        ApiClient wildcard = new ApiClient(new InetSocketAddress("0.0.0.0", server.getAddress().getPort()));

        assertEquals("ready", wildcard.primeAllocation());
    }

    private String where() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }
}

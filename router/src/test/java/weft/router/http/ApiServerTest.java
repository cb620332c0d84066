package weft.router.http;

import weft.api.ApiClient;
import weft.api.ConnectResult;

import weft.api.StatusReport;

import weft.api.RouterApi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import weft.api.ApiToken;
import weft.api.CniService;
import weft.api.Attachment;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP API as a client sees it, over a real loopback socket: routing, the status codes of each kind of
 * failure, that request bodies reach the router intact, and whom it refuses (web pages by their Origin, Host or
 * content type; callers without the token where other hosts may call). The router behind it is a fake that records
 * calls.
 */
class ApiServerTest {
    private static final int MAX_BODY_BYTES = 64 * 1024;

    private final ObjectMapper json = new ObjectMapper();
    private final FakeRouter router = new FakeRouter();
    private ApiServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = new ApiServer(new InetSocketAddress("127.0.0.1", 0), router, json, Optional.empty(), Optional.empty());
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    /** What the fake answers and what it was asked; fields are volatile because requests run on other threads. */
    private static final class FakeRouter implements RouterApi {
        final StatusReport status = new StatusReport("0.1.0", 4242, "aa:bb:cc:dd:ee:ff", "host-1", "none", "0.0.0.0:6783",
                6784, "127.0.0.1:6784", "weft", "vethwe-sleeve", 1376,
                "automatic, from the underlay MTU 1466 of eth0 on the route to 192.168.1.2", "10.32.0.0/12", "/var/lib/weft",
                List.of(new StatusReport.ConnectionView("11:22:33:44:55:66", "host-2", "192.168.1.2:6783", "outbound",
                        "established", "2025-01-01T00:00:00Z", "sleeve", "plaintext", 1500, new StatusReport.SleeveHeard(12, 800, 3_100))),
                List.of(new StatusReport.TargetView("192.168.1.3", "retrying", null, "connection refused",
                        "2025-01-01T00:00:05Z", 3)),
                List.of(new StatusReport.PeerView("11:22:33:44:55:66", "host-2", "1f", 3, 17, List.of("aa:bb:cc:dd:ee:ff"))),
                Map.of("11:22:33:44:55:66", "11:22:33:44:55:66"),
                7, Map.of("dropped-bad-magic", 2L),
                new StatusReport.IpamView("10.32.0.0/12", "10.32.0.0/12", "ready", "nothing", "ring", 100, 2,
                        List.of(new StatusReport.IpamView.Share("aa:bb:cc:dd:ee:ff", "host-1", 1 << 20, 100.0, 100, true, List.of("10.32.0.0/12"))),
                        List.of(), List.of(), ""),
                "weft-vxlan (VXLAN, UDP 6784) on weft", Map.of("heartbeats-sent", 4L), Map.of("esp (xfrm rfc4106(gcm(aes)))", "no ESP"));
        volatile List<String> connectedWith;
        /** Thrown by attach, if set. */
        volatile Exception attachFailure;

        @Override public StatusReport status() { return status; }

        @Override public List<ConnectResult> connect(List<String> peers) {
            connectedWith = peers;
            return peers.stream().map(peer -> new ConnectResult(peer, true, "reached " + peer)).toList();
        }

        @Override public List<String> forget(List<String> peers) { return peers; }

        @Override public Attachment attach(String target, List<String> cidrs) throws IOException {
            Exception failure = attachFailure;
            if (failure instanceof IOException io) throw io;
            if (failure instanceof RuntimeException runtime) throw runtime;
            return new Attachment(target, "/proc/1/ns/net", "vethwl0", "02:00:00:00:00:01", cidrs);
        }

        @Override public Attachment detach(String target, List<String> cidrs) { throw new UnsupportedOperationException(); }

        @Override public List<Attachment> attachments() { return List.of(); }

        @Override public Attachment expose(List<String> cidrs) { throw new UnsupportedOperationException(); }

        @Override public Attachment hide(List<String> cidrs) { throw new UnsupportedOperationException(); }

        volatile String removedPeer;

        @Override public String removePeer(String peer, boolean force) {
            if (peer.equals("alive")) throw new IllegalArgumentException("not taken over: peer alive is reachable");
            removedPeer = peer + (force ? " (forced)" : "");
            return "42 addresses taken over from " + peer;
        }

        @Override public String primeAllocation() { return "ready"; }

        /** What the IPAM endpoints were asked, as "verb owner argument". */
        final List<String> leases = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override public String allocateAddress(String owner, Optional<String> subnet) {
            leases.add("allocate " + owner + " " + subnet.orElse("default"));
            return "10.32.0.9/12";
        }

        @Override public String claimAddress(String owner, String cidr) {
            if (cidr.startsWith("10.40.")) throw new IllegalArgumentException("cannot claim " + cidr + " for " + owner + ": it is held");
            leases.add("claim " + owner + " " + cidr);
            return cidr;
        }

        @Override public List<String> addressesOf(String owner) { return List.of("10.32.0.9"); }
        @Override public List<String> releaseAddresses(String owner, Optional<String> cidr) {
            leases.add("release " + owner + " " + cidr.orElse("all"));
            return List.of("10.32.0.9");
        }

        @Override public String adoptWinningRing() { throw new IllegalArgumentException("there is no conflicting ring to adopt"); }

        @Override public String leave() { return "dropped 0 allocations; this peer owned no addresses"; }

        @Override public weft.api.DnsStatus dns() { throw new UnsupportedOperationException(); }
        @Override public List<weft.api.DnsStatus.Entry> dnsAdd(String name, List<String> addresses, java.util.Optional<String> owner) { throw new UnsupportedOperationException(); }
        @Override public List<weft.api.DnsStatus.Entry> dnsRemove(java.util.Optional<String> name, List<String> addresses, java.util.Optional<String> owner) { throw new UnsupportedOperationException(); }
        @Override public List<String> dnsLookup(String name) { throw new UnsupportedOperationException(); }
        @Override public weft.api.PolicyStatus policy() { throw new UnsupportedOperationException(); }
        @Override public weft.api.ApiReply.PolicyVerdict policyWhy(weft.api.ApiRequest.PolicyQuestion question) { throw new UnsupportedOperationException(); }
        @Override public String metrics() { return "# TYPE weft_sleeve_frames_total counter\nweft_sleeve_frames_total 12\n"; }

        volatile boolean stopped;

        @Override public void stop() { stopped = true; }
    }

    private record Reply(int status, String contentType, String allow, String authenticate, String body) {
    }

    private Reply call(String method, String path, byte[] body) throws IOException {
        InetSocketAddress address = server.address();
        URI uri = URI.create("http://127.0.0.1:" + address.getPort() + path);
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        try {
            connection.setRequestMethod(method);
            if (body != null) {
                connection.setDoOutput(true);
                connection.setFixedLengthStreamingMode(body.length);
                connection.setRequestProperty("Content-Type", "application/json");
                try (OutputStream out = connection.getOutputStream()) {
                    out.write(body);
                }
            }
            int status = connection.getResponseCode();
            try (InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
                String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
                return new Reply(status, connection.getContentType(), connection.getHeaderField("Allow"),
                        connection.getHeaderField("WWW-Authenticate"), text);
            }
        } finally {
            connection.disconnect();
        }
    }

    /**
     * Sends a request exactly as written, with headers {@link HttpURLConnection} would not let a test set (Host,
     * Origin) or would add on its own; {@code headers} are "Name: value" lines, {@code body} null for none.
     */
    private static Reply raw(InetSocketAddress to, String method, String path, List<String> headers, String body) throws IOException {
        StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
        headers.forEach(header -> request.append(header).append("\r\n"));
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (body != null) request.append("Content-Length: ").append(content.length).append("\r\n");
        request.append("Connection: close\r\n\r\n");
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), to.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(content);
            out.flush();
            String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int headEnd = reply.indexOf("\r\n\r\n");
            String head = reply.substring(0, headEnd);
            int status = Integer.parseInt(head.split(" ", 3)[1]);
            return new Reply(status, header(head, "Content-Type"), header(head, "Allow"), header(head, "WWW-Authenticate"),
                    reply.substring(headEnd + 4));
        }
    }

    /** The value of header {@code name} in a reply's head, or null. */
    private static String header(String head, String name) {
        return head.lines().filter(line -> line.regionMatches(true, 0, name + ":", 0, name.length() + 1))
                .map(line -> line.substring(name.length() + 1).strip()).findFirst().orElse(null);
    }

    private Reply raw(String method, String path, List<String> headers, String body) throws IOException {
        return raw(server.address(), method, path, headers, body);
    }

    private String ownHost() {
        return "Host: 127.0.0.1:" + server.address().getPort();
    }

    private Reply post(String path, String body) throws IOException {
        return call("POST", path, body.getBytes(StandardCharsets.UTF_8));
    }

    private String error(Reply reply) throws IOException {
        JsonNode node = json.readTree(reply.body());
        assertTrue(node.path("error").isTextual(), "no error field in " + reply.body());
        return node.get("error").asText();
    }

    /** A JSON object of exactly {@code size} bytes that names one peer, so only its size can make it wrong. */
    private static String connectBodyOfSize(int size) {
        String prefix = "{\"peers\":[\"", suffix = "\"]}";
        return prefix + "a".repeat(size - prefix.length() - suffix.length()) + suffix;
    }

    @Test
    void statusRepliesWithTheRoutersReportAsJson() throws IOException {
        Reply reply = call("GET", "/status", null);

        assertEquals(200, reply.status());
        assertEquals("application/json", reply.contentType());
        assertEquals(router.status, json.readValue(reply.body(), StatusReport.class));
    }

    @Test
    void rmpeerPassesPeerAndForceAndRefusalsAre400() throws IOException {
        Reply reply = post("/rmpeer", "{\"peer\":\"dead\",\"force\":true}");
        assertEquals(200, reply.status(), reply.body());
        assertEquals("42 addresses taken over from dead", json.readTree(reply.body()).path("result").asText());
        assertEquals("dead (forced)", router.removedPeer);

        Reply refused = post("/rmpeer", "{\"peer\":\"alive\"}");
        assertEquals(400, refused.status());
        assertEquals("not taken over: peer alive is reachable", error(refused));
        assertEquals(400, post("/rmpeer", "{}").status(), "a peer is required");
    }

    @Test
    void adoptRingWithNothingToAdoptIs400WithTheReason() throws IOException {
        Reply reply = post("/adopt-ring", "{}");
        assertEquals(400, reply.status());
        assertEquals("there is no conflicting ring to adopt", error(reply));
    }

    @Test
    void unknownPathIs404WithAnErrorNamingThePath() throws IOException {
        Reply reply = call("GET", "/nope", null);

        assertEquals(404, reply.status());
        assertEquals("application/json", reply.contentType());
        assertTrue(error(reply).contains("/nope"), reply.body());
    }

    @Test
    void aRouterThatServesNoCniCallsAnswersThemWith404SoThatTheLauncherStartsTheJvmPlugin() throws IOException {
        Reply reply = raw("POST", "/cni", List.of(ownHost(), "Content-Type: application/json", "Cni-Command: VERSION"), "{}");
        assertEquals(404, reply.status());
        assertEquals("this router does not serve CNI calls", error(reply));
    }

    @Test
    void aCniCallReachesThePluginWithItsVariablesAndRepliesWithItsOutputAndExitStatus() throws IOException {
        List<Map<String, String>> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        CniService plugin = (variables, config, held) -> {
            calls.add(variables);
            return new CniService.Reply(3, ("held " + held.orElse("none") + " " + new String(config, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        };
        try (ApiServer cni = new ApiServer(new InetSocketAddress("127.0.0.1", 0), router, json, Optional.empty(), Optional.of(plugin))) {
            cni.start();
            String host = "Host: 127.0.0.1:" + cni.address().getPort();
            Reply reply = raw(cni.address(), "POST", "/cni", List.of(host, "Content-Type: application/json", "Cni-Command: ADD",
                    "cni-containerid: pod1", "Cni-Args: ", "Cni-Path: /opt/cni/bin", "Weft-Netns-Held: /proc/9/fd/3"), "{\"a\":1}");
            assertEquals(200, reply.status());
            assertEquals("held /proc/9/fd/3 {\"a\":1}", reply.body());
            assertEquals(List.of(Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "pod1", "CNI_ARGS", "")), calls, "CNI_PATH is not passed on");

            Reply twice = raw(cni.address(), "POST", "/cni", List.of(host, "Content-Type: application/json", "Cni-Command: ADD", "Cni-Command: DEL"), "{}");
            assertEquals(400, twice.status());
            assertEquals("Cni-Command is sent more than once", error(twice));
            assertEquals(1, calls.size());
        }
    }

    @Test
    void theIpamEndpointsPassOwnerAndAddressThroughAndAClaimWithoutAnAddressIs400() throws IOException {
        assertEquals("{\n  \"cidr\" : \"10.32.0.9/12\"\n}", post("/ipam/allocate", "{\"owner\":\"docker-ipam:x\"}").body());
        assertEquals(200, post("/ipam/allocate", "{\"owner\":\"o\",\"subnet\":\"10.33.0.0/16\"}").status());
        assertEquals(200, post("/ipam/claim", "{\"owner\":\"o\",\"cidr\":\"10.32.1.1/12\"}").status());
        Reply held = post("/ipam/claim", "{\"owner\":\"o\",\"cidr\":\"10.40.1.1/12\"}");
        assertEquals(400, held.status());
        assertEquals("cannot claim 10.40.1.1/12 for o: it is held", error(held));
        assertEquals("'cidr' is required and must be a string", error(post("/ipam/claim", "{\"owner\":\"o\"}")));
        assertEquals("{\n  \"released\" : [ \"10.32.0.9\" ]\n}", post("/ipam/release", "{\"owner\":\"o\"}").body());
        assertEquals(List.of("allocate docker-ipam:x default", "allocate o 10.33.0.0/16", "claim o 10.32.1.1/12", "release o all"), router.leases);
    }

    @Test
    void wrongMethodIs405AndSaysWhichMethodTheEndpointTakes() throws IOException {
        Reply reply = call("GET", "/connect", null);

        assertEquals(405, reply.status());
        assertEquals("POST", reply.allow());
        assertTrue(error(reply).contains("POST"), reply.body());
        assertNull(router.connectedWith, "the router must not be called");
    }

    @Test
    void bodyThatIsNotJsonIs400SayingSo() throws IOException {
        Reply reply = post("/connect", "peers=a");

        assertEquals(400, reply.status());
        assertTrue(error(reply).startsWith("request body is not valid JSON"), reply.body());
        assertNull(router.connectedWith);
    }

    @Test
    void jsonBodyThatIsNotAnObjectIs400() throws IOException {
        Reply reply = post("/connect", "[\"a\"]");

        assertEquals(400, reply.status());
        assertEquals("request body must be a JSON object", error(reply));
    }

    @Test
    void bodyOfExactly64KiBIsAccepted() throws IOException {
        String body = connectBodyOfSize(MAX_BODY_BYTES);

        Reply reply = post("/connect", body);

        assertEquals(200, reply.status(), reply.body());
        assertEquals(MAX_BODY_BYTES - "{\"peers\":[\"\"]}".length(), router.connectedWith.getFirst().length());
    }

    @Test
    void bodyOneByteOver64KiBIs400BeforeTheRouterIsCalled() throws IOException {
        Reply reply = post("/connect", connectBodyOfSize(MAX_BODY_BYTES + 1));

        assertEquals(400, reply.status());
        assertTrue(error(reply).contains("larger than " + MAX_BODY_BYTES), reply.body());
        assertNull(router.connectedWith);
    }

    @Test
    void illegalArgumentFromTheRouterIs400WithItsMessage() throws IOException {
        router.attachFailure = new IllegalArgumentException("invalid CIDR '10.32.0.1': expected a.b.c.d/len");

        Reply reply = post("/attach", "{\"target\":\"netns:c1\",\"cidrs\":[\"10.32.0.1\"]}");

        assertEquals(400, reply.status());
        assertEquals("invalid CIDR '10.32.0.1': expected a.b.c.d/len", error(reply));
    }

    @Test
    void ioExceptionFromTheRouterIs500WithItsMessage() throws IOException {
        router.attachFailure = new IOException("no such Docker container 'web'");

        Reply reply = post("/attach", "{\"target\":\"web\",\"cidrs\":[\"10.32.0.1/12\"]}");

        assertEquals(500, reply.status());
        assertEquals("no such Docker container 'web'", error(reply));
    }

    @Test
    void failureWithoutAMessageIs500NamingTheException() throws IOException {
        router.attachFailure = new IllegalStateException();

        Reply reply = post("/attach", "{\"target\":\"web\",\"cidrs\":[\"10.32.0.1/12\"]}");

        assertEquals(500, reply.status());
        assertEquals("java.lang.IllegalStateException", error(reply));
    }

    @Test
    void missingRequiredStringIs400NamingTheField() throws IOException {
        Reply reply = post("/attach", "{\"cidrs\":[\"10.32.0.1/12\"]}");

        assertEquals(400, reply.status());
        assertEquals("'target' is required and must be a string", error(reply));
    }

    @Test
    void connectPassesThePeersThroughInOrderAndRepliesWithTheResults() throws IOException {
        Reply reply = post("/connect", "{\"peers\":[\"a\",\"192.168.1.2:6783\"]}");

        assertEquals(200, reply.status(), reply.body());
        assertEquals(List.of("a", "192.168.1.2:6783"), router.connectedWith);
        JsonNode results = json.readTree(reply.body());
        assertEquals("a", results.get(0).get("target").asText());
        assertTrue(results.get(0).get("connected").asBoolean());
    }

    @Test
    void connectWithoutPeersPassesAnEmptyList() throws IOException {
        Reply reply = call("POST", "/connect", new byte[0]);

        assertEquals(200, reply.status(), reply.body());
        assertEquals(List.of(), router.connectedWith);
    }

    @Test
    void peersThatAreNotAListIs400() throws IOException {
        Reply reply = post("/connect", "{\"peers\":\"notalist\"}");

        assertEquals(400, reply.status());
        assertEquals("'peers' must be a list of strings", error(reply));
        assertNull(router.connectedWith);
    }

    @Test
    void peersListHoldingANonStringIs400() throws IOException {
        Reply reply = post("/connect", "{\"peers\":[\"a\",7]}");

        assertEquals(400, reply.status());
        assertEquals("'peers' must be a list of strings", error(reply));
    }

    @Test
    void targetThatIsNotAStringIs400NamingTheFieldEvenWhenJacksonCouldCoerceIt() throws IOException {
        Reply reply = post("/attach", "{\"target\":7,\"cidrs\":[]}");

        assertEquals(400, reply.status());
        assertEquals("'target' is required and must be a string", error(reply));
    }

    @Test
    void cidrsThatAreNotAListOfStringsIs400() throws IOException {
        for (String cidrs : List.of("\"10.32.0.1/12\"", "[\"10.32.0.1/12\",null]", "[1]")) {
            Reply reply = post("/expose", "{\"cidrs\":" + cidrs + "}");

            assertEquals(400, reply.status(), cidrs);
            assertEquals("'cidrs' must be a list of strings", error(reply));
        }
    }

    @Test
    void forceThatIsNotABooleanIs400RatherThanGuessed() throws IOException {
        Reply reply = post("/rmpeer", "{\"peer\":\"dead\",\"force\":\"yes\"}");

        assertEquals(400, reply.status());
        assertEquals("'force' must be true or false", error(reply));
        assertNull(router.removedPeer);
    }

    @Test
    void unknownFieldIs400NamingItSoThatAMisspeltOptionIsNotSilentlyIgnored() throws IOException {
        Reply reply = post("/attach", "{\"target\":\"netns:c1\",\"cidr\":[\"10.32.0.1/12\"]}");

        assertEquals(400, reply.status());
        assertEquals("unknown field 'cidr': this request takes target, cidrs", error(reply));
        assertEquals(400, post("/stop", "{\"now\":true}").status(), "a request without parameters takes none");
    }

    @Test
    void forgetRepliesWithTheForgottenPeers() throws IOException {
        Reply reply = post("/forget", "{\"peers\":[\"a\"]}");

        assertEquals(200, reply.status(), reply.body());
        assertEquals(json.readTree("{\"forgotten\":[\"a\"]}"), json.readTree(reply.body()));
    }

    @Test
    void primeAndStopReplyWithTheirOneField() throws IOException {
        assertEquals(json.readTree("{\"phase\":\"ready\"}"), json.readTree(post("/prime", "{}").body()));
        assertEquals(json.readTree("{\"stopping\":true}"), json.readTree(call("POST", "/stop", new byte[0]).body()));
    }

    @Test
    void theTypedClientAndTheServerAgreeOnEveryShape() throws IOException {
        ApiClient client = new ApiClient(server.address());

        assertEquals(router.status, client.status());
        assertEquals(List.of(new ConnectResult("a", true, "reached a")), client.connect(List.of("a")));
        assertEquals(List.of("a"), router.connectedWith);
        assertEquals(List.of("b"), client.forget(List.of("b")));
        assertEquals(new Attachment("netns:c1", "/proc/1/ns/net", "vethwl0", "02:00:00:00:00:01", List.of("10.32.0.5/12")),
                client.attach("netns:c1", List.of("10.32.0.5/12")));
        assertEquals(List.of(), client.attachments());
        assertEquals("42 addresses taken over from dead", client.removePeer("dead", true));
        assertEquals("dead (forced)", router.removedPeer);
        assertEquals("ready", client.primeAllocation());
        assertEquals("dropped 0 allocations; this peer owned no addresses", client.leave());
        assertEquals(router.metrics(), client.metrics());
        client.stop();
        ApiClient.ApiException refused = assertThrows(ApiClient.ApiException.class, client::adoptWinningRing);
        assertEquals("there is no conflicting ring to adopt", refused.getMessage());
        assertFalse(refused.unreachable);
    }

    @Test
    void metricsRepliesWithPrometheusText() throws IOException {
        Reply reply = call("GET", "/metrics", null);

        assertEquals(200, reply.status());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", reply.contentType());
        assertEquals(router.metrics(), reply.body());
        assertEquals(405, call("POST", "/metrics", new byte[0]).status(), "like every endpoint, metrics takes one method");
    }

    @Test
    void aPostThatIsNotJsonIs415BeforeTheRouterIsAskedWhateverABrowserCouldSendWithoutAPreflight() throws IOException {
        for (String type : List.of("text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x", "application/jsonx")) {
            Reply reply = raw("POST", "/connect", List.of(ownHost(), "Content-Type: " + type), "{\"peers\":[\"a\"]}");

            assertEquals(415, reply.status(), type);
            assertEquals("application/json", reply.contentType());
            assertTrue(error(reply).startsWith("a POST to the API needs 'Content-Type: application/json'"), reply.body());
        }
        Reply untyped = raw("POST", "/stop", List.of(ownHost()), "");
        assertEquals(415, untyped.status(), "an empty POST without a type is as easy for a page to send");
        assertTrue(error(untyped).contains("(got none)"), untyped.body());
        assertNull(router.connectedWith, "the router must not be called");
        assertFalse(router.stopped, "the router must not be stopped");
    }

    @Test
    void aJsonPostMayNameItsCharsetAndTheTypeIsMatchedWithoutCase() throws IOException {
        Reply reply = raw("POST", "/connect", List.of(ownHost(), "Content-Type: Application/JSON; charset=utf-8"), "{\"peers\":[\"a\"]}");

        assertEquals(200, reply.status(), reply.body());
        assertEquals(List.of("a"), router.connectedWith);
    }

    @Test
    void aRequestFromAWebPageIsRefusedByItsOriginWhateverItsMethodOrType() throws IOException {
        for (String origin : List.of("http://evil.example", "null", "https://127.0.0.1:" + server.address().getPort(), "http://127.0.0.1:1")) {
            Reply read = raw("GET", "/status", List.of(ownHost(), "Origin: " + origin), null);
            assertEquals(403, read.status(), origin);
            assertEquals("requests from web pages are refused (Origin " + origin + "); weft and curl send no Origin", error(read));

            Reply stop = raw("POST", "/stop", List.of(ownHost(), "Origin: " + origin, "Content-Type: application/json"), "{}");
            assertEquals(403, stop.status(), origin);
        }
        assertFalse(router.stopped);
        Reply itself = raw("GET", "/status", List.of(ownHost(), "Origin: http://127.0.0.1:" + server.address().getPort()), null);
        assertEquals(200, itself.status(), "a page of the API itself (there is none yet) is the API's own origin");
    }

    @Test
    void aHostThatIsNotTheApisOwnAddressIsRefusedAsDnsRebinding() throws IOException {
        int port = server.address().getPort();
        for (String host : List.of("evil.example:" + port, "evil.example", "127.0.0.1.nip.io:" + port, "127.0.0.1:" + (port + 1),
                "127.0.0.1", "10.1.2.3:" + port, "[::1", "::1:" + port, "localhost.:" + port)) {
            Reply reply = raw("GET", "/status", List.of("Host: " + host), null);

            assertEquals(403, reply.status(), host);
            assertTrue(error(reply).startsWith("Host '" + host + "' is not this API's address, so the request is refused as a possible DNS rebinding"),
                    reply.body());
            assertTrue(error(reply).endsWith("address the API as 127.0.0.1:" + port + " or localhost:" + port), reply.body());
        }
        for (String host : List.of("127.0.0.1:" + port, "localhost:" + port, "LocalHost:" + port, "[::1]:" + port, "127.0.0.2:" + port)) {
            assertEquals(200, raw("GET", "/status", List.of("Host: " + host), null).status(), host + " names a loopback API");
        }
        assertEquals(400, raw("GET", "/status", List.of(), null).status(), "no Host");
        assertEquals(400, raw("GET", "/status", List.of(ownHost(), ownHost()), null).status(), "two Hosts");
        assertEquals(403, raw("GET", "/metrics", List.of("Host: evil.example:" + port), null).status(), "metrics follow the same rules");
    }

    @Test
    void aRequestTargetWithAnAuthorityOfItsOwnIsRefused() throws IOException {
        Reply reply = raw("GET", "http://evil.example:" + server.address().getPort() + "/status", List.of(ownHost()), null);

        assertEquals(400, reply.status());
        assertEquals("the request target must be a path, like /status", error(reply));
    }

    @Test
    void anApiOtherHostsMayReachCannotStartWithoutAToken() {
        var refused = assertThrows(IllegalArgumentException.class,
                () -> new ApiServer(new InetSocketAddress("0.0.0.0", 0), router, json, Optional.empty(), Optional.empty()));
        assertEquals("an HTTP API on 0.0.0.0:0 would take orders from other hosts: it needs a token", refused.getMessage());
    }

    @Test
    void anApiOtherHostsMayReachRefusesEveryRequestWithoutTheRightTokenWith401() throws IOException {
        ApiToken token = ApiToken.generate(new SecureRandom());
        ApiToken other = ApiToken.generate(new SecureRandom());
        try (ApiServer remote = new ApiServer(new InetSocketAddress("0.0.0.0", 0), router, json, Optional.of(token), Optional.empty())) {
            remote.start();
            String host = "Host: 127.0.0.1:" + remote.address().getPort();
            for (String path : List.of("/status", "/metrics", "/nope")) {
                Reply missing = raw(remote.address(), "GET", path, List.of(host), null);
                assertEquals(401, missing.status(), path);
                assertEquals("Bearer realm=\"weft\"", missing.authenticate(), "the reply names the scheme");
                assertTrue(error(missing).contains("each needs 'Authorization: Bearer TOKEN', TOKEN being the content of api-token"
                        + " in the router's data directory"), missing.body());
            }
            for (String wrong : List.of("Bearer " + other.fileContent().strip(), "Bearer ", "Basic " + token.fileContent().strip(),
                    token.fileContent().strip(), "Bearer " + token.fileContent().strip().substring(1))) {
                Reply reply = raw(remote.address(), "POST", "/stop", List.of(host, "Authorization: " + wrong, "Content-Type: application/json"), "{}");
                assertEquals(401, reply.status(), wrong);
                assertTrue(error(reply).startsWith("the Authorization header does not carry this router's token"), reply.body());
            }
            assertFalse(router.stopped, "no request without the token reached the router");

            Reply right = raw(remote.address(), "GET", "/status", List.of(host, "Authorization: bearer " + token.fileContent().strip()), null);
            assertEquals(200, right.status(), right.body());
            assertEquals(router.status, json.readValue(right.body(), StatusReport.class));
        }
    }

    @Test
    void theTypedClientCallsAnApiOtherHostsMayReachWithItsTokenAndIsRefusedWithoutIt() throws IOException {
        ApiToken token = ApiToken.generate(new SecureRandom());
        try (ApiServer remote = new ApiServer(new InetSocketAddress("0.0.0.0", 0), router, json, Optional.of(token), Optional.empty())) {
            remote.start();
            var wait = java.time.Duration.ofSeconds(10);

            ApiClient withToken = new ApiClient(remote.address(), wait, Optional.of(token));
            assertEquals(router.status, withToken.status());
            withToken.stop();
            assertTrue(router.stopped);

            ApiClient without = new ApiClient(remote.address(), wait, Optional.empty());
            ApiClient.ApiException refused = assertThrows(ApiClient.ApiException.class, without::status);
            assertFalse(refused.unreachable);
            assertTrue(refused.getMessage().startsWith("this API takes requests from other hosts, so each needs 'Authorization: Bearer TOKEN'"),
                    refused.getMessage());
        }
    }

    @Test
    void theRefusalsStillLeaveALoopbackApiToItsOwnClientWithoutAToken() throws IOException {
        ApiClient client = new ApiClient(server.address(), java.time.Duration.ofSeconds(10), Optional.of(ApiToken.generate(new SecureRandom())));

        assertEquals(router.status, client.status(), "a loopback API ignores a token it does not need");
        assertEquals(List.of(new ConnectResult("a", true, "reached a")), new ApiClient(server.address()).connect(List.of("a")));
    }
}

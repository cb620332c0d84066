package weft.api;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each record of the API as JSON: the exact wire form (older clients and routers expect these field names), the
 * round trip, the strict reading of requests with the messages a client sees, and the tolerant reading of replies.
 */
class ApiCodecTest {
    private final ObjectMapper plain = new ObjectMapper();
    private final ApiCodec codec = new ApiCodec(plain);

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private String written(Object value) {
        return new String(codec.write(value), StandardCharsets.UTF_8);
    }

    private <T extends ApiRequest> void assertRequestWire(T request, String wire) {
        assertEquals(wire, written(request));
        @SuppressWarnings("unchecked") Class<T> type = (Class<T>) request.getClass();
        assertEquals(request, codec.readRequest(bytes(wire), type));
    }

    private <T> void assertReplyWire(T reply, String wire) throws IOException {
        assertEquals(wire, written(reply));
        assertEquals(reply, codec.readReply(bytes(wire), reply.getClass()));
    }

    private String refusal(String body, Class<? extends ApiRequest> type) {
        return assertThrows(IllegalArgumentException.class, () -> codec.readRequest(bytes(body), type)).getMessage();
    }

    @Test
    void requestsHaveTheirWireFormAndRoundTrip() {
        assertRequestWire(new ApiRequest.Peers(List.of("a", "192.168.1.2:6783")), "{\"peers\":[\"a\",\"192.168.1.2:6783\"]}");
        assertRequestWire(new ApiRequest.TargetCidrs("netns:c1", List.of("10.32.0.5/12")), "{\"target\":\"netns:c1\",\"cidrs\":[\"10.32.0.5/12\"]}");
        assertRequestWire(new ApiRequest.Cidrs(List.of()), "{\"cidrs\":[]}");
        assertRequestWire(new ApiRequest.PeerForce("dead", true), "{\"peer\":\"dead\",\"force\":true}");
        assertRequestWire(new ApiRequest.Empty(), "{}");
    }

    @Test
    void aPolicyQuestionIsCheckedWithTheFieldAtFaultNamed() {
        assertEquals(new ApiRequest.PolicyQuestion("prod/web", "10.32.0.5", "UDP", 53), codec.readRequest(
                "{\"source\":\"prod/web\",\"destination\":\"10.32.0.5\",\"protocol\":\"udp\",\"port\":53}".getBytes(), ApiRequest.PolicyQuestion.class));
        assertEquals("TCP", codec.readRequest("{\"source\":\"a\",\"destination\":\"b\",\"port\":0}".getBytes(),
                ApiRequest.PolicyQuestion.class).protocol(), "TCP when not given; port 0 asks about every port");
        for (var bad : Map.of(
                "{\"destination\":\"b\",\"port\":80}", "'source' is required",
                "{\"source\":\"a\",\"destination\":\" \",\"port\":80}", "'destination' is required",
                "{\"source\":\"a\",\"destination\":\"b\",\"protocol\":\"ICMP\",\"port\":80}", "'protocol' must be TCP, UDP or SCTP",
                "{\"source\":\"a\",\"destination\":\"b\",\"port\":70000}", "'port' must be 1-65535, or 0 for every port",
                "{\"source\":\"a\",\"destination\":\"b\",\"port\":\"http\"}", "'port' must be a number").entrySet()) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> codec.readRequest(bad.getKey().getBytes(), ApiRequest.PolicyQuestion.class));
            assertTrue(refused.getMessage().startsWith(bad.getValue()), bad.getKey() + ": " + refused.getMessage());
        }
    }

    @Test
    void repliesHaveTheirWireFormAndRoundTrip() throws IOException {
        assertReplyWire(new ApiReply.Forgotten(List.of("a")), "{\"forgotten\":[\"a\"]}");
        assertReplyWire(new ApiReply.Result("42 addresses taken over from dead"), "{\"result\":\"42 addresses taken over from dead\"}");
        assertReplyWire(new ApiReply.Phase("ready"), "{\"phase\":\"ready\"}");
        assertReplyWire(new ApiReply.Stopping(true), "{\"stopping\":true}");
        assertReplyWire(new ApiReply.Failure("no such API path: /nope"), "{\"error\":\"no such API path: /nope\"}");
        assertReplyWire(new ConnectResult("a", false, "connection refused"), "{\"target\":\"a\",\"connected\":false,\"message\":\"connection refused\"}");
        assertReplyWire(ApiFixtures.attachment(), "{\"target\":\"netns:c1\",\"namespacePath\":\"/run/netns/c1\",\"hostInterface\":\"vethwl0\","
                + "\"mac\":\"02:00:00:00:00:01\",\"cidrs\":[\"10.32.0.5/12\",\"10.32.0.6/12\"]}");
    }

    @Test
    void statusReportRoundTripsAndIsWhatAPlainMapperWrites() throws IOException {
        StatusReport status = ApiFixtures.status();

        assertEquals(status, codec.readReply(codec.write(status), StatusReport.class));
        assertEquals(plain.readTree(plain.writeValueAsBytes(status)), plain.readTree(codec.writePretty(status)));
    }

    @Test
    void listsOfRepliesRoundTrip() throws IOException {
        List<Attachment> attachments = List.of(ApiFixtures.attachment(), ApiFixtures.attachment().withCidrs(List.of()));

        assertEquals(attachments, codec.readReply(codec.write(attachments), new TypeReference<List<Attachment>>() {
        }));
    }

    @Test
    void anEmptyBodyAndAbsentOrNullListsAreEmpty() {
        assertEquals(new ApiRequest.Peers(List.of()), codec.readRequest(new byte[0], ApiRequest.Peers.class));
        assertEquals(new ApiRequest.Peers(List.of()), codec.readRequest(bytes("{}"), ApiRequest.Peers.class));
        assertEquals(new ApiRequest.Cidrs(List.of()), codec.readRequest(bytes("{\"cidrs\":null}"), ApiRequest.Cidrs.class));
        assertEquals(new ApiRequest.PeerForce("dead", false), codec.readRequest(bytes("{\"peer\":\"dead\"}"), ApiRequest.PeerForce.class));
    }

    @Test
    void aStringFieldThatIsMissingNullOrNotAStringIsRefusedByName() {
        for (String body : List.of("{\"cidrs\":[]}", "{\"target\":null}", "{\"target\":7}", "{\"target\":1.5}", "{\"target\":true}",
                "{\"target\":[\"netns:c1\"]}", "{\"target\":{}}")) {
            assertEquals("'target' is required and must be a string", refusal(body, ApiRequest.TargetCidrs.class), body);
        }
        assertEquals("'peer' is required and must be a string", refusal("{\"force\":true}", ApiRequest.PeerForce.class));
    }

    @Test
    void aListThatIsNotAListOfStringsIsRefusedByName() {
        for (String body : List.of("{\"peers\":\"a\"}", "{\"peers\":{}}", "{\"peers\":7}", "{\"peers\":\"\"}", "{\"peers\":[\"a\",7]}",
                "{\"peers\":[\"a\",null]}", "{\"peers\":[[\"a\"]]}", "{\"peers\":[true]}")) {
            assertEquals("'peers' must be a list of strings", refusal(body, ApiRequest.Peers.class), body);
        }
        assertEquals("'cidrs' must be a list of strings", refusal("{\"target\":\"netns:c1\",\"cidrs\":[5]}", ApiRequest.TargetCidrs.class));
    }

    @Test
    void aFlagThatIsNotABooleanIsRefusedRatherThanGuessed() {
        for (String body : List.of("{\"peer\":\"dead\",\"force\":1}", "{\"peer\":\"dead\",\"force\":\"true\"}", "{\"peer\":\"dead\",\"force\":[]}")) {
            assertEquals("'force' must be true or false", refusal(body, ApiRequest.PeerForce.class), body);
        }
    }

    @Test
    void anUnknownFieldIsRefusedNamingTheFieldsTheRequestTakes() {
        assertEquals("unknown field 'cidr': this request takes target, cidrs",
                refusal("{\"target\":\"netns:c1\",\"cidr\":[\"10.32.0.5/12\"]}", ApiRequest.TargetCidrs.class));
        assertEquals("unknown field 'now': this request takes no fields", refusal("{\"now\":true}", ApiRequest.Empty.class));
    }

    @Test
    void aBodyThatIsNotAJsonObjectIsRefused() {
        assertTrue(refusal("peers=a", ApiRequest.Peers.class).startsWith("request body is not valid JSON: "));
        assertTrue(refusal("{\"peers\":[", ApiRequest.Peers.class).startsWith("request body is not valid JSON: "));
        assertEquals("request body must be a JSON object", refusal("[\"a\"]", ApiRequest.Peers.class));
        assertEquals("request body must be a JSON object", refusal("\"a\"", ApiRequest.Peers.class));
        assertEquals("request body must be a JSON object", refusal("  ", ApiRequest.Peers.class));
    }

    @Test
    void repliesSkipFieldsThisSideDoesNotKnowAndReadAbsentListsAndMapsAsEmpty() throws IOException {
        ObjectNode fromANewerRouter = (ObjectNode) plain.valueToTree(ApiFixtures.attachment());
        fromANewerRouter.put("vlan", 7);
        assertEquals(ApiFixtures.attachment(), codec.readReply(plain.writeValueAsBytes(fromANewerRouter), Attachment.class));

        ObjectNode fromAnOlderRouter = (ObjectNode) plain.valueToTree(ApiFixtures.status());
        fromAnOlderRouter.remove(List.of("fastPathCounters", "kernel"));
        StatusReport status = codec.readReply(plain.writeValueAsBytes(fromAnOlderRouter), StatusReport.class);
        assertTrue(status.fastPathCounters().isEmpty() && status.kernel().isEmpty(), status.toString());
        assertEquals(ApiFixtures.status().peers(), status.peers());
    }

    @Test
    void aConnectionSaysWhatTheSleeveHeardAndAnOlderRoutersConnectionReadsAsNotSaying() throws IOException {
        StatusReport.ConnectionView connection = ApiFixtures.status().connections().getFirst();
        assertTrue(written(connection).endsWith(",\"pathMtu\":1500,\"sleeveHeard\":{\"datagrams\":12,\"sinceDatagramMillis\":800,\"sinceAcknowledgedMillis\":3100}}"),
                written(connection));
        ObjectNode fromAnOlderRouter = (ObjectNode) plain.valueToTree(connection);
        fromAnOlderRouter.remove("sleeveHeard");
        assertEquals(null, codec.readReply(plain.writeValueAsBytes(fromAnOlderRouter), StatusReport.ConnectionView.class).sleeveHeard());
    }

    @Test
    void theMapperGivenIsLeftAsItWas() throws IOException {
        assertEquals("7", plain.readValue("{\"peer\":7}", ApiRequest.PeerForce.class).peer(), "Jackson's default coercion, untouched");
    }
}

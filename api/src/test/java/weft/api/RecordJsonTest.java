package weft.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The command line's lean reader and writer against the API's own mapper ({@link ApiCodec}), which the router uses. */
class RecordJsonTest {
    private final ApiCodec codec = new ApiCodec(new ObjectMapper());

    private static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void whatTheRouterWritesIsReadBackTheSame() throws IOException {
        StatusReport status = ApiFixtures.status();
        assertEquals(status, RecordJson.read(codec.writePretty(status), StatusReport.class));
        assertEquals(status, RecordJson.read(codec.write(status), StatusReport.class));
        List<Attachment> attachments = List.of(ApiFixtures.attachment(), new Attachment("weft:expose", "", "weft", "02:00:00:00:00:02", List.of()));
        assertEquals(attachments, RecordJson.readList(codec.writePretty(attachments), Attachment.class));
        assertEquals(List.of(new ConnectResult("a", true, "reached a")),
                RecordJson.readList(codec.write(List.of(new ConnectResult("a", true, "reached a"))), ConnectResult.class));
        DnsStatus dns = new DnsStatus("serving", "172.17.0.1:53", "weft.local.", 30, List.of(new DnsStatus.Entry("web", "10.32.0.2", "aa:bb:cc:dd:ee:ff", "dns-add")),
                Map.of("queries", 3L));
        assertEquals(dns, RecordJson.read(codec.write(dns), DnsStatus.class));
    }

    @Test
    void whatTheClientWritesTheRouterReadsStrictly() {
        for (ApiRequest request : List.of(new ApiRequest.TargetCidrs("netns:c1", List.of("10.32.0.9/12")), new ApiRequest.PeerForce("aa:bb:cc:dd:ee:ff", true),
                new ApiRequest.PolicyQuestion("10.32.0.1", "10.32.0.2", "tcp", 80), new ApiRequest.Empty(), new ApiRequest.Peers(List.of()))) {
            assertEquals(request, codec.readRequest(RecordJson.write(request), request.getClass()));
        }
    }

    @Test
    void repliesAreReadAsTheMapperReadsThemNoMoreTolerantly() throws IOException {
        // a newer router's fields are skipped, absent or null lists and maps are empty, absent strings null
        String newer = "{\"target\":\"netns:c1\",\"cidrs\":null,\"extra\":{\"deep\":[1,{\"x\":null}]},\"mac\":\"02:00:00:00:00:01\"}";
        Attachment read = RecordJson.read(bytes(newer), Attachment.class);
        assertEquals(new Attachment("netns:c1", null, null, "02:00:00:00:00:01", List.of()), read);
        assertEquals(codec.readReply(bytes(newer), Attachment.class), read);
        assertEquals(new ApiReply.Stopping(false), RecordJson.read(bytes("{}"), ApiReply.Stopping.class));
        for (String refused : new String[]{"{\"cidrs\":[null]}", "{\"target\":7}", "{\"target\":true}", "[]", "null", "", "{} {}", "{\"cidrs\":{}}"}) {
            assertThrows(IOException.class, () -> RecordJson.read(bytes(refused), Attachment.class), refused);
        }
        for (String refused : new String[]{"{\"stopping\":1}", "{\"stopping\":\"true\"}"}) {
            assertThrows(IOException.class, () -> RecordJson.read(bytes(refused), ApiReply.Stopping.class), refused);
        }
        assertThrows(IOException.class, () -> RecordJson.read(bytes("{\"ttlSeconds\":\"7\"}"), DnsStatus.class), "the mapper would take it; no router sends it");
        assertThrows(IOException.class, () -> RecordJson.read(bytes("{\"counters\":{\"queries\":null}}"), DnsStatus.class));
        // the mapper refuses a record's field given twice after the others (fuzzing found it), so this reader refuses it anywhere
        String twice = "[{\"target\":\"a\",\"connected\":true,\"message\":\"\",\"connected\":false}]";
        assertThrows(IOException.class, () -> codec.readReply(bytes(twice), new com.fasterxml.jackson.core.type.TypeReference<List<ConnectResult>>() {
        }));
        assertThrows(IOException.class, () -> RecordJson.readList(bytes(twice), ConnectResult.class));
        assertThrows(IOException.class, () -> RecordJson.read(bytes("{\"stopping\":true,\"stopping\":true}"), ApiReply.Stopping.class));
    }

    @Test
    void aValueTheRecordRefusesIsAnIoExceptionSayingWhy() {
        IOException refused = assertThrows(IOException.class, () -> RecordJson.read(bytes("{\"host\":\"not-an-ip\",\"port\":6784,\"pid\":1}"), ApiLocation.class));
        assertEquals(true, refused.getMessage().startsWith("the reply does not hold: "), refused.getMessage());
    }
}

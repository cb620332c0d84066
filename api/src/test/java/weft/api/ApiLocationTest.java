package weft.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ApiLocationTest {
    private final ObjectMapper json = new ObjectMapper();
    private final ApiCodec codec = new ApiCodec(json);

    @TempDir
    Path dataDir;

    @Test
    void theRecordIsHostPortAndPidAsJson() throws IOException {
        ApiLocation location = ApiLocation.of(new InetSocketAddress("127.0.0.1", 6784), 4242);

        assertEquals(json.readTree("{\"host\":\"127.0.0.1\",\"port\":6784,\"pid\":4242}"), json.readTree(codec.write(location)));
        assertEquals("127.0.0.1:6784", location.address());
        assertEquals(new InetSocketAddress("127.0.0.1", 6784), location.socketAddress());
        assertEquals("[0:0:0:0:0:0:0:1]:7000", ApiLocation.of(new InetSocketAddress("::1", 7000), 1).address());
    }

    @Test
    void aClientReadsTheRecordAndFieldsItDoesNotKnowDoNotStopIt() throws IOException {
        Files.writeString(dataDir.resolve(ApiLocation.FILE_NAME), "{\"host\":\"0.0.0.0\",\"port\":6784,\"pid\":7,\"scheme\":\"http\"}");

        assertEquals(Optional.of(new ApiLocation("0.0.0.0", 6784, 7)), ApiLocation.readFrom(dataDir));
    }

    @Test
    void noRecordAnUnreadableOrAMalformedOneIsNone() throws IOException {
        assertEquals(Optional.empty(), ApiLocation.readFrom(dataDir));
        assertEquals(Optional.empty(), ApiLocation.readFrom(dataDir.resolve("missing")));
        for (String content : new String[] {"", "{", "[]", "{\"host\":\"localhost\",\"port\":6784,\"pid\":7}",
                "{\"host\":\"127.0.0.1\",\"port\":0,\"pid\":7}", "{\"host\":\"127.0.0.1\",\"port\":6784}", "{\"port\":6784,\"pid\":7}"}) {
            Files.write(dataDir.resolve(ApiLocation.FILE_NAME), content.getBytes(StandardCharsets.UTF_8));
            assertEquals(Optional.empty(), ApiLocation.readFrom(dataDir), content);
        }
    }
}

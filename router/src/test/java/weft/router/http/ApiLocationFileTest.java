package weft.router.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import weft.api.ApiCodec;
import weft.api.ApiLocation;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class ApiLocationFileTest {
    private final ApiCodec codec = new ApiCodec(new ObjectMapper());

    @TempDir
    Path dataDir;

    @Test
    void aPublishedLocationIsReadByClientsUntilItIsClosed() throws IOException {
        ApiLocation location = ApiLocation.of(new InetSocketAddress("127.0.0.1", 6784), 4242);
        Files.writeString(dataDir.resolve(ApiLocation.FILE_NAME), "{\"host\":\"127.0.0.1\",\"port\":7000,\"pid\":1}"); // an earlier router's

        try (ApiLocationFile published = ApiLocationFile.publish(dataDir, location, codec)) {
            assertEquals(Optional.of(location), ApiLocation.readFrom(dataDir));
            assertFalse(Files.exists(dataDir.resolve(ApiLocation.FILE_NAME + ".tmp")));
        }
        assertFalse(Files.exists(dataDir.resolve(ApiLocation.FILE_NAME)), "a clean stop removes the record");
    }
}

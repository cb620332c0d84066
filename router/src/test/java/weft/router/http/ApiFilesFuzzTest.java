package weft.router.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.io.TempDir;
import weft.api.ApiToken;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * What the API reads from the router's data directory at start: the token file ({@link ApiTokenFile#readOrCreate}),
 * owner-only as the router keeps it. ({@link ApiLocationFile} only writes.) A file that holds no token is refused with
 * an {@link IOException} that says what to do; a finding is any other exception, or a token taken that is not what
 * the file says.
 */
class ApiFilesFuzzTest {
    private final SecureRandom random = new SecureRandom();

    @TempDir
    Path dataDirectory;

    @FuzzTest
    void apiToken(byte[] file) throws IOException {
        Path path = dataDirectory.resolve(ApiToken.FILE_NAME);
        Files.deleteIfExists(path);
        Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(path, file);
        ApiToken token;
        try {
            token = ApiTokenFile.readOrCreate(dataDirectory, random);
        } catch (IOException refused) {
            assertNotNull(refused.getMessage());
            return;
        }
        assertEquals(token, ApiToken.parse(token.fileContent()).orElseThrow(), "the token read, written again");
    }
}

package weft.router.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import weft.api.ApiToken;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApiTokenFileTest {
    @TempDir
    Path dataDir;

    private Path file() {
        return dataDir.resolve(ApiToken.FILE_NAME);
    }

    @Test
    void aNewTokenIsWrittenForTheOwnerOnlyAndClientsReadTheSameToken() throws IOException {
        ApiToken token = ApiTokenFile.readOrCreate(dataDir, new SecureRandom());

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file())));
        assertTrue(Files.readString(file()).matches("[0-9a-f]{64}\n"), "64 hex digits and a newline");
        assertEquals(Optional.of(token), ApiToken.readFrom(dataDir));
        assertFalse(Files.exists(dataDir.resolve(ApiToken.FILE_NAME + ".tmp")), "the temporary file was renamed");
    }

    @Test
    void theTokenIsKeptAcrossRestartsSoThatRemoteCallersKeepTheirs() throws IOException {
        ApiToken first = ApiTokenFile.readOrCreate(dataDir, new SecureRandom());

        assertEquals(first, ApiTokenFile.readOrCreate(dataDir, new SecureRandom()));
    }

    @Test
    void twoDataDirectoriesGetDifferentTokens() throws IOException {
        Path other = Files.createDirectory(dataDir.resolve("other"));

        assertNotEquals(ApiTokenFile.readOrCreate(dataDir, new SecureRandom()), ApiTokenFile.readOrCreate(other, new SecureRandom()));
    }

    @Test
    void aTokenFileOthersMayReadIsRefusedSayingWhatToDo() throws IOException {
        ApiTokenFile.readOrCreate(dataDir, new SecureRandom());
        Files.setPosixFilePermissions(file(), PosixFilePermissions.fromString("rw-r--r--"));

        IOException refused = assertThrows(IOException.class, () -> ApiTokenFile.readOrCreate(dataDir, new SecureRandom()));

        assertEquals(file() + " may be read by others (rw-r--r--): 'chmod 600 " + file() + "' if nobody else has read it, or remove it,"
                + " and the router creates a new token", refused.getMessage());
    }

    @Test
    void aTokenFileWithoutATokenIsRefusedRatherThanReplaced() throws IOException {
        Files.createFile(file(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file(), "secret\n");

        IOException refused = assertThrows(IOException.class, () -> ApiTokenFile.readOrCreate(dataDir, new SecureRandom()));

        assertEquals(file() + " holds no token (64 lower-case hex digits): remove it, and the router creates a new one", refused.getMessage());
        assertEquals("secret\n", Files.readString(file()));
    }

    @Test
    void aSymbolicLinkIsNotFollowed() throws IOException {
        Path elsewhere = Files.writeString(dataDir.resolve("elsewhere"), "0".repeat(64));
        Files.createSymbolicLink(file(), elsewhere);

        IOException refused = assertThrows(IOException.class, () -> ApiTokenFile.readOrCreate(dataDir, new SecureRandom()));

        assertTrue(refused.getMessage().startsWith(file() + " is not a regular file"), refused.getMessage());
    }

    @Test
    void aTemporaryFileLeftByACrashIsReplaced() throws IOException {
        Files.writeString(dataDir.resolve(ApiToken.FILE_NAME + ".tmp"), "half");

        ApiToken token = ApiTokenFile.readOrCreate(dataDir, new SecureRandom());

        assertEquals(Optional.of(token), ApiToken.readFrom(dataDir));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file())));
    }
}

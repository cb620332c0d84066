package weft.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApiTokenTest {
    private final ApiToken token = ApiToken.generate(new SecureRandom());
    private final String text = token.fileContent().strip();

    @Test
    void aTokenIs256BitsAsHexAndItsTextIsNotShownByToString() {
        assertTrue(text.matches("[0-9a-f]{64}"), text);
        assertNotEquals(token, ApiToken.generate(new SecureRandom()));
        assertFalse(token.toString().contains(text));
    }

    @Test
    void itAuthorizesTheBearerHeaderWithItsTextAndNothingElse() {
        assertTrue(token.authorizes("Bearer " + text));
        assertTrue(token.authorizes("bearer  " + text + " "), "the scheme's case and surrounding space do not matter");
        assertFalse(token.authorizes(text), "no scheme");
        assertFalse(token.authorizes("Basic " + text));
        assertFalse(token.authorizes("Bearer " + text.toUpperCase()));
        assertFalse(token.authorizes("Bearer " + text + "0"));
        assertFalse(token.authorizes("Bearer " + text.substring(0, 63)));
        assertFalse(token.authorizes("Bearer"));
        assertFalse(token.authorizes(""));
    }

    @Test
    void parsingTakesExactly64LowerCaseHexDigits() {
        assertEquals(Optional.of(token), ApiToken.parse(" " + text + "\n"));
        assertEquals(Optional.empty(), ApiToken.parse(text.substring(1)));
        assertEquals(Optional.empty(), ApiToken.parse("g" + text.substring(1)));
        assertEquals(Optional.empty(), ApiToken.parse(""));
    }

    @Test
    void aClientFindsNoTokenWhereThereIsNoneOrItIsNoToken(@TempDir Path dataDir) throws IOException {
        assertEquals(Optional.empty(), ApiToken.readFrom(dataDir));
        assertEquals(Optional.empty(), ApiToken.readFrom(dataDir.resolve("missing")));
        Files.writeString(dataDir.resolve(ApiToken.FILE_NAME), "not a token\n");
        assertEquals(Optional.empty(), ApiToken.readFrom(dataDir));
        Files.writeString(dataDir.resolve(ApiToken.FILE_NAME), token.fileContent());
        assertEquals(Optional.of(token), ApiToken.readFrom(dataDir));
    }
}

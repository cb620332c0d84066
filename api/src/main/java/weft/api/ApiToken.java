package weft.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The credential of a router whose API takes requests from other hosts ({@code --http-remote}): 256 random bits,
 * written as 64 lower-case hex digits and a newline in {@value #FILE_NAME} in the router's data directory (mode
 * 0600, so root reads it and other users do not), and sent as {@code Authorization: Bearer <token>}. The router
 * creates the file; {@code weft} reads it. Immutable; {@link #toString} does not show the token.
 */
public final class ApiToken {
    /** The token's file in the router's data directory. */
    public static final String FILE_NAME = "api-token";
    private static final int BYTES = 32;
    private static final String SCHEME = "Bearer ";

    private final String text; // 64 lower-case hex digits

    private ApiToken(String text) {
        this.text = text;
    }

    /** A new token of 256 bits from {@code random}. */
    public static ApiToken generate(SecureRandom random) {
        byte[] bits = new byte[BYTES];
        random.nextBytes(bits);
        return new ApiToken(HexFormat.of().formatHex(bits));
    }

    /** The token in {@code text} (surrounding white space ignored), or empty when it is not 64 lower-case hex digits. */
    public static Optional<ApiToken> parse(String text) {
        String candidate = text.strip();
        return candidate.matches("[0-9a-f]{" + 2 * BYTES + "}") ? Optional.of(new ApiToken(candidate)) : Optional.empty();
    }

    /**
     * The token in {@code dataDirectory}'s {@value #FILE_NAME}, for a client; empty when there is none, it cannot be
     * read (a user other than root) or it holds no token. A client without one sends none, and a router that needs
     * one replies 401 saying where it is.
     */
    public static Optional<ApiToken> readFrom(Path dataDirectory) {
        Path file = dataDirectory.resolve(FILE_NAME);
        try {
            // a token is 65 bytes: anything much longer is not one, and is not read whole
            if (!Files.isRegularFile(file) || Files.size(file) > 1024) return Optional.empty();
            return parse(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException | SecurityException e) {
            return Optional.empty(); // unreadable here is the same as absent: see above
        }
    }

    /** What the file holds. */
    public String fileContent() {
        return text + "\n";
    }

    /** The value of the {@code Authorization} header that carries this token. */
    public String authorization() {
        return SCHEME + text;
    }

    /**
     * Whether an {@code Authorization} header value carries this token. The comparison takes the same time whatever
     * the presented value holds, so that its duration tells a guesser nothing about how much of a guess was right.
     */
    public boolean authorizes(String authorization) {
        String value = authorization.strip();
        // the scheme's name is case-insensitive (RFC 7235) and no secret
        if (!value.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) return false;
        byte[] presented = value.substring(SCHEME.length()).strip().getBytes(StandardCharsets.UTF_8);
        // isEqual's time depends only on the length of its first argument, which is the same for every token
        return MessageDigest.isEqual(text.getBytes(StandardCharsets.US_ASCII), presented);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ApiToken token && MessageDigest.isEqual(text.getBytes(StandardCharsets.US_ASCII),
                token.text.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return "ApiToken[hidden]";
    }
}

package weft.router.http;

import weft.api.ApiToken;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.Set;

/**
 * The router's side of {@link ApiToken}'s file in the data directory: kept across restarts, so that remote callers
 * keep theirs, and created when missing. The file is created with mode 0600 rather than changed to it afterwards,
 * so the token is never readable by others, not even for a moment (the umask can only take bits away). Stateless;
 * called by the router at start, while it holds the data directory, so no other router writes the file meanwhile.
 */
public final class ApiTokenFile {
    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private ApiTokenFile() {
    }

    /** The token in {@code dataDirectory}, a new one from {@code random} if there is none; refuses a file others may read. */
    public static ApiToken readOrCreate(Path dataDirectory, SecureRandom random) throws IOException {
        Path file = dataDirectory.resolve(ApiToken.FILE_NAME);
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) return read(file);
        ApiToken token = ApiToken.generate(random);
        Path temporary = dataDirectory.resolve(ApiToken.FILE_NAME + ".tmp");
        Files.deleteIfExists(temporary); // left by a crash between creating and renaming it
        try (FileChannel channel = FileChannel.open(temporary, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(OWNER_ONLY))) {
            ByteBuffer content = StandardCharsets.US_ASCII.encode(token.fileContent());
            while (content.hasRemaining()) channel.write(content);
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel directory = FileChannel.open(dataDirectory, StandardOpenOption.READ)) {
            directory.force(true);
        }
        return token;
    }

    private static ApiToken read(Path file) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(file + " is not a regular file: remove it, and the router creates a new token");
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
        if (!OWNER_ONLY.containsAll(permissions)) {
            throw new IOException(file + " may be read by others (" + PosixFilePermissions.toString(permissions)
                    + "): 'chmod 600 " + file + "' if nobody else has read it, or remove it, and the router creates a new token");
        }
        // a token file is 65 bytes; a large file is no token and is not read whole
        String text = Files.size(file) > 1024 ? "" : new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
        return ApiToken.parse(text).orElseThrow(() -> new IOException(file + " holds no token (64 lower-case hex digits):"
                + " remove it, and the router creates a new one"));
    }
}

package weft.gossip;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class DurableFileTest {
    @TempDir
    Path directory;

    @Test
    void aFileIsReplacedWholeAndReadableByItsOwnerOnlyWhateverTheLeftoversOfACrash() throws Exception {
        Path file = directory.resolve("state");
        Files.writeString(directory.resolve("state.tmp"), "half written before a crash");
        Files.setPosixFilePermissions(directory.resolve("state.tmp"), PosixFilePermissions.fromString("rw-rw-rw-"));
        DurableFile.write(file, "new".getBytes());
        assertEquals("new", Files.readString(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertFalse(Files.exists(directory.resolve("state.tmp")));
    }
}

package weft.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogFileRotationTest {
    @TempDir
    Path directory;

    @Test
    void aLogOverTheLimitMovesToItsFirstRotationAndAWriterThatAppendsGoesOnAtItsNewEnd() throws Exception {
        Path log = directory.resolve("weft.log");
        LogFileRotation rotation = new LogFileRotation(log, 10);
        try (OutputStream router = Files.newOutputStream(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            router.write("0123456789".getBytes());
            router.flush();
            assertFalse(rotation.rotateIfLarge(), "at the limit, not over");
            router.write("ab\n".getBytes());
            router.flush();
            assertTrue(rotation.rotateIfLarge());
            router.write("after\n".getBytes()); // the launcher's file descriptor, as the router's standard output
            router.flush();
        }
        assertEquals("0123456789ab\n", Files.readString(directory.resolve("weft.log.1")));
        assertEquals("after\n", Files.readString(log));
        assertFalse(new LogFileRotation(directory.resolve("absent.log"), 10).rotateIfLarge());
    }
}

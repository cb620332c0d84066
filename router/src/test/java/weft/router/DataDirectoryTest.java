package weft.router;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DataDirectoryTest {
    @TempDir
    Path directory;

    @Test
    void aNewOrEmptyDataDirectoryIsTheOwnersAloneAndOneInUseIsLeftAsItIs() throws Exception {
        Path fresh = directory.resolve("a/b/weft");
        DataDirectory.create(fresh);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));
        // what a kubelet makes for a hostPath of type DirectoryOrCreate
        Path mountPoint = Files.createDirectory(directory.resolve("hostpath"));
        Files.setPosixFilePermissions(mountPoint, PosixFilePermissions.fromString("rwxr-xr-x"));
        DataDirectory.create(mountPoint);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(mountPoint)));
        Path existing = Files.createDirectory(directory.resolve("shared"));
        Files.writeString(existing.resolve("notes"), "the operator's");
        Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString("rwxr-xr-x"));
        DataDirectory.create(existing);
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(existing)), "the operator's choice, warned about");
    }
}

package weft.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What a launch says when it cannot do a router's work, and what file errors read as. */
class PrivilegesTest {
    @Test
    void rootsCapabilitiesAreEnoughAndAUsersAreNamedMissing() {
        assertEquals(Optional.empty(), Privileges.missing("Name:\tjava\nCapEff:\t000001ffffffffff\n"));
        assertEquals(Optional.of("the router needs root (or CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_ADMIN) to create its bridge and links"
                + " and to enter containers' namespaces; run it with sudo"), Privileges.missing("CapEff:\t0000000000000000\n"));
        assertEquals(Optional.of("the router needs root (or CAP_SYS_ADMIN) to create its bridge and links and to enter containers'"
                + " namespaces; run it with sudo"), Privileges.missing("CapEff:\t0000000000003000\n"));
        assertEquals(Optional.empty(), Privileges.missing("no such line"), "cannot be told: the kernel answers");
        assertEquals(Optional.empty(), Privileges.missing("CapEff:\tzz\n"));
    }

    @Test
    void fileErrorsSayWhatIsWrongNotJustThePath() {
        assertEquals("no such file or directory", FileProblem.reason(new NoSuchFileException("/nonexistent")));
        assertEquals("it exists and is not a directory", FileProblem.reason(new FileAlreadyExistsException("/tmp/x")));
        assertEquals("permission denied", FileProblem.reason(new AccessDeniedException("/var/lib/weft")));
        assertEquals("Read-only file system", FileProblem.reason(new FileSystemException("/ro/weft.log", null, "Read-only file system")));
        assertEquals("disk on fire", FileProblem.reason(new IOException("disk on fire")));
    }
}

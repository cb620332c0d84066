package weft.router;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** One spelling per target, and what a start dials. */
class TargetListTest {
    @Test
    void hostAndHostWithTheDefaultPortAreOneTarget() {
        assertEquals("10.0.0.2", TargetList.canonical("10.0.0.2:6783"));
        assertEquals("10.0.0.2", TargetList.canonical("10.0.0.2"));
        assertEquals("10.0.0.2:7000", TargetList.canonical("10.0.0.2:7000"));
        assertEquals("host2.example", TargetList.canonical("Host2.Example:6783"));
        assertThrows(IllegalArgumentException.class, () -> TargetList.canonical("10.0.0.2:"));
    }

    @Test
    void peersGivenAtLaunchReplaceTheSavedOnesAndWithoutThemTheSavedOnesAreDialled() {
        assertEquals(Set.of("10.0.0.1"), Router.initialTargets(List.of("10.0.0.1:6783"), List.of("10.0.0.1", "10.0.0.99")));
        assertEquals(Set.of("10.0.0.1", "10.0.0.99"), Router.initialTargets(List.of(), List.of("10.0.0.1", "10.0.0.99")));
    }

    @Test
    void savedTargetsOfAnOlderReleaseAreReadInTheirOneSpelling(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("targets.json"), "[\"10.0.0.2\", \"10.0.0.2:6783\", \"bad:port:x\", \"10.0.0.3:7000\"]");
        assertEquals(List.of("10.0.0.2", "10.0.0.3:7000"), TargetList.saved(file, new ObjectMapper()));
    }
}

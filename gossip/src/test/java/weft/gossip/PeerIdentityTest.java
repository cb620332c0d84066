package weft.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerIdentityTest {
    @TempDir
    Path dir;
    final SplittableRandom random = new SplittableRandom(7);

    @Test
    void shouldKeepTheNameAcrossStartsWithNewIncarnations() throws IOException {
        Path data = dir.resolve("data");
        Path noMachineId = dir.resolve("absent");
        PeerIdentity first = PeerIdentity.resolve(data, Optional.empty(), noMachineId, "host-a", random);
        PeerIdentity second = PeerIdentity.resolve(data, Optional.empty(), noMachineId, "host-a", random);
        assertEquals(first.name(), second.name());
        assertNotEquals(first.incarnation(), second.incarnation());
        assertEquals(first.name() + "\n", Files.readString(data.resolve(PeerIdentity.NAME_FILE)));
    }

    @Test
    void shouldDeriveTheFirstNameFromTheMachineId() throws IOException {
        Path machineId = Files.writeString(dir.resolve("machine-id"), "0123456789abcdef0123456789abcdef\n");
        Path data = dir.resolve("data");
        PeerIdentity identity = PeerIdentity.resolve(data, Optional.empty(), machineId, "h", random);
        assertEquals(PeerName.fromMachineId("0123456789abcdef0123456789abcdef|" + data.toAbsolutePath()), identity.name());
    }

    @Test
    void shouldGiveRoutersWithTheirOwnDataDirectoriesOnOneMachineDistinctNames() throws IOException {
        Path machineId = Files.writeString(dir.resolve("machine-id"), "0123456789abcdef0123456789abcdef\n");
        PeerName first = PeerIdentity.resolve(dir.resolve("h1"), Optional.empty(), machineId, "h", random).name();
        PeerName second = PeerIdentity.resolve(dir.resolve("h2"), Optional.empty(), machineId, "h", random).name();
        assertNotEquals(first, second);
    }

    @Test
    void shouldLetTheOverrideWinWithoutStoringIt() throws IOException {
        Path data = dir.resolve("data");
        Path noMachineId = dir.resolve("absent");
        PeerName stored = PeerIdentity.resolve(data, Optional.empty(), noMachineId, "h", random).name();
        PeerName override = PeerName.parse("aa:bb:cc:dd:ee:ff");
        assertEquals(override, PeerIdentity.resolve(data, Optional.of(override), noMachineId, "h", random).name());
        assertEquals(stored, PeerIdentity.resolve(data, Optional.empty(), noMachineId, "h", random).name());
    }

    @Test
    void shouldRefuseACorruptNameFileNamingIt() throws IOException {
        Files.writeString(dir.resolve(PeerIdentity.NAME_FILE), "not a name\n");
        var e = assertThrows(IOException.class,
                () -> PeerIdentity.resolve(dir, Optional.empty(), dir.resolve("absent"), "h", random));
        assertTrue(e.getMessage().contains(PeerIdentity.NAME_FILE) && e.getMessage().contains("delete"),
                e.getMessage());
    }
}

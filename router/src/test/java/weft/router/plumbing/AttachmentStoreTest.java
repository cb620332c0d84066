package weft.router.plumbing;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import weft.api.Attachment;
import weft.gossip.Cidr;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AttachmentStoreTest {
    @TempDir
    Path directory;

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void anAddressReservedForOneTargetIsRefusedToAnotherUntilReleasedAndAHeldOneUntilRemoved() throws Exception {
        AttachmentStore store = new AttachmentStore(directory.resolve("attachments.json"), json);
        List<Cidr> address = List.of(Cidr.parse("10.32.0.5/12"));
        store.reserve("netns:a", address);
        store.reserve("netns:a", address); // its own reservation is no conflict
        IllegalArgumentException taken = assertThrows(IllegalArgumentException.class,
                () -> store.reserve("netns:b", List.of(Cidr.parse("10.32.0.5/24"))));
        assertEquals("address 10.32.0.5 is already in use by netns:a", taken.getMessage());

        store.put(new Attachment("netns:a", "/run/netns/a", "vethwl1", "02:00:00:00:00:01", List.of("10.32.0.5/12")));
        store.unreserve("netns:a", address);
        assertEquals("address 10.32.0.5 is already in use by netns:a",
                assertThrows(IllegalArgumentException.class, () -> store.reserve("netns:b", address)).getMessage(), "held now");

        store.remove("netns:a");
        store.reserve("netns:b", address);
        store.unreserve("netns:b", address);
        assertEquals(List.of(), store.all());
    }

    @Test
    void everyChangeIsOnDiskForTheNextStore() throws Exception {
        Path file = directory.resolve("attachments.json");
        AttachmentStore store = new AttachmentStore(file, json);
        Attachment a = new Attachment("netns:a", "/run/netns/a", "vethwl1", "02:00:00:00:00:01", List.of("10.32.0.5/12"));
        Attachment b = new Attachment("pid:7", "/proc/7/ns/net", "vethwl2", "02:00:00:00:00:02", List.of("10.32.0.6/12"));
        store.put(a);
        store.put(b);
        store.remove("netns:a");
        AttachmentStore reopened = new AttachmentStore(file, json);
        assertEquals(List.of(b), reopened.all());
        assertEquals(Optional.empty(), reopened.get("netns:a"));
    }

    @Test
    void aFileWithAnAttachmentTheRouterCannotUseIsSetAsideAndTheStoreStartsEmpty() throws Exception {
        Path file = directory.resolve("attachments.json");
        String unusable = "[{\"target\":\"netns:a\",\"namespacePath\":\"/run/netns/a\",\"hostInterface\":\"vethwl1\","
                + "\"mac\":\"02:00:00:00:00:01\",\"cidrs\":[\"10.32.0.5\"]}]"; // no prefix length
        Files.writeString(file, unusable);
        AttachmentStore store = new AttachmentStore(file, json);
        assertEquals(List.of(), store.all());
        assertEquals(unusable, Files.readString(directory.resolve("attachments.json.unreadable")));
        store.reserve("netns:b", List.of(Cidr.parse("10.32.0.5/12")));
    }
}

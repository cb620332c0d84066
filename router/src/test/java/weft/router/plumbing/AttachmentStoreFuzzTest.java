package weft.router.plumbing;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.io.TempDir;
import weft.api.Attachment;
import weft.gossip.Cidr;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the router reads at start about the containers it plumbed: {@code attachments.json}, loaded by
 * {@link AttachmentStore}'s constructor. A file that cannot be parsed is moved aside and the router starts with no
 * attachments. A finding is any exception out of loading, or an attachment kept that the router cannot use: one
 * without its target, namespace, interface or MAC, or with an address that does not parse (every later attach reads
 * them), so that reserving an address is refused for another reason than that its holder holds it.
 */
class AttachmentStoreFuzzTest {
    /** An address of the seeds' containers, reserved for a new one after loading. */
    private static final Cidr WANTED = Cidr.parse("10.32.0.5/12");
    // the router's mapper: a plain one
    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dataDirectory;

    @FuzzTest
    void attachments(byte[] file) throws IOException {
        Path path = dataDirectory.resolve("attachments.json");
        Files.write(path, file);
        AttachmentStore store = new AttachmentStore(path, json);
        for (Attachment attachment : store.all()) {
            assertNotNull(attachment.target());
            assertNotNull(attachment.namespacePath());
            assertNotNull(attachment.hostInterface());
            assertNotNull(attachment.mac());
            attachment.cidrs().forEach(Cidr::parse);
        }
        try {
            store.reserve("netns:new", List.of(WANTED));
        } catch (IllegalArgumentException refused) {
            assertTrue(refused.getMessage().contains("is already in use by"), refused.getMessage());
        }
    }
}

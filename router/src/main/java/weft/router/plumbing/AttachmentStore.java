package weft.router.plumbing;

import weft.gossip.Cidr;

import weft.api.Attachment;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import weft.gossip.DurableFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The attachments of this router, kept in the data directory so that a restarted router still knows which
 * containers it plumbed. Every change is written durably before it is reported. Not thread-safe: owned by
 * {@link ContainerPlumbing}, which serialises calls.
 */
public final class AttachmentStore {
    private static final System.Logger LOG = System.getLogger(AttachmentStore.class.getName());
    private static final TypeReference<List<Attachment>> LIST = new TypeReference<>() {
    };

    private final Path file;
    private final ObjectMapper json;
    private final Map<String, Attachment> byTarget = new LinkedHashMap<>();

    /** Loads {@code file} if it exists; a file that cannot be parsed is set aside, not trusted and not deleted. */
    public AttachmentStore(Path file, ObjectMapper json) {
        this.file = file;
        this.json = json;
        if (Files.exists(file)) {
            try {
                for (Attachment attachment : json.readValue(file.toFile(), LIST)) byTarget.put(attachment.target(), attachment);
            } catch (IOException e) {
                Path aside = file.resolveSibling(file.getFileName() + ".unreadable");
                LOG.log(System.Logger.Level.ERROR, "cannot read " + file + " (" + e.getMessage() + "); moved it to " + aside + " and starting with no attachments");
                try {
                    Files.move(file, aside, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException moveFailed) {
                    throw new UncheckedIOException("cannot move aside unreadable " + file, moveFailed);
                }
            }
        }
    }

    public Optional<Attachment> get(String target) {
        return Optional.ofNullable(byTarget.get(target));
    }

    public List<Attachment> all() {
        return List.copyOf(byTarget.values());
    }

    /** The target that holds {@code address} (any prefix length), if any. */
    public Optional<String> holderOf(Cidr address) {
        for (Attachment attachment : byTarget.values()) {
            for (String cidr : attachment.cidrs()) {
                if (Cidr.parse(cidr).address().equals(address.address())) return Optional.of(attachment.target());
            }
        }
        return Optional.empty();
    }

    public void put(Attachment attachment) throws IOException {
        byTarget.put(attachment.target(), attachment);
        save();
    }

    public void remove(String target) throws IOException {
        if (byTarget.remove(target) != null) save();
    }

    private void save() throws IOException {
        DurableFile.write(file, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(new ArrayList<>(byTarget.values())));
    }
}

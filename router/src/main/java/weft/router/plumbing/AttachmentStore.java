package weft.router.plumbing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import weft.api.Attachment;
import weft.gossip.Cidr;
import weft.gossip.LatestStateFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The attachments of this router, kept in the data directory so that a restarted router still knows which
 * containers it plumbed. Every change is written durably before it is reported. While a target is being plumbed,
 * the addresses it is about to get are reserved here, so that no other target can be given them meanwhile.
 *
 * <p>Thread-safe: the attachments and reservations are guarded by this object's lock, held only to read or change
 * them; writes of the file are serialised by its {@link LatestStateFile}, outside that lock.
 */
public final class AttachmentStore {
    private static final System.Logger LOG = System.getLogger(AttachmentStore.class.getName());
    private static final TypeReference<List<Attachment>> LIST = new TypeReference<>() {
    };

    private final LatestStateFile file;
    private final ObjectMapper json;
    private final Map<String, Attachment> byTarget = new LinkedHashMap<>(); // guarded by this
    /** Addresses (without prefix) being given to a target that does not hold them yet, and that target. Guarded by this. */
    private final Map<String, String> reserved = new HashMap<>();

    /** Loads {@code file} if it exists; a file that cannot be parsed is set aside, not trusted and not deleted. */
    public AttachmentStore(Path file, ObjectMapper json) {
        this.file = new LatestStateFile(file);
        this.json = json;
        if (Files.exists(file)) {
            try {
                for (Attachment attachment : read(file, json)) byTarget.put(attachment.target(), attachment);
            } catch (IOException e) {
                Path aside = file.resolveSibling(file.getFileName() + ".unreadable");
                LOG.log(System.Logger.Level.ERROR, "cannot read " + file + " (" + e.getMessage() + "); moved it to " + aside + " and starting with no attachments");
                try {
                    Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException moveFailed) {
                    throw new UncheckedIOException("cannot move aside unreadable " + file, moveFailed);
                }
            }
        }
    }

    /**
     * The attachments in {@code file}, all of them usable: every field present and every address a CIDR, as plumbing
     * them again and reserving addresses read them. Anything else is refused as unreadable.
     */
    private static List<Attachment> read(Path file, ObjectMapper json) throws IOException {
        List<Attachment> attachments = json.readValue(file.toFile(), LIST);
        if (attachments == null) throw new IOException("it holds null, not a list of attachments");
        for (Attachment attachment : attachments) {
            if (attachment == null || attachment.target() == null || attachment.namespacePath() == null
                    || attachment.hostInterface() == null || attachment.mac() == null) {
                throw new IOException("an attachment lacks its target, namespace, interface or MAC: " + attachment);
            }
            for (String cidr : attachment.cidrs()) {
                try {
                    Cidr.parse(cidr);
                } catch (IllegalArgumentException e) {
                    throw new IOException("the attachment of " + attachment.target() + ": " + e.getMessage(), e);
                }
            }
        }
        return attachments;
    }

    public synchronized Optional<Attachment> get(String target) {
        return Optional.ofNullable(byTarget.get(target));
    }

    public synchronized List<Attachment> all() {
        return List.copyOf(byTarget.values());
    }

    /**
     * Reserves {@code cidrs} for {@code target} until {@link #unreserve}; refused, naming the holder, when another
     * target holds or is being given one of them. Addresses the target holds already are its own.
     */
    public synchronized void reserve(String target, List<Cidr> cidrs) {
        for (Cidr cidr : cidrs) {
            String address = cidr.address().getHostAddress();
            Optional<String> holder = holderOf(cidr).or(() -> Optional.ofNullable(reserved.get(address))).filter(other -> !other.equals(target));
            if (holder.isPresent()) throw new IllegalArgumentException("address " + address + " is already in use by " + holder.get());
        }
        for (Cidr cidr : cidrs) reserved.put(cidr.address().getHostAddress(), target);
    }

    /** Ends {@code target}'s reservation of {@code cidrs}: they are recorded with the target now, or were not given. */
    public synchronized void unreserve(String target, List<Cidr> cidrs) {
        for (Cidr cidr : cidrs) reserved.remove(cidr.address().getHostAddress(), target);
    }

    /** The target that holds {@code address} (any prefix length), if any. */
    private Optional<String> holderOf(Cidr address) {
        for (Attachment attachment : byTarget.values()) {
            for (String cidr : attachment.cidrs()) {
                if (Cidr.parse(cidr).address().equals(address.address())) return Optional.of(attachment.target());
            }
        }
        return Optional.empty();
    }

    public void put(Attachment attachment) throws IOException {
        synchronized (this) {
            byTarget.put(attachment.target(), attachment);
        }
        save();
    }

    public void remove(String target) throws IOException {
        synchronized (this) {
            if (byTarget.remove(target) == null) return;
        }
        save();
    }

    private void save() throws IOException {
        file.write(() -> {
            List<Attachment> copy;
            synchronized (this) {
                copy = new ArrayList<>(byTarget.values());
            }
            try {
                return json.writerWithDefaultPrettyPrinter().writeValueAsBytes(copy);
            } catch (IOException e) {
                throw new IllegalStateException("attachments are always JSON", e);
            }
        });
    }
}

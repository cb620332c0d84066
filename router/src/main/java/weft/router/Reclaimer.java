package weft.router;

import weft.api.Attachment;
import weft.router.plumbing.AttachTarget;
import weft.router.plumbing.ContainerPlumbing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Gives back the addresses of containers that are gone: an owner whose network namespace has disappeared (the
 * container exited, the namespace was deleted) for longer than the grace period loses its interface record and
 * its allocations. The grace period lets a container that restarts keep its address, and a router that was down
 * applies the same rule to what it finds on start. Not thread-safe: {@link #sweep} runs on one scheduler thread.
 */
final class Reclaimer {
    private static final System.Logger LOG = System.getLogger(Reclaimer.class.getName());
    private final ContainerPlumbing plumbing;
    private final AllocatorProxy allocator;
    private final java.util.function.Consumer<String> namesGone;
    private final InstantSource clock;
    private final Duration grace;
    private final Map<String, Instant> missingSince = new HashMap<>();

    /** @param namesGone takes a gone owner's names off the mesh */
    Reclaimer(ContainerPlumbing plumbing, AllocatorProxy allocator, java.util.function.Consumer<String> namesGone, InstantSource clock, Duration grace) {
        this.plumbing = plumbing;
        this.allocator = allocator;
        this.namesGone = namesGone;
        this.clock = clock;
        this.grace = grace;
    }

    /** One pass: notes owners that are gone, and reclaims those gone for longer than the grace period. */
    void sweep() {
        Instant now = clock.instant();
        Map<String, Optional<Path>> owners = new HashMap<>();
        for (Attachment attachment : plumbing.attachments()) {
            // a CNI pod's life is its runtime's, told by DEL and GC; its namespace path was the plugin's for one call
            if (attachment.target().equals(Attachment.EXPOSE) || attachment.target().startsWith("cni:")) continue;
            owners.put(attachment.target(), Optional.of(Path.of(attachment.namespacePath())));
        }
        for (String owner : allocator.owners()) {
            if (!owner.equals(Attachment.EXPOSE)) owners.putIfAbsent(owner, namespaceOfOwner(owner));
        }
        Set<String> gone = new HashSet<>();
        owners.forEach((owner, namespace) -> {
            if (namespace.isPresent() && !Files.exists(namespace.get())) gone.add(owner);
        });
        missingSince.keySet().retainAll(gone);
        for (String owner : gone) {
            Instant since = missingSince.computeIfAbsent(owner, o -> now);
            if (Duration.between(since, now).compareTo(grace) < 0) continue;
            plumbing.forget(owner);
            int released = allocator.release(owner).size();
            namesGone.accept(owner);
            missingSince.remove(owner);
            LOG.log(System.Logger.Level.INFO, owner + " is gone (its namespace disappeared " + Duration.between(since, now).toSeconds()
                    + " s ago): released " + released + " addresses");
        }
    }

    /**
     * The namespace file an allocation owner id stands for, when it can be told from the id: not for a Docker
     * container (asking the engine each sweep is not worth it yet), nor for an owner id of another client.
     */
    private static Optional<Path> namespaceOfOwner(String owner) {
        try {
            return AttachTarget.parse(owner).namespaceFile();
        } catch (IllegalArgumentException notATarget) {
            return Optional.empty();
        }
    }
}

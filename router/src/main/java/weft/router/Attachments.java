package weft.router;

import weft.api.Attachment;
import weft.gossip.Cidr;
import weft.ipam.AddressRange;
import weft.ipam.AllocationResult;
import weft.router.plumbing.AttachTarget;
import weft.router.plumbing.ContainerPlumbing;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Attaches containers and exposes the host with addresses that are the allocator's to give: without addresses, one
 * from the allocator; with addresses inside the allocation range, each claimed first so that the allocator never
 * hands it out elsewhere; outside the range, the operator's own. What a call obtained from the allocator goes back
 * when the plumbing fails, and what a detach removes goes back too.
 *
 * <p>Thread-safe: the API calls it from many threads; it holds no state of its own, and the plumbing and the
 * allocator proxy are thread-safe.
 */
final class Attachments {
    private final ContainerPlumbing plumbing;
    private final AllocatorProxy allocator;
    private final Cidr overlayRange;
    private final Object exposing = new Object();

    Attachments(ContainerPlumbing plumbing, AllocatorProxy allocator, Cidr overlayRange) {
        this.plumbing = plumbing;
        this.allocator = allocator;
        this.overlayRange = overlayRange;
    }

    Attachment attach(String targetText, List<String> cidrTexts) throws IOException {
        AttachTarget target = AttachTarget.parse(targetText);
        List<Cidr> given = parse(cidrTexts);
        plumbing.checkTarget(target); // a missing namespace is reported before anything is allocated
        // a pod's only interface: its default route goes through the bridge, which needs an address for it
        Optional<InetAddress> gateway = target instanceof AttachTarget.Cni ? Optional.of(bridgeAddress()) : Optional.empty();
        String owner = target.key();
        List<Cidr> addresses = given.isEmpty() ? List.of(allocate(owner)) : claim(owner, given);
        Set<String> held = plumbing.attachments().stream().filter(a -> a.target().equals(owner))
                .flatMap(a -> a.cidrs().stream()).collect(Collectors.toSet());
        try {
            return plumbing.attach(target, addresses, gateway);
        } catch (IOException | RuntimeException e) {
            for (Cidr cidr : addresses) {
                if (!held.contains(cidr.toString()) && inRange(cidr)) allocator.releaseAddress(cidr.addressValue());
            }
            throw e;
        }
    }

    Attachment detach(String targetText, List<String> cidrTexts) throws IOException {
        AttachTarget target = AttachTarget.parse(targetText);
        List<Cidr> cidrs = parse(cidrTexts);
        if (target instanceof AttachTarget.Cni && plumbing.attachments().stream().noneMatch(a -> a.target().equals(target.key()))) {
            // CNI's DEL may come twice, or after a failed ADD: the interface is gone, and what it held goes back
            allocator.release(target.key());
            return new Attachment(target.key(), target.namespaceFile().map(Object::toString).orElse(""), "", "", List.of());
        }
        Attachment detached = plumbing.detach(target, cidrs);
        release(target.key(), cidrs);
        return detached;
    }

    List<Attachment> all() {
        return plumbing.attachments();
    }

    Attachment expose(List<String> cidrTexts) throws IOException {
        List<Cidr> given = parse(cidrTexts);
        return plumbing.expose(given.isEmpty() ? List.of(allocate(Attachment.EXPOSE)) : claim(Attachment.EXPOSE, given));
    }

    Attachment hide(List<String> cidrTexts) throws IOException {
        List<Cidr> cidrs = parse(cidrTexts);
        Attachment hidden = plumbing.hide(cidrs);
        release(Attachment.EXPOSE, cidrs);
        return hidden;
    }

    private static List<Cidr> parse(List<String> cidrTexts) {
        return cidrTexts.stream().map(Cidr::parse).toList();
    }

    /** Gives back what {@code owner} held of {@code cidrs}, or everything it held when none are named. */
    private void release(String owner, List<Cidr> cidrs) {
        if (cidrs.isEmpty()) {
            allocator.release(owner);
            return;
        }
        for (Cidr cidr : cidrs) {
            long address = cidr.addressValue();
            if (inRange(cidr) && allocator.addressesOf(owner).contains(address)) allocator.releaseAddress(address);
        }
    }

    /**
     * The bridge's address on the overlay, the pods' gateway: the host's exposed address in the range, or, when the
     * host has none, one from the allocator that exposes it now (as Weave did for its CNI plugin).
     */
    private InetAddress bridgeAddress() throws IOException {
        synchronized (exposing) { // pods added at once must not each expose the host
            enableForwarding();
            Optional<Inet4Address> address = exposedAddress();
            if (address.isPresent()) return address.get();
            Cidr exposed = allocate(Attachment.EXPOSE);
            plumbing.expose(List.of(exposed));
            return exposed.address();
        }
    }

    /** The host's first exposed address in the allocation range: the bridge's on the overlay, where Weft DNS answers. */
    Optional<Inet4Address> exposedAddress() {
        return plumbing.attachments().stream().filter(a -> a.target().equals(Attachment.EXPOSE))
                .flatMap(a -> a.cidrs().stream()).map(Cidr::parse).filter(this::inRange)
                .map(Cidr::address).filter(Inet4Address.class::isInstance).map(Inet4Address.class::cast).findFirst();
    }

    /**
     * Turns IPv4 forwarding on in the router's namespace, once: pods route through the bridge to the rest of the host's
     * world (a host port that portmap forwards, other networks), as the CNI bridge plugin does for its gateway.
     */
    private static void enableForwarding() throws IOException {
        java.nio.file.Path forwarding = java.nio.file.Path.of("/proc/sys/net/ipv4/ip_forward");
        if (java.nio.file.Files.readString(forwarding).strip().equals("1")) return;
        java.nio.file.Files.writeString(forwarding, "1\n");
        System.getLogger(Attachments.class.getName()).log(System.Logger.Level.INFO,
                "turned IPv4 forwarding on: pods route through the bridge, as the CNI bridge plugin does for its gateway");
    }

    private boolean inRange(Cidr cidr) {
        return overlayRange.contains(cidr.address());
    }

    private Cidr allocate(String owner) {
        return switch (allocator.allocate(owner, Optional.empty())) {
            case AllocationResult.Allocated(long address, AddressRange in) -> Cidr.of(address, in.prefixLength());
            case AllocationResult.Failed(String reason) -> throw new IllegalStateException("no address for " + owner + ": " + reason);
        };
    }

    private List<Cidr> claim(String owner, List<Cidr> given) {
        for (Cidr cidr : given) {
            if (!inRange(cidr)) continue; // outside the allocation range: the operator manages it
            if (allocator.claim(owner, cidr.addressValue()) instanceof AllocationResult.Failed(String reason)) {
                throw new IllegalArgumentException("cannot use " + cidr + ": " + reason);
            }
        }
        return given;
    }
}

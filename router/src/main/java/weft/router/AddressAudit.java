package weft.router;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import weft.api.Attachment;
import weft.gossip.Cidr;
import weft.ipam.Displacement;
import weft.router.plumbing.ContainerPlumbing;

/**
 * Keeps every overlay address on this host's interfaces the allocator's to give: an address inside the allocation
 * range that the allocator neither holds for that interface's owner nor is asking back (see
 * {@link Displacement}) is taken off the interface, and out of {@code weft ps}, with the reason in the log. That
 * is what happens to a container's address when this peer comes back after an {@code rmpeer} and the peer that
 * took over its range has handed the address out meanwhile (or does not answer): two containers with one address
 * would break both. An address must be found unheld on two sweeps in a row before it goes, so that an attach or a
 * detach between reading the interfaces and asking the allocator never looks like a lost address.
 *
 * <p>Not thread-safe: {@link #sweep} runs on one scheduler thread.
 */
final class AddressAudit {
    private static final System.Logger LOG = System.getLogger(AddressAudit.class.getName());
    private final ContainerPlumbing plumbing;
    private final AllocatorProxy allocator;
    private final Cidr overlayRange;
    private Set<String> unheldLastSweep = Set.of(); // "owner cidr"

    AddressAudit(ContainerPlumbing plumbing, AllocatorProxy allocator, Cidr overlayRange) {
        this.plumbing = plumbing;
        this.allocator = allocator;
        this.overlayRange = overlayRange;
    }

    /** One pass: notes in-range addresses the allocator does not hold, and withdraws those noted last time too. */
    void sweep() {
        List<Attachment> attachments = plumbing.attachments(); // before the allocator: an attach claims first
        AllocatorProxy.AddressBook book = allocator.addressBook();
        if (!book.ready()) {
            return; // no ring: nothing can be handed out elsewhere yet
        }
        Set<String> unheld = new HashSet<>();
        for (Attachment attachment : attachments) {
            List<Cidr> withdraw = new ArrayList<>();
            for (String text : attachment.cidrs()) {
                Cidr cidr = Cidr.parse(text);
                if (!overlayRange.contains(cidr.address())) continue; // the operator's own address
                long address = cidr.addressValue();
                Displacement d = book.displaced().get(address);
                if (attachment.target().equals(book.held().get(address)) || (d != null && d.outcome() == Displacement.Outcome.ASKING)) {
                    continue;
                }
                String key = attachment.target() + " " + text;
                unheld.add(key);
                if (unheldLastSweep.contains(key)) withdraw.add(cidr);
            }
            if (!withdraw.isEmpty()) withdraw(attachment.target(), withdraw, book);
        }
        unheldLastSweep = unheld;
    }

    private void withdraw(String owner, List<Cidr> cidrs, AllocatorProxy.AddressBook book) {
        for (Cidr cidr : cidrs) {
            Displacement d = book.displaced().get(cidr.addressValue());
            String holder = book.held().get(cidr.addressValue());
            String why = d != null ? d.detail() : holder != null ? "the allocator gave it to " + holder
                    : "the allocator does not hold it (its range was taken over, or its allocation was lost)";
            LOG.log(System.Logger.Level.WARNING, "took " + cidr + " off " + owner + ": " + why
                    + "; it could be on another container too. 'weft attach' gives " + owner + " a new address");
        }
        try {
            plumbing.withdraw(owner, cidrs);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not take " + cidrs + " off " + owner + ": " + e.getMessage());
        }
    }
}

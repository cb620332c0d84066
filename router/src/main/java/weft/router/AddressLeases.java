package weft.router;

import weft.gossip.Cidr;
import weft.ipam.AddressRange;
import weft.ipam.AllocationResult;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Addresses the allocator gives to owners that have no interface of this router: a client that plumbs its own
 * interfaces (Docker's engine, for the network plugin) asks for them by an owner name of its own, and gives them back
 * the same way. The names of interfaces' owners ({@code netns:}, {@code pid:}, {@code docker:}, {@code cni:}, the
 * host's {@code weft:expose}) are refused: their addresses are the plumbing's to give and take, and the reclaimer
 * would take an address whose owner looks like a namespace that is gone.
 *
 * <p>Thread-safe: no state of its own; the allocator proxy is thread-safe.
 */
final class AddressLeases {
    private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:/-]{0,199}");
    private static final List<String> INTERFACE_OWNERS = List.of("netns:", "pid:", "docker:", "cni:", "weft:");

    private final AllocatorProxy allocator;
    private final Cidr range;

    AddressLeases(AllocatorProxy allocator, Cidr range) {
        this.allocator = allocator;
        this.range = range.network();
    }

    /**
     * Another address for {@code owner} in {@code subnet} (CIDR, inside the allocation range), or in the default
     * subnet: an owner here names a group (a Docker network's pool), not one user.
     */
    String allocate(String owner, Optional<String> subnet) {
        checkOwner(owner);
        Optional<AddressRange> in = subnet.map(text -> {
            Cidr cidr = Cidr.parse(text);
            if (!cidr.equals(cidr.network())) throw new IllegalArgumentException("subnet " + text + " has host bits set; did you mean " + cidr.network() + "?");
            if (!range.covers(cidr)) throw new IllegalArgumentException("subnet " + text + " is not inside the allocation range " + range);
            return AddressRange.of(cidr);
        });
        return switch (allocator.allocateNew(owner, in)) {
            case AllocationResult.Allocated(long address, AddressRange block) -> Cidr.of(address, block.prefixLength()).toString();
            case AllocationResult.Failed(String reason) -> throw new IllegalStateException("no address for " + owner + ": " + reason);
        };
    }

    /** The address {@code cidr} (inside the allocation range) for {@code owner}. */
    String claim(String owner, String cidrText) {
        checkOwner(owner);
        Cidr cidr = inRange(cidrText);
        if (allocator.claim(owner, cidr.addressValue()) instanceof AllocationResult.Failed(String reason)) {
            throw new IllegalArgumentException("cannot claim " + cidr + " for " + owner + ": " + reason);
        }
        return cidr.toString();
    }

    /** Gives back {@code owner}'s address {@code cidr}, or all it holds; what went back, as dotted quads. */
    List<String> release(String owner, Optional<String> cidrText) {
        checkOwner(owner);
        if (cidrText.isEmpty()) return allocator.release(owner).stream().map(AddressRange::format).toList();
        long address = inRange(cidrText.get()).addressValue();
        if (!allocator.addressesOf(owner).contains(address)) return List.of();
        allocator.releaseAddress(address);
        return List.of(AddressRange.format(address));
    }

    /** The addresses {@code owner} holds, as dotted quads. */
    List<String> addressesOf(String owner) {
        checkOwner(owner);
        return allocator.addressesOf(owner).stream().map(AddressRange::format).toList();
    }

    private Cidr inRange(String text) {
        Cidr cidr = Cidr.parse(text);
        if (!range.contains(cidr.address())) throw new IllegalArgumentException(cidr + " is not inside the allocation range " + range);
        if (!cidr.isHostAddress()) throw new IllegalArgumentException(cidr + " is a network or broadcast address, not one to give out");
        return cidr;
    }

    private static void checkOwner(String owner) {
        if (!OWNER.matcher(owner).matches()) {
            throw new IllegalArgumentException("invalid owner '" + owner + "': 1 to 200 letters, digits and _ . : / -, starting with a letter or digit");
        }
        for (String prefix : INTERFACE_OWNERS) {
            if (owner.startsWith(prefix)) {
                throw new IllegalArgumentException("owner '" + owner + "' names an interface's owner (" + prefix + "...): attach and detach give those addresses");
            }
        }
    }
}

package weft.router;

import weft.gossip.Mesh;
import weft.gossip.PeerName;
import weft.ipam.AddressRange;
import weft.ipam.TakeoverResult;

import java.util.List;

/**
 * The allocator's operator commands as the API answers them: {@code weft rmpeer}, {@code adopt-ring} and
 * {@code prime}, with what each did written for a person and logged. Thread-safe: no state of its own.
 */
final class IpamCommands {
    private static final System.Logger LOG = System.getLogger(IpamCommands.class.getName());
    private final AllocatorProxy allocator;
    private final Mesh mesh;

    IpamCommands(AllocatorProxy allocator, Mesh mesh) {
        this.allocator = allocator;
        this.mesh = mesh;
    }

    String removePeer(String peerText, boolean force) {
        PeerName dead = resolvePeer(peerText);
        return switch (allocator.takeover(dead, force)) {
            case TakeoverResult.TookOver(PeerName from, List<AddressRange> ranges, long addresses) -> {
                LOG.log(System.Logger.Level.INFO, "took over " + addresses + " addresses of peer " + from + ": " + ranges);
                yield addresses + " addresses taken over from " + from + (ranges.isEmpty() ? " (it owned none)" : " " + ranges);
            }
            case TakeoverResult.Refused(String reason) -> throw new IllegalArgumentException("not taken over: " + reason);
        };
    }

    String adoptWinningRing() {
        return allocator.adoptWinningRing()
                .map(dropped -> {
                    String addresses = dropped.stream().map(AddressRange::format).toList().toString();
                    LOG.log(System.Logger.Level.WARNING, "adopted the winning allocation ring; dropped " + dropped.size() + " addresses " + addresses);
                    return "adopted the winning ring; " + dropped.size() + " addresses dropped " + addresses + ": re-attach their containers";
                })
                .orElseThrow(() -> new IllegalArgumentException("there is no conflicting ring to adopt (see 'weft status ipam')"));
    }

    /** This peer leaves the allocation ring for good, giving its ranges to a reachable peer ({@code weft reset}). */
    String leave() {
        return allocator.leave();
    }

    String prime() {
        allocator.prime();
        return allocator.status().phase().name().toLowerCase();
    }

    /** A peer name, or the nickname of a peer the topology knows (which must be unambiguous). */
    private PeerName resolvePeer(String text) {
        try {
            return PeerName.parse(text);
        } catch (IllegalArgumentException notAName) {
            List<PeerName> named = mesh.status().join().peers().stream().filter(p -> p.nickname().equals(text)).map(p -> p.name()).toList();
            if (named.size() == 1) return named.getFirst();
            throw new IllegalArgumentException(named.isEmpty() ? "no peer named or nicknamed '" + text + "'"
                    : "nickname '" + text + "' is used by " + named + "; give the peer name");
        }
    }
}

package weft.gossip;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import weft.gossip.connect.ConnectionMaker;
import weft.gossip.topology.PeerLink;
import weft.gossip.topology.PeerRecord;

/**
 * Which peers to dial because the topology tells of them: for a link its owner dialled, the address it
 * dialled; for one it accepted, the peer's IP on the default port. Skips ourselves and peers we are
 * connected to or already dialling, and remembers which peer each discovered target was learned for, so
 * that the target is dropped once that peer is connected another way or forgotten.
 *
 * <p>Peer records are other peers' word, so discovery is bounded: it dials only addresses that make sense for
 * a peer (never unspecified, multicast or broadcast; loopback and link-local only if we use such an address
 * ourselves), and holds at most {@code maxTargets} discovered targets at once. Links left out are counted
 * each time discovery looks (after route changes), so a count that keeps growing means a record keeps
 * naming such addresses.
 *
 * <p>Pure: no sockets, threads or clocks; its only state is the targets it discovered and its counts, and the
 * caller adds and forgets the targets in the connection maker. Owned by the mesh loop.
 */
final class Discovery {
    /** A target to add to the connection maker, learned for {@code peer} from {@code source}'s record. */
    record Found(String target, InetSocketAddress address, PeerName peer, PeerRecord source) {}

    private static final InetAddress LIMITED_BROADCAST = InetAddress.ofLiteral("255.255.255.255");

    private final PeerName self;
    private final int maxTargets;
    private final Map<String, PeerName> discovered = new TreeMap<>(); // target -> the peer it was learned for
    private long addressesRefused;
    private long targetsOverLimit;

    /**
     * @param maxTargets discovered targets held at most; the mesh passes its connection limit, since more
     *                   targets than connections could never all be connected
     */
    Discovery(PeerName self, int maxTargets) {
        if (maxTargets < 0) {
            throw new IllegalArgumentException("negative discovery limit " + maxTargets);
        }
        this.self = self;
        this.maxTargets = maxTargets;
    }

    /** Links whose address makes no sense to dial, counted each time discovery looks. */
    long addressesRefused() {
        return addressesRefused;
    }

    /** Links left out because {@code maxTargets} discovered targets were held, counted each time discovery looks. */
    long targetsOverLimit() {
        return targetsOverLimit;
    }

    /**
     * Drops the discovered targets whose peer is {@code established} while the target itself is not
     * connected (the peer came to us, or through another target), and returns them, in target order.
     */
    List<String> superseded(Set<PeerName> established, List<ConnectionMaker.TargetStatus> targets) {
        Set<String> connected = new HashSet<>();
        for (ConnectionMaker.TargetStatus t : targets) {
            if (t.state() == ConnectionMaker.State.CONNECTED) {
                connected.add(t.target());
            }
        }
        List<String> dropped = new ArrayList<>();
        discovered.entrySet().removeIf(e -> established.contains(e.getValue()) && !connected.contains(e.getKey())
                && dropped.add(e.getKey()));
        return dropped;
    }

    /** Drops the discovered targets learned for peers in {@code forgotten} and returns them, in target order. */
    List<String> forgotten(Collection<PeerName> forgotten) {
        List<String> dropped = new ArrayList<>();
        discovered.entrySet().removeIf(e -> forgotten.contains(e.getValue()) && dropped.add(e.getKey()));
        return dropped;
    }

    /**
     * The new targets the records tell of, at most one per peer, in record and link order; each is
     * remembered as discovered. A target the maker already has (in {@code targets}) is not new: another of
     * the peer's links may then give one.
     *
     * @param records      the topology's records, ours included
     * @param established  the peers we are connected to
     * @param localAddress where we listen: a link to it is a link to us
     * @param ours         the addresses we use: where we listen and our connections' local ends; a loopback or
     *                     link-local address is dialled only if one of these is one too
     */
    List<Found> discover(Collection<PeerRecord> records, Set<PeerName> established,
            List<ConnectionMaker.TargetStatus> targets, InetSocketAddress localAddress, Set<InetAddress> ours) {
        boolean loopbackOurs = ours.stream().anyMatch(InetAddress::isLoopbackAddress);
        boolean linkLocalOurs = ours.stream().anyMatch(InetAddress::isLinkLocalAddress);
        Set<String> known = new HashSet<>();
        targets.forEach(t -> known.add(t.target()));
        List<Found> found = new ArrayList<>();
        for (PeerRecord record : records) {
            if (record.name().equals(self)) {
                continue;
            }
            for (PeerLink link : record.links()) {
                PeerName peer = link.peer();
                if (peer.equals(self) || established.contains(peer) || discovered.containsValue(peer)) {
                    continue;
                }
                Optional<InetSocketAddress> address = literalAddress(link.remoteAddress(), link.outbound());
                if (address.isEmpty() || address.get().equals(localAddress)) {
                    continue;
                }
                InetAddress ip = address.get().getAddress();
                if (ip.isAnyLocalAddress() || ip.isMulticastAddress() || ip.equals(LIMITED_BROADCAST)
                        || (ip.isLoopbackAddress() && !loopbackOurs) || (ip.isLinkLocalAddress() && !linkLocalOurs)) {
                    addressesRefused++;
                    continue;
                }
                String target = MeshConnection.hostAndPort(address.get());
                if (known.contains(target)) {
                    continue;
                }
                if (discovered.size() >= maxTargets) {
                    targetsOverLimit++;
                    continue;
                }
                known.add(target);
                discovered.put(target, peer);
                found.add(new Found(target, address.get(), peer, record));
            }
        }
        return found;
    }

    /** An {@code ip:port} from a peer's record, never looked up in DNS (it is untrusted text). */
    private static Optional<InetSocketAddress> literalAddress(String text, boolean dialled) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || !text.substring(0, colon).matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
            return Optional.empty();
        }
        try {
            InetAddress ip = InetAddress.getByName(text.substring(0, colon)); // a literal: no lookup
            int port = dialled ? Integer.parseInt(text.substring(colon + 1)) : MeshConfig.DEFAULT_PORT;
            return port < 1 || port > 0xffff ? Optional.empty() : Optional.of(new InetSocketAddress(ip, port));
        } catch (UnknownHostException | NumberFormatException e) {
            return Optional.empty(); // garbage in a peer's record: nothing to dial
        }
    }
}

package weft.router;

import weft.crypto.GcmEngine;
import weft.gossip.ConnectedPeer;
import weft.gossip.MeshListener;
import weft.dns.NameChannel;
import weft.gossip.PeerName;
import weft.gossip.topology.Routes;
import weft.router.fastpath.EspKeys;
import weft.router.fastpath.FastPath;
import weft.router.fastpath.FastPathTable;
import weft.router.sleeve.MacTable;
import weft.router.sleeve.SealedPair;
import weft.router.sleeve.SleeveCipher;
import weft.router.sleeve.SleeveForwarder;
import weft.router.sleeve.SleevePeer;
import weft.router.sleeve.SleevePeers;
import weft.router.view.LinkChannel;

import java.net.Inet4Address;
import java.util.List;
import java.util.Optional;

/**
 * Hears about peers and routes from the mesh and tells the data paths: the sleeve where its neighbours are, how to
 * seal for them and which way to send; the fast path which pairs may try the kernel; the allocator which peers are
 * reachable.
 *
 * <p>Thread rule: everything but the constructor runs on the mesh loop, which owns {@link #routes} and
 * {@link #allocator}. The parts it tells are built before the mesh starts and are safe to call from the loop;
 * the allocator, which can only be built once the mesh runs, arrives through {@link #allocatorReady} on the loop.
 */
final class MeshMembership implements MeshListener {
    private static final System.Logger LOG = System.getLogger(MeshMembership.class.getName());
    private final SleevePeers sleevePeers;
    private final MacTable macs;
    private final SleeveForwarder forwarder;
    private final FastPath fastPath;
    private final boolean espAvailable;
    private final GcmEngine gcm;
    private Routes routes; // mesh loop only
    private AllocatorProxy allocator; // mesh loop only; null until the allocator is built
    private NameChannel names; // mesh loop only; null until the names are restored
    private LinkChannel links; // mesh loop only; null until the links channel is registered

    /**
     * @param espAvailable whether the kernel offers ESP, so that encrypted pairs may use the fast path
     * @param gcm          the AES-GCM that seals and opens the sleeve's datagrams
     */
    MeshMembership(SleevePeers sleevePeers, MacTable macs, SleeveForwarder forwarder, FastPath fastPath, boolean espAvailable,
                   GcmEngine gcm) {
        this.sleevePeers = sleevePeers;
        this.macs = macs;
        this.forwarder = forwarder;
        this.fastPath = fastPath;
        this.espAvailable = espAvailable;
        this.gcm = gcm;
    }

    /** Mesh loop only: the allocator exists now; it hears the peers reachable so far, and every change after. */
    void allocatorReady(AllocatorProxy ready) {
        allocator = ready;
        if (routes != null) allocator.reachable(routes.destinations());
    }

    /** Mesh loop only: the names exist now; they hear the peers reachable so far, and every change after. */
    void namesReady(NameChannel ready) {
        names = ready;
        if (routes != null) names.reachable(routes.destinations());
    }

    /** Mesh loop only: the links channel exists now; it hears the peers reachable so far, and every change after. */
    void linksReady(LinkChannel ready) {
        links = ready;
        if (routes != null) links.reachable(routes.destinations());
    }

    @Override
    public void onPeerConnected(ConnectedPeer peer) {
        SleeveCipher cipher = peer.sleeveKeys().map(keys -> (SleeveCipher) new SealedPair(keys.send(), keys.receive(), gcm)).orElse(null);
        String label = peer.name().label(peer.nickname());
        sleevePeers.put(new SleevePeer(peer.name().value(), label, peer.udpAddress(), cipher));
        LOG.log(System.Logger.Level.INFO, "connected to " + peer + ", sleeve to " + peer.udpAddress().getAddress().getHostAddress() + ":" + peer.udpPort() + (cipher != null ? " sealed" : " in clear"));
        republishRoutes();
        // the ESP keys go along only where the kernel can use them; without, the pair is ineligible anyway
        Optional<EspKeys> espKeys = peer.sleeveKeys().filter(keys -> espAvailable)
                .map(keys -> new EspKeys(keys.espSend(), keys.espReceive(), keys.espRollover()));
        fastPath.connected(new FastPathTable.Peer(peer.name().value(), label, peer.udpAddress().getAddress(),
                fastPathIneligible(peer, cipher != null), espKeys, peer.heartbeatKeys()));
    }

    @Override
    public void onPeerDisconnected(PeerName peer, String reason) {
        sleevePeers.remove(peer.value());
        republishRoutes();
        fastPath.disconnected(peer.value());
    }

    @Override
    public void onRoutesChanged(Routes newRoutes) {
        routes = newRoutes;
        republishRoutes();
        if (allocator != null) allocator.reachable(newRoutes.destinations());
        if (names != null) names.reachable(newRoutes.destinations());
        if (links != null) links.reachable(newRoutes.destinations());
    }

    @Override
    public void onPeersForgotten(List<PeerName> peers) {
        for (PeerName peer : peers) macs.forgetPeer(peer.value());
        if (names != null) names.peersForgotten(peers);
        if (links != null) links.peersForgotten(peers);
    }

    /**
     * Why a pair may not use the kernel fast path, or empty when it may; an encrypted pair that may still needs its
     * ESP state, which the fast path installs and reports on.
     */
    private Optional<String> fastPathIneligible(ConnectedPeer peer, boolean sealed) {
        if (!(peer.udpAddress().getAddress() instanceof Inet4Address)) {
            return Optional.of("the peer's underlay address is IPv6; the fast path is IPv4 only");
        }
        if (sealed && !espAvailable) {
            return Optional.of("data is encrypted, and this kernel has no ESP for an encrypted fast path");
        }
        return Optional.empty();
    }

    /** The sleeve's routes follow both the topology and the neighbours' current keys. */
    private void republishRoutes() {
        if (routes != null) forwarder.routes(MeshRoutes.of(routes, sleevePeers));
    }
}

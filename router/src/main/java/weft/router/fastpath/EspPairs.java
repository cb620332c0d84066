package weft.router.fastpath;

import weft.kernel.EnumCounters;
import weft.kernel.Errno;
import weft.kernel.NativeCallException;
import weft.kernel.Route;
import weft.kernel.Rtnetlink;
import weft.kernel.Xfrm;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The kernel ESP state of the fast path's encrypted pairs: installed when such a peer connects, so that it may try
 * the fast path, and removed only once nothing can send to it any more (see {@link FastPath}'s invariant). A
 * refusal by the kernel keeps the pair on sleeve with the kernel's reason.
 *
 * <p>Not thread-safe: owned by the fast path's agent thread, then by {@link #close} once the agent has stopped.
 */
final class EspPairs {
    private static final System.Logger LOG = System.getLogger(FastPath.class.getName());
    /** Null when encrypted pairs may not use the fast path here; then {@link #unavailable} says why. */
    private final Xfrm xfrm;
    private final String unavailable;
    private final Rtnetlink rtnl;
    private final Inet4Address local;
    private final int udpPort;
    private final Map<Long, EspPair> installed = new HashMap<>();
    /** Pairs replaced or gone, removed after the next successful reconciliation. */
    private final List<EspPair> retiring = new ArrayList<>();
    /** Peers whose last rollover the kernel refused, so that a streak is logged once. */
    private final java.util.Set<Long> failing = new java.util.HashSet<>();

    /**
     * @param local the underlay address the VXLAN port sends from, or null when routing chooses per peer
     */
    EspPairs(Xfrm xfrm, String unavailable, Rtnetlink rtnl, Inet4Address local, int udpPort) {
        this.xfrm = xfrm;
        this.unavailable = unavailable;
        this.rtnl = rtnl;
        this.local = local;
        this.udpPort = udpPort;
    }

    /**
     * A peer connected at {@code now}: a reconnection brings new keys, so what it had is retired, and an encrypted pair
     * gets its state.
     */
    void connected(FastPathTable.Peer peer, FastPathTable table, EnumCounters.Writer<FastPath.Counter> counted, long now) {
        EspPair previous = installed.remove(peer.name());
        // an ineligible pair (an IPv6 underlay) stays on sleeve whatever its keys: no ESP state for it
        if (peer.ineligible().isEmpty() && peer.esp().isPresent()) install(peer, peer.esp().get(), previous, table, counted, now);
        if (previous != null) retiring.add(previous);
    }

    void disconnected(long name) {
        failing.remove(name);
        EspPair gone = installed.remove(name);
        if (gone != null) retiring.add(gone);
    }

    private void install(FastPathTable.Peer peer, EspKeys keys, EspPair previous, FastPathTable table,
                         EnumCounters.Writer<FastPath.Counter> counted, long now) {
        if (xfrm == null) {
            table.espFailed(peer.name(), "data is encrypted, and " + unavailable);
            return;
        }
        try {
            Inet4Address remote = (Inet4Address) peer.underlay(); // eligible peers are IPv4 (MeshMembership says why not)
            EspPair pair = new EspPair(localTowards(remote), remote, udpPort, keys, now);
            // the kernel prefers the newest of two SAs for the same ends, so the new ones take over at once
            pair.install(xfrm, previous == null || !previous.sameEnds(pair));
            installed.put(peer.name(), pair);
            table.espInstalled(peer.name());
            counted.increment(FastPath.Counter.ESP_INSTALLED);
            LOG.log(System.Logger.Level.INFO, "fast path to " + peer.label() + ": " + pair + " installed; trying it");
        } catch (NativeCallException e) {
            counted.increment(FastPath.Counter.ESP_FAILED);
            table.espFailed(peer.name(), "data is encrypted, and the kernel refused its ESP state: " + e.getMessage());
            LOG.log(System.Logger.Level.WARNING, "fast path to " + peer.label() + ": the kernel refused its ESP state: "
                    + e.getMessage() + "; the pair stays on sleeve");
        }
    }

    /**
     * Rolls each pair's keys over to {@code now}'s epoch. A refusal is logged once per streak and leaves the pair on
     * the keys it has, which the peer still accepts for an epoch; should the streak outlast that, the pair's
     * heartbeats fail and it falls back to sleeve, as for any pair whose ESP stops working.
     */
    void rollOver(long now, EnumCounters.Writer<FastPath.Counter> counted) {
        if (xfrm == null) return;
        for (Map.Entry<Long, EspPair> entry : installed.entrySet()) {
            EspPair pair = entry.getValue();
            try {
                if (pair.rollOver(xfrm, now)) {
                    counted.increment(FastPath.Counter.ESP_ROLLOVERS);
                    LOG.log(System.Logger.Level.INFO, "fast path: rolled " + pair + " over to its keys of epoch " + pair.epoch());
                }
                failing.remove(entry.getKey());
            } catch (NativeCallException e) {
                counted.increment(FastPath.Counter.ESP_ROLLOVER_FAILED);
                if (failing.add(entry.getKey())) {
                    LOG.log(System.Logger.Level.WARNING, "fast path: the kernel refused to roll " + pair + " over: "
                            + e.getMessage() + "; retrying");
                }
            }
        }
    }

    /** The address our VXLAN packets to {@code remote} leave from: the port's own, or the one routing gives them. */
    private Inet4Address localTowards(Inet4Address remote) {
        if (local != null) return local;
        Optional<Route> route = rtnl.routeTo(remote);
        if (route.isPresent() && route.get().preferredSource() instanceof Inet4Address source) return source;
        throw new NativeCallException("RTM_GETROUTE " + remote.getHostAddress(), Errno.ENETUNREACH,
                "no IPv4 route with a source address to " + remote.getHostAddress() + ", so no ESP selector can name our end");
    }

    /** Removes the state of replaced and departed pairs, keeping the policies a current pair still uses. */
    void retire() {
        for (EspPair pair : retiring) {
            boolean policiesInUse = installed.values().stream().anyMatch(pair::sameEnds);
            List<String> failures = pair.remove(xfrm, !policiesInUse);
            if (!failures.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "fast path: removing " + pair + " left some behind: " + String.join("; ", failures));
            }
        }
        retiring.clear();
    }

    /**
     * Removes every pair's state once the VXLAN port is gone; while it may still send ({@code portGone} false), the
     * policies stay, so that without SAs its packets are dropped, never sent in clear (the next start removes them).
     */
    void close(boolean portGone) {
        if (xfrm == null) return;
        retiring.addAll(installed.values());
        installed.clear();
        if (portGone) {
            retire();
        } else {
            for (EspPair pair : retiring) pair.remove(xfrm, false);
            LOG.log(System.Logger.Level.WARNING, "fast path: kept the ESP policies of " + retiring.size()
                    + " pairs, so the remaining VXLAN port cannot send to them in clear");
        }
        xfrm.close();
    }
}

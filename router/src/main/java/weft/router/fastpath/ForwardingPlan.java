package weft.router.fastpath;

import weft.kernel.MacAddress;
import weft.kernel.NetlinkAbi;
import weft.kernel.Neighbour;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What to change in the forwarding tables of the VXLAN port so they say what the fast path decided. Pure: computed
 * from the decision and a dump of the tables, applied by the caller.
 *
 * <ul>
 * <li>Every candidate peer's heartbeat MAC points at the peer's underlay address in the VXLAN device's table:
 * heartbeats always travel, so a path that recovers is noticed.
 * <li>Every fast peer gets an all-zero entry: floods (broadcasts, unknown destinations) go to it, once each.
 * <li>Entries the VXLAN device learnt from a peer that is not fast are removed, so frames for its containers stop
 * going into a path that does not work; the bridge then floods them, and the sleeve carries them.
 * </ul>
 */
public record ForwardingPlan(List<Entry> addToDevice, List<Entry> removeFromDevice, boolean removedLearnt) {

    /** An entry of the VXLAN device's own table: frames to {@code mac} go to {@code remote}. */
    public record Entry(MacAddress mac, InetAddress remote) {
    }

    /**
     * @param portIndex the VXLAN port's interface index: {@code entries} may hold other ports' entries too
     * @param entries   the AF_BRIDGE forwarding entries as dumped (the bridge's own entries are ignored)
     */
    public static ForwardingPlan of(List<FastPathTable.Peer> candidates, List<FastPathTable.Peer> fast, int portIndex,
                                    List<Neighbour> entries) {
        Set<Entry> wantedDevice = new LinkedHashSet<>();
        Set<MacAddress> heartbeatMacs = new HashSet<>();
        for (FastPathTable.Peer peer : candidates) {
            MacAddress mac = new MacAddress(FastHeartbeat.heartbeatMac(peer.name()));
            heartbeatMacs.add(mac);
            wantedDevice.add(new Entry(mac, peer.underlay()));
        }
        Set<InetAddress> fastRemotes = new HashSet<>();
        for (FastPathTable.Peer peer : fast) {
            fastRemotes.add(peer.underlay());
            wantedDevice.add(new Entry(MacAddress.ZERO, peer.underlay()));
        }

        List<Entry> removeDevice = new ArrayList<>();
        boolean removedLearnt = false;
        Set<Entry> haveDevice = new HashSet<>();
        for (Neighbour entry : entries) {
            if (entry.linkIndex() != portIndex || entry.mac() == null) continue;
            if ((entry.flags() & NetlinkAbi.NTF_SELF) != 0) {
                if (entry.address() == null) continue;
                Entry self = new Entry(entry.mac(), entry.address());
                boolean ours = entry.mac().equals(MacAddress.ZERO) || heartbeatMacs.contains(entry.mac())
                        || (entry.state() & NetlinkAbi.NUD_PERMANENT) != 0;
                if (wantedDevice.contains(self)) {
                    haveDevice.add(self);
                } else if (ours) {
                    removeDevice.add(self);
                } else if (!fastRemotes.contains(entry.address())) {
                    removeDevice.add(self); // learnt from a peer that is not (or no longer) fast
                    removedLearnt = true;
                }
            }
        }
        List<Entry> addDevice = wantedDevice.stream().filter(e -> !haveDevice.contains(e)).toList();
        return new ForwardingPlan(addDevice, List.copyOf(removeDevice), removedLearnt);
    }
}

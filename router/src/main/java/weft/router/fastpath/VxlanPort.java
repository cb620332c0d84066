package weft.router.fastpath;

import weft.kernel.Errno;
import weft.kernel.Link;
import weft.kernel.MacAddress;
import weft.kernel.NativeCallException;
import weft.kernel.PacketSocket;
import weft.kernel.Rtnetlink;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * The fast path's VXLAN port on the bridge and the packet socket its heartbeats go through: made at start, put back
 * as it was when someone changes it under the router (taken down, out of the bridge, the bridge made anew, deleted),
 * and deleted at the end. Port isolation keeps it and the sleeve's TAP port from forwarding to each other, and a
 * bridge entry for this router's heartbeat MAC ends heartbeats at the port rather than flood them to containers.
 *
 * <p>Not thread-safe: made by the starting thread, then owned by the fast path's agent thread, then closed.
 */
final class VxlanPort implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FastPath.class.getName());
    private final Rtnetlink rtnl;
    private final FastPath.Settings settings;
    private PacketSocket socket;
    private int index;

    private VxlanPort(Rtnetlink rtnl, FastPath.Settings settings) {
        this.rtnl = rtnl;
        this.settings = settings;
    }

    /** Makes the port (replacing one an earlier router left) and its socket; the caller removes it if this throws. */
    static VxlanPort create(Rtnetlink rtnl, FastPath.Settings settings) {
        VxlanPort port = new VxlanPort(rtnl, settings);
        if (rtnl.link(FastPath.INTERFACE).isPresent()) rtnl.deleteLink(FastPath.INTERFACE); // left by a router that did not stop cleanly
        port.make();
        return port;
    }

    private void make() {
        rtnl.createVxlan(FastPath.INTERFACE, FastPath.VNI, settings.udpPort(), settings.local(), true, true);
        rtnl.setMtu(FastPath.INTERFACE, settings.mtu());
        intoBridge();
        rtnl.setUp(FastPath.INTERFACE);
        index = rtnl.index(FastPath.INTERFACE);
        if (socket != null) socket.close();
        socket = PacketSocket.open(index, FastPath.INTERFACE, FastHeartbeat.ETHERTYPE);
    }

    private void intoBridge() {
        rtnl.setMaster(FastPath.INTERFACE, settings.bridge());
        rtnl.setBridgePortIsolated(FastPath.INTERFACE, true);
        try {
            rtnl.addBridgeFdb(FastPath.INTERFACE, new MacAddress(FastHeartbeat.heartbeatMac(settings.self())));
        } catch (NativeCallException e) {
            if (e.errno() != Errno.EEXIST) throw e;
        }
    }

    /**
     * Puts back what changed since the port was made: the port itself, its place on the bridge, the isolation of
     * both the port and the sleeve's TAP port, its state. Returns what it repaired, for the log, or empty when
     * nothing was amiss.
     *
     * @throws NativeCallException when the kernel refuses (the bridge is gone, say): the next round retries
     */
    Optional<String> repair() {
        Optional<Link> found = rtnl.link(FastPath.INTERFACE);
        if (found.isEmpty()) {
            make();
            return Optional.of(FastPath.INTERFACE + " was gone: made again");
        }
        Link port = found.get();
        int bridge = rtnl.index(settings.bridge());
        StringBuilder repaired = new StringBuilder();
        if (port.index() != index) {
            make(); // deleted and made again by someone else: not ours, as far as the socket knows
            return Optional.of(FastPath.INTERFACE + " was replaced: made again");
        }
        if (port.masterIndex() != bridge || !port.isolated()) {
            intoBridge();
            repaired.append(FastPath.INTERFACE).append(" put back on ").append(settings.bridge()).append(", isolated; ");
        }
        Optional<Link> tap = rtnl.link(settings.tapPort());
        if (tap.isPresent() && tap.get().masterIndex() == bridge && !tap.get().isolated()) {
            rtnl.setBridgePortIsolated(settings.tapPort(), true);
            repaired.append(settings.tapPort()).append(" isolated again; ");
        }
        if (!port.up()) {
            rtnl.setUp(FastPath.INTERFACE);
            repaired.append(FastPath.INTERFACE).append(" up again; ");
        }
        return repaired.isEmpty() ? Optional.empty() : Optional.of(repaired.substring(0, repaired.length() - 2));
    }

    /** One heartbeat frame, 0 when none came within {@code timeoutMillis}. */
    int receive(MemorySegment into, int timeoutMillis) {
        return socket.receive(into, timeoutMillis);
    }

    boolean send(MemorySegment frame, int length) {
        return socket.send(frame, length);
    }

    /** Closes the socket and deletes the port; returns false (and says so) when the kernel would not delete it. */
    boolean remove() {
        if (socket != null) socket.close();
        socket = null;
        try {
            if (rtnl.link(FastPath.INTERFACE).isPresent()) rtnl.deleteLink(FastPath.INTERFACE);
            return true;
        } catch (NativeCallException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove " + FastPath.INTERFACE + ": " + e.getMessage());
            return false;
        }
    }

    @Override
    public void close() {
        remove();
    }
}

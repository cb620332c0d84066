package weft.kernel;

import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A NETLINK_ROUTE client, bound to the network namespace of the thread that {@link #open}s it; it
 * stays bound there whichever thread uses it later. Each operation is one {@link NetlinkSocket}
 * exchange: a kernel error becomes a {@link NativeCallException} naming the operation and its
 * arguments, with the kernel's extended-ack text when it gives one; no reply within 5 s is ETIMEDOUT,
 * a malformed one EPROTO. Not thread-safe: one thread at a time.
 */
public final class Rtnetlink implements AutoCloseable {
    private static final int REPLY_TIMEOUT_MILLIS = 5000;
    private static final int DUMP_ATTEMPTS = 3;

    private final NetlinkSocket socket;
    private final MemorySegment request;
    private final RtnetlinkRequests requests = new RtnetlinkRequests();
    private final NetlinkAttributes top = new NetlinkAttributes(), inner = new NetlinkAttributes(),
            innermost = new NetlinkAttributes();

    private Rtnetlink(NetlinkSocket socket) {
        this.socket = socket;
        this.request = socket.request();
    }

    /** Opens a client in the calling thread's network namespace. */
    public static Rtnetlink open() {
        return new Rtnetlink(NetlinkSocket.open("AF_NETLINK, NETLINK_ROUTE", NetlinkAbi.NETLINK_ROUTE, REPLY_TIMEOUT_MILLIS));
    }

    // ---- links

    public void createBridge(String name) {
        acked("RTM_NEWLINK bridge " + name, requests.newBridge(request, next(), name));
    }

    public void createVeth(String name, String peerName) {
        acked("RTM_NEWLINK veth " + name + " peer " + peerName, requests.newVeth(request, next(), name, peerName));
    }

    /**
     * @param local        the source address of encapsulated frames, or null to let routing choose
     * @param dontFragment DF on the outer packets (see {@link RtnetlinkRequests#newVxlan})
     */
    public void createVxlan(String name, int vni, int dstPort, Inet4Address local, boolean learning, boolean dontFragment) {
        acked("RTM_NEWLINK vxlan " + name + " id " + vni + " dstport " + dstPort + (local == null ? "" : " local " + local.getHostAddress())
                        + (learning ? " learning" : " nolearning") + (dontFragment ? " df set" : ""),
                requests.newVxlan(request, next(), name, vni, dstPort, local, learning, dontFragment));
    }

    public void deleteLink(String name) {
        int index = index(name);
        acked("RTM_DELLINK " + name, requests.deleteLink(request, next(), index));
    }

    public void setUp(String name) {
        int index = index(name);
        acked("RTM_SETLINK " + name + " up", requests.setFlags(request, next(), index, NetlinkAbi.IFF_UP, NetlinkAbi.IFF_UP));
    }

    public void setDown(String name) {
        int index = index(name);
        acked("RTM_SETLINK " + name + " down", requests.setFlags(request, next(), index, 0, NetlinkAbi.IFF_UP));
    }

    public void setMtu(String name, int mtu) {
        int index = index(name);
        acked("RTM_SETLINK " + name + " mtu " + mtu, requests.setU32(request, next(), index, NetlinkAbi.IFLA_MTU, mtu));
    }

    public void setMaster(String name, String masterName) {
        int index = index(name);
        int master = index(masterName);
        acked("RTM_SETLINK " + name + " master " + masterName,
                requests.setU32(request, next(), index, NetlinkAbi.IFLA_MASTER, master));
    }

    public void setNoMaster(String name) {
        int index = index(name);
        acked("RTM_SETLINK " + name + " nomaster", requests.setU32(request, next(), index, NetlinkAbi.IFLA_MASTER, 0));
    }

    /** Moves the link into the namespace {@code netnsFd} refers to (see {@link NetNamespace#fd()}). */
    public void moveToNamespace(String name, int netnsFd) {
        int index = index(name);
        acked("RTM_SETLINK " + name + " netns fd " + netnsFd,
                requests.setU32(request, next(), index, NetlinkAbi.IFLA_NET_NS_FD, netnsFd));
    }

    public void rename(String oldName, String newName) {
        int index = index(oldName);
        acked("RTM_SETLINK " + oldName + " name " + newName, requests.rename(request, next(), index, newName));
    }

    public void setMacAddress(String name, MacAddress mac) {
        int index = index(name);
        acked("RTM_SETLINK " + name + " address " + mac, requests.setMac(request, next(), index, mac));
    }

    /** Isolated bridge ports forward only to non-isolated ones: how TAP and VXLAN ports never forward to each other. */
    public void setBridgePortIsolated(String name, boolean isolated) {
        int index = index(name);
        acked("RTM_SETLINK " + name + " bridge port isolated " + (isolated ? "on" : "off"),
                requests.setBridgePortIsolated(request, next(), index, isolated));
    }

    /** Turns hairpin mode of bridge port {@code name} on or off. */
    public void setBridgePortHairpin(String name, boolean hairpin) {
        int index = index(name);
        acked("RTM_SETLINK " + name + " bridge port hairpin " + (hairpin ? "on" : "off"),
                requests.setBridgePortHairpin(request, next(), index, hairpin));
    }

    /** Forgets the addresses the bridge learnt behind port {@code name}. */
    public void flushBridgePort(String name) {
        int index = index(name);
        acked("RTM_SETLINK " + name + " bridge port flush", requests.flushBridgePort(request, next(), index));
    }

    public Optional<Link> link(String name) {
        List<Link> found = new ArrayList<>(1);
        try {
            socket.exchange("RTM_GETLINK " + name, requests.getLink(request, next(), name), message -> addLink(message, found));
        } catch (NativeCallException e) {
            if (e.errno() == Errno.ENODEV) return Optional.empty();
            throw e;
        }
        return found.stream().findFirst();
    }

    public List<Link> links() {
        return dump("RTM_GETLINK dump", () -> requests.dumpLinks(request, next()), this::addLink);
    }

    private void addLink(NetlinkReader message, List<Link> into) {
        if (message.type() != NetlinkAbi.RTM_NEWLINK) return;
        Link link = Link.decode(message, top, inner, innermost);
        if (link == null) throw malformed("RTM_GETLINK", message);
        into.add(link);
    }

    // ---- addresses

    public void addAddress(String name, InetAddress address, int prefixLength) {
        int index = index(name);
        acked("RTM_NEWADDR " + address.getHostAddress() + "/" + prefixLength + " on " + name,
                requests.address(request, next(), true, index, address, prefixLength));
    }

    public void deleteAddress(String name, InetAddress address, int prefixLength) {
        int index = index(name);
        acked("RTM_DELADDR " + address.getHostAddress() + "/" + prefixLength + " on " + name,
                requests.address(request, next(), false, index, address, prefixLength));
    }

    /** The IPv4 and IPv6 addresses of the link. */
    public List<AssignedAddress> addresses(String name) {
        int index = index(name);
        List<AssignedAddress> all = dump("RTM_GETADDR dump", () -> requests.dumpAddresses(request, next()), (message, into) -> {
            if (message.type() != NetlinkAbi.RTM_NEWADDR) return;
            AssignedAddress address = AssignedAddress.decode(message, top);
            if (address == null) throw malformed("RTM_GETADDR", message);
            into.add(address);
        });
        return all.stream().filter(a -> a.linkIndex() == index).toList();
    }

    // ---- routes

    /** @param gateway null for a route straight onto {@code dev} (scope link) */
    public void addRoute(InetAddress destination, int prefixLength, String dev, InetAddress gateway) {
        int index = index(dev);
        acked("RTM_NEWROUTE " + routeText(destination, prefixLength, dev, gateway),
                requests.route(request, next(), true, destination, prefixLength, index, gateway));
    }

    public void deleteRoute(InetAddress destination, int prefixLength, String dev, InetAddress gateway) {
        int index = index(dev);
        acked("RTM_DELROUTE " + routeText(destination, prefixLength, dev, gateway),
                requests.route(request, next(), false, destination, prefixLength, index, gateway));
    }

    /** The IPv4 and IPv6 routes of every table that leave by {@code dev}. */
    public List<Route> routes(String dev) {
        int index = index(dev);
        return routes().stream().filter(r -> r.outputIndex() == index).toList();
    }

    /** The IPv4 and IPv6 routes of every table. */
    public List<Route> routes() {
        return dump("RTM_GETROUTE dump", () -> requests.dumpRoutes(request, next()), (message, into) -> {
            if (message.type() != NetlinkAbi.RTM_NEWROUTE) return;
            Route route = Route.decode(message, top, inner);
            if (route != null) into.add(route); // null: another family, such as multicast routing tables
        });
    }

    /**
     * The route the kernel picks for {@code destination} ({@code ip route get}), with {@link Route#mtu} set when
     * the route has its own MTU or the kernel learned a path MTU for that destination; empty when it is unreachable.
     */
    public Optional<Route> routeTo(InetAddress destination) {
        String operation = "RTM_GETROUTE " + destination.getHostAddress();
        List<Route> found = new ArrayList<>(1);
        try {
            socket.exchange(operation, requests.getRoute(request, next(), destination), message -> {
                if (message.type() != NetlinkAbi.RTM_NEWROUTE) return;
                Route route = Route.decode(message, top, inner);
                if (route == null) throw malformed(operation, message);
                found.add(route);
            });
        } catch (NativeCallException e) {
            if (e.errno() == Errno.ENETUNREACH || e.errno() == Errno.EHOSTUNREACH) return Optional.empty();
            throw e;
        }
        return found.stream().findFirst();
    }

    private static String routeText(InetAddress destination, int prefixLength, String dev, InetAddress gateway) {
        return destination.getHostAddress() + "/" + prefixLength + (gateway == null ? "" : " via " + gateway.getHostAddress())
                + " dev " + dev;
    }

    // ---- neighbours and forwarding entries

    /** A permanent ARP/NDP entry, replacing any the kernel has. */
    public void addNeighbour(String dev, InetAddress address, MacAddress mac) {
        int index = index(dev);
        acked("RTM_NEWNEIGH " + address.getHostAddress() + " lladdr " + mac + " dev " + dev,
                requests.addNeighbour(request, next(), index, address, mac));
    }

    public void deleteNeighbour(String dev, InetAddress address) {
        int index = index(dev);
        acked("RTM_DELNEIGH " + address.getHostAddress() + " dev " + dev,
                requests.deleteNeighbour(request, next(), index, address));
    }

    /** The ARP and NDP entries of {@code dev}. */
    public List<Neighbour> neighbours(String dev) {
        return neighbours("RTM_GETNEIGH dump", index(dev), Linux.AF_UNSPEC);
    }

    /** A permanent forwarding entry on {@code dev} itself (a VXLAN device: frames to {@code mac} go to {@code remote}). */
    public void addFdb(String dev, MacAddress mac, InetAddress remote) {
        int index = index(dev);
        acked("RTM_NEWNEIGH bridge fdb " + mac + (remote == null ? "" : " dst " + remote.getHostAddress()) + " dev " + dev,
                requests.fdb(request, next(), true, index, mac, remote));
    }

    public void deleteFdb(String dev, MacAddress mac, InetAddress remote) {
        int index = index(dev);
        acked("RTM_DELNEIGH bridge fdb " + mac + (remote == null ? "" : " dst " + remote.getHostAddress()) + " dev " + dev,
                requests.fdb(request, next(), false, index, mac, remote));
    }

    /** A static entry in the bridge's own table: frames to {@code mac} leave through port {@code port}. */
    public void addBridgeFdb(String port, MacAddress mac) {
        int index = index(port);
        acked("RTM_NEWNEIGH bridge fdb " + mac + " dev " + port + " master static", requests.bridgeFdb(request, next(), true, index, mac));
    }

    public void deleteBridgeFdb(String port, MacAddress mac) {
        int index = index(port);
        acked("RTM_DELNEIGH bridge fdb " + mac + " dev " + port + " master", requests.bridgeFdb(request, next(), false, index, mac));
    }

    /** The forwarding entries of {@code dev}, the device's own and those its bridge keeps for it. */
    public List<Neighbour> fdb(String dev) {
        return neighbours("RTM_GETNEIGH bridge fdb dump", index(dev), Linux.AF_BRIDGE);
    }

    private List<Neighbour> neighbours(String operation, int index, int family) {
        List<Neighbour> all = dump(operation, () -> requests.dumpNeighbours(request, next(), family), (message, into) -> {
            if (message.type() != NetlinkAbi.RTM_NEWNEIGH) return;
            Neighbour neighbour = Neighbour.decode(message, top);
            if (neighbour == null) throw malformed(operation, message);
            into.add(neighbour);
        });
        return all.stream().filter(n -> n.linkIndex() == index).toList();
    }

    // ---- the exchange

    /** The index of the link named {@code name}; ENODEV when there is none. */
    public int index(String name) {
        return link(name).orElseThrow(() -> new NativeCallException("RTM_GETLINK " + name, Errno.ENODEV,
                "no link named '" + name + "' in this network namespace")).index();
    }

    private int next() {
        return socket.nextSequence();
    }

    private interface Decoder<T> {
        void decode(NetlinkReader message, List<T> into);
    }

    private interface Encoder {
        int encode();
    }

    private void acked(String operation, int length) {
        socket.exchange(operation, length, message -> {
            // a request answered with data before its ack is not one Weft sends; ignoring it is harmless
        });
    }

    /** Runs a dump again when the kernel flags it inconsistent (NLM_F_DUMP_INTR: the table changed meanwhile). */
    private <T> List<T> dump(String operation, Encoder encoder, Decoder<T> decoder) {
        for (int attempt = 1; ; attempt++) {
            List<T> into = new ArrayList<>();
            boolean[] interrupted = {false};
            socket.exchange(operation, encoder.encode(), message -> {
                if ((message.flags() & NetlinkAbi.NLM_F_DUMP_INTR) != 0) interrupted[0] = true;
                decoder.decode(message, into);
            });
            if (!interrupted[0]) return into;
            if (attempt == DUMP_ATTEMPTS) {
                throw new NativeCallException(operation, Errno.EINTR, operation + " failed: the table kept changing during "
                        + DUMP_ATTEMPTS + " dumps (NLM_F_DUMP_INTR)");
            }
        }
    }

    private NativeCallException malformed(String operation, NetlinkReader message) {
        return new NativeCallException(operation, Errno.EPROTO, operation + " failed: malformed message of type "
                + message.type() + " (" + message.payloadLength() + " bytes of payload) in the kernel's reply");
    }

    /** Closes the socket; idempotent. */
    @Override public void close() {
        socket.close();
    }
}

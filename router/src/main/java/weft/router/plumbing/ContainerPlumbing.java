package weft.router.plumbing;

import weft.gossip.Cidr;

import weft.api.Attachment;

import weft.router.docker.DockerEngine;
import weft.kernel.Errno;
import weft.kernel.NativeCallException;
import weft.kernel.NetNamespace;
import weft.kernel.Rtnetlink;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Plumbs containers and the host onto the bridge: a veth whose host end is a bridge port and whose other end is
 * {@code ethwe} in the target's namespace, with its addresses and a route to the overlay range. Every operation
 * either completes or leaves nothing behind.
 *
 * <p>Thread-safe, and no lock is held across another target's work: operations on one target (a container, or the
 * host for expose and hide) are serialised by that target's lock, held while its kernel objects change; each
 * operation opens its own rtnetlink socket in the router's namespace; the addresses it is about to give are
 * reserved in the {@link AttachmentStore} first, so two targets never get one address, whatever runs at once.
 */
public final class ContainerPlumbing {
    public static final String CONTAINER_INTERFACE = "ethwe";
    private static final Cidr DEFAULT_ROUTE = Cidr.parse("0.0.0.0/0");
    private static final System.Logger LOG = System.getLogger(ContainerPlumbing.class.getName());
    /** Locks per target, by hash: two targets share one only by chance, and then merely wait for each other. */
    private static final int TARGET_LOCKS = 64;

    private final Supplier<Rtnetlink> hostNetlink;
    private final Object[] targetLocks = new Object[TARGET_LOCKS];
    private final String bridge;
    private final int mtu;
    private final Cidr overlayRange;
    private final AttachmentStore store;
    private final DockerEngine docker;
    private final RandomGenerator random;

    /**
     * @param hostNetlink opens an rtnetlink socket in the router's namespace (the calling thread's), one per operation
     * @param random      names the veths
     */
    public ContainerPlumbing(Supplier<Rtnetlink> hostNetlink, String bridge, int mtu, Cidr overlayRange, AttachmentStore store,
                             DockerEngine docker, RandomGenerator random) {
        this.hostNetlink = hostNetlink;
        for (int i = 0; i < TARGET_LOCKS; i++) targetLocks[i] = new Object();
        this.bridge = bridge;
        this.mtu = mtu;
        this.overlayRange = overlayRange.network();
        this.store = store;
        this.docker = docker;
        this.random = random;
    }

    public List<Attachment> attachments() {
        return store.all();
    }

    private Object lockOf(String key) {
        return targetLocks[Math.floorMod(key.hashCode(), TARGET_LOCKS)];
    }

    /** Fails, with the reason, if {@code target}'s network namespace cannot be opened now. */
    public void checkTarget(AttachTarget target) throws IOException {
        open(target).namespace().close();
    }

    /** Gives {@code target} the addresses {@code cidrs}, creating its interface if it has none from us yet. */
    public Attachment attach(AttachTarget target, List<Cidr> cidrs) throws IOException {
        return attach(target, cidrs, Optional.empty());
    }

    /**
     * As {@link #attach(AttachTarget, List)}, and with {@code defaultGateway}, a default route through it (for a pod,
     * whose only interface this is) and hairpin mode on the bridge port.
     */
    public Attachment attach(AttachTarget target, List<Cidr> cidrs, Optional<java.net.InetAddress> defaultGateway) throws IOException {
        if (cidrs.isEmpty()) throw new IllegalArgumentException("at least one address is required");
        String key = target.key();
        synchronized (lockOf(key)) {
            List<Cidr> wanted = checkNewAddresses(cidrs);
            store.reserve(key, wanted);
            try (Rtnetlink host = hostNetlink.get()) {
                return attach(host, target, key, wanted, defaultGateway);
            } finally {
                store.unreserve(key, wanted);
            }
        }
    }

    private Attachment attach(Rtnetlink host, AttachTarget target, String key, List<Cidr> wanted,
                              Optional<java.net.InetAddress> defaultGateway) throws IOException {
        String inner = target.interfaceName();
        Optional<Attachment> existing = store.get(key).filter(attachment -> host.link(attachment.hostInterface()).isPresent());
        Opened opened = open(target);
        try (NetNamespace namespace = opened.namespace()) {
            if (existing.isPresent()) {
                Attachment known = existing.get();
                List<Cidr> added = wanted.stream().filter(c -> !known.cidrs().contains(c.toString())).toList();
                namespace.call(() -> {
                    try (Rtnetlink inside = Rtnetlink.open()) {
                        configureAddresses(inside, inner, added);
                    }
                    return null;
                });
                Attachment updated = known.withCidrs(concat(known.cidrs(), added));
                store.put(updated);
                LOG.log(System.Logger.Level.INFO, "attached " + added + " to " + key + " (" + known.hostInterface() + ")");
                return updated;
            }
            Attachment created = createInterface(host, key, inner, namespace, opened.path(), wanted, defaultGateway);
            store.put(created);
            LOG.log(System.Logger.Level.INFO, "attached " + wanted + " to " + key + " as " + inner + " " + created.mac() + " on bridge port " + created.hostInterface());
            return created;
        }
    }

    private Attachment createInterface(Rtnetlink host, String key, String inner, NetNamespace namespace, Path namespacePath, List<Cidr> cidrs,
                                       Optional<java.net.InetAddress> defaultGateway) {
        int draw;
        synchronized (random) { // shared by the targets' operations, and not thread-safe itself
            draw = random.nextInt();
        }
        String suffix = HexFormat.of().toHexDigits(draw);
        String hostEnd = "vethwl" + suffix, peerEnd = "vethwp" + suffix;
        host.createVeth(hostEnd, peerEnd);
        try {
            host.setMtu(hostEnd, mtu);
            host.setMtu(peerEnd, mtu);
            host.setMaster(hostEnd, bridge);
            if (defaultGateway.isPresent()) host.setBridgePortHairpin(hostEnd, true); // a pod may reach itself through a service
            host.setUp(hostEnd);
            host.moveToNamespace(peerEnd, namespace.fd());
            String mac = namespace.call(() -> {
                try (Rtnetlink inside = Rtnetlink.open()) {
                    if (inside.link(inner).isPresent()) {
                        throw new IllegalStateException(key + " already has an interface named " + inner + " that this router did not make");
                    }
                    inside.rename(peerEnd, inner);
                    inside.setUp(inner);
                    configureAddresses(inside, inner, cidrs);
                    if (defaultGateway.isPresent()) inside.addRoute(DEFAULT_ROUTE.address(), 0, inner, defaultGateway.get());
                    return inside.link(inner).orElseThrow().mac().toString();
                }
            });
            return new Attachment(key, namespacePath.toString(), hostEnd, mac, cidrs.stream().map(Cidr::toString).toList());
        } catch (RuntimeException | Error e) {
            deleteQuietly(host, hostEnd);
            throw e;
        }
    }

    /** Adds addresses, and the overlay route for those that do not cover the whole range by themselves. */
    private void configureAddresses(Rtnetlink inside, String inner, List<Cidr> cidrs) {
        for (Cidr cidr : cidrs) {
            inside.addAddress(inner, cidr.address(), cidr.prefixLength());
            if (overlayRange.contains(cidr.address()) && cidr.prefixLength() > overlayRange.prefixLength()) {
                try {
                    inside.addRoute(overlayRange.address(), overlayRange.prefixLength(), inner, null);
                } catch (NativeCallException e) {
                    if (e.errno() != Errno.EEXIST) throw e; // a second address in the same range needs no second route
                }
            }
        }
    }

    /** Removes {@code cidrs} from {@code target}, or its whole interface when none are given or none remain. */
    public Attachment detach(AttachTarget target, List<Cidr> cidrs) throws IOException {
        String key = target.key();
        synchronized (lockOf(key)) {
            return detach(key, cidrs);
        }
    }

    private Attachment detach(String key, List<Cidr> cidrs) throws IOException {
        Attachment known = store.get(key).orElseThrow(() -> new IllegalArgumentException(key + " is not attached to this router"));
        List<String> remaining = new ArrayList<>(known.cidrs());
        for (Cidr cidr : cidrs) {
            if (!remaining.remove(cidr.toString())) throw new IllegalArgumentException(cidr + " is not attached to " + key + " (it has " + known.cidrs() + ")");
        }
        if (cidrs.isEmpty() || remaining.isEmpty()) {
            deleteQuietly(known.hostInterface());
            store.remove(key);
            LOG.log(System.Logger.Level.INFO, "detached " + key + " (" + known.hostInterface() + " removed)");
            return known.withCidrs(List.of());
        }
        try (NetNamespace namespace = NetNamespace.open(Path.of(known.namespacePath()))) {
            namespace.call(() -> {
                try (Rtnetlink inside = Rtnetlink.open()) {
                    for (Cidr cidr : cidrs) removeAddress(inside, AttachTarget.interfaceOfKey(key), cidr);
                }
                return null;
            });
        }
        Attachment updated = known.withCidrs(remaining);
        store.put(updated);
        LOG.log(System.Logger.Level.INFO, "detached " + cidrs + " from " + key);
        return updated;
    }

    /**
     * Takes {@code cidrs} off the interface of {@code key} (the bridge for {@link Attachment#EXPOSE}), as detach and
     * hide do: an interface left without addresses is removed.
     */
    public Attachment withdraw(String key, List<Cidr> cidrs) throws IOException {
        if (key.equals(Attachment.EXPOSE)) return hide(cidrs);
        synchronized (lockOf(key)) {
            return detach(key, cidrs);
        }
    }

    /** Drops what is left of a target that is gone: its bridge port, if any, and its record. */
    public void forget(String key) {
        synchronized (lockOf(key)) {
            store.get(key).ifPresent(known -> {
                deleteQuietly(known.hostInterface());
                try {
                    store.remove(key);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "could not forget " + key + ": " + e.getMessage());
                }
            });
        }
    }

    /** Gives the host itself an address on the overlay, on the bridge. */
    public Attachment expose(List<Cidr> cidrs) throws IOException {
        if (cidrs.isEmpty()) throw new IllegalArgumentException("an address is required, for example weft expose 10.32.0.254/12");
        synchronized (lockOf(Attachment.EXPOSE)) {
            List<Cidr> wanted = checkNewAddresses(cidrs);
            store.reserve(Attachment.EXPOSE, wanted);
            try (Rtnetlink host = hostNetlink.get()) {
                return expose(host, wanted);
            } finally {
                store.unreserve(Attachment.EXPOSE, wanted);
            }
        }
    }

    private Attachment expose(Rtnetlink host, List<Cidr> wanted) throws IOException {
        Attachment known = store.get(Attachment.EXPOSE).orElse(new Attachment(Attachment.EXPOSE, "", bridge,
                host.link(bridge).orElseThrow(() -> new IllegalStateException("bridge " + bridge + " is missing")).mac().toString(), List.of()));
        List<Cidr> added = wanted.stream().filter(c -> !known.cidrs().contains(c.toString())).toList();
        List<Cidr> done = new ArrayList<>();
        try {
            for (Cidr cidr : added) {
                host.addAddress(bridge, cidr.address(), cidr.prefixLength());
                done.add(cidr);
            }
        } catch (RuntimeException e) {
            for (Cidr cidr : done) removeAddress(host, bridge, cidr);
            throw e;
        }
        Attachment updated = known.withCidrs(concat(known.cidrs(), added));
        store.put(updated);
        LOG.log(System.Logger.Level.INFO, "exposed the host on " + added);
        return updated;
    }

    /** Removes the host's overlay addresses: those given, or all. */
    public Attachment hide(List<Cidr> cidrs) throws IOException {
        synchronized (lockOf(Attachment.EXPOSE)) {
            try (Rtnetlink host = hostNetlink.get()) {
                return hide(host, cidrs);
            }
        }
    }

    private Attachment hide(Rtnetlink host, List<Cidr> cidrs) throws IOException {
        Attachment known = store.get(Attachment.EXPOSE).orElseThrow(() -> new IllegalArgumentException("the host is not exposed"));
        List<String> remaining = new ArrayList<>(known.cidrs());
        List<Cidr> removing = cidrs.isEmpty() ? known.cidrs().stream().map(Cidr::parse).toList() : cidrs;
        for (Cidr cidr : removing) {
            if (!remaining.remove(cidr.toString())) throw new IllegalArgumentException(cidr + " is not exposed (exposed: " + known.cidrs() + ")");
        }
        for (Cidr cidr : removing) removeAddress(host, bridge, cidr);
        if (remaining.isEmpty()) store.remove(Attachment.EXPOSE);
        else store.put(known.withCidrs(remaining));
        LOG.log(System.Logger.Level.INFO, "hid the host from " + removing);
        return known.withCidrs(remaining);
    }

    /** Validates addresses for an interface: host addresses, none twice. Whether another target holds them, the store's reservation says. */
    private static List<Cidr> checkNewAddresses(List<Cidr> cidrs) {
        Set<String> seen = new LinkedHashSet<>();
        for (Cidr cidr : cidrs) {
            if (!cidr.isHostAddress()) throw new IllegalArgumentException(cidr + " is a network or broadcast address, not an address for an interface");
            if (!seen.add(cidr.address().getHostAddress())) throw new IllegalArgumentException(cidr.address().getHostAddress() + " is given twice");
        }
        return List.copyOf(cidrs);
    }

    /** A target's namespace, open, and the file it was opened from (kept to find it again after a restart). */
    private record Opened(Path path, NetNamespace namespace) {
    }

    private Opened open(AttachTarget target) throws IOException {
        return switch (target) {
            case AttachTarget.Netns(String name) -> new Opened(target.namespaceFile().orElseThrow(), NetNamespace.named(name));
            case AttachTarget.Pid(long pid) -> new Opened(target.namespaceFile().orElseThrow(), NetNamespace.ofPid(pid));
            case AttachTarget.Docker(String container) -> {
                long pid = docker.pidOf(container);
                yield new Opened(AttachTarget.ofProcess(pid), NetNamespace.ofPid(pid));
            }
            case AttachTarget.Cni cni -> {
                Path path = cni.netns().orElseThrow(() -> new IllegalArgumentException(cni.key() + ": the pod's namespace path is required"));
                yield new Opened(path, NetNamespace.open(path));
            }
        };
    }

    private static void removeAddress(Rtnetlink link, String device, Cidr cidr) {
        try {
            link.deleteAddress(device, cidr.address(), cidr.prefixLength());
        } catch (NativeCallException e) {
            // Already gone (the container restarted, or someone removed it by hand): the goal is reached.
            if (e.errno() != Errno.EADDRNOTAVAIL && e.errno() != Errno.ENODEV) throw e;
        }
    }

    /** Removes a bridge port through a socket of its own, for callers that hold none. */
    private void deleteQuietly(String link) {
        try (Rtnetlink host = hostNetlink.get()) {
            deleteQuietly(host, link);
        }
    }

    private static void deleteQuietly(Rtnetlink host, String link) {
        try {
            host.deleteLink(link);
        } catch (NativeCallException e) {
            // The veth vanishes with its namespace when a container exits; nothing is left to remove then.
            if (e.errno() != Errno.ENODEV) LOG.log(System.Logger.Level.WARNING, "could not remove " + link + ": " + e.getMessage());
        }
    }

    private static List<String> concat(List<String> known, List<Cidr> added) {
        List<String> all = new ArrayList<>(known);
        added.forEach(c -> all.add(c.toString()));
        return all;
    }
}

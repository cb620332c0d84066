package weft.router;

import weft.api.Attachment;
import weft.gossip.Cidr;
import weft.kernel.AssignedAddress;
import weft.kernel.Errno;
import weft.kernel.Link;
import weft.kernel.NativeCallException;
import weft.kernel.Rtnetlink;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Watches the links the router made and puts them back when someone changes them under it: the bridge (made again
 * with its MTU and the host's exposed addresses when deleted, brought up when down), the sleeve's TAP port and the
 * containers' bridge ports (put back on the bridge and up). The fast path repairs its own port ({@code VxlanPort}).
 * What cannot be put back fails the router ({@link StopSignal}): a deleted TAP device is gone with the file
 * descriptors the sleeve reads, so only a new start brings the sleeve back.
 *
 * <p>It looks through rtnetlink once per {@link #check} — a link dump, a few microseconds — rather than follow the
 * kernel's link notifications: what matters is that a change is put right within a second, and a periodic look
 * also repairs what changed while it was busy. Not thread-safe: one scheduler thread calls {@link #check}.
 */
final class LinkWarden {
    private static final System.Logger LOG = System.getLogger(LinkWarden.class.getName());
    private final Supplier<Rtnetlink> hostNetlink;
    private final String bridge;
    private final String tap;
    private final int mtu;
    private final Supplier<List<Attachment>> attachments;
    private final StopSignal stop;
    private boolean failing; // scheduler thread only: a streak of kernel refusals is logged once

    LinkWarden(Supplier<Rtnetlink> hostNetlink, String bridge, String tap, int mtu, Supplier<List<Attachment>> attachments, StopSignal stop) {
        this.hostNetlink = hostNetlink;
        this.bridge = bridge;
        this.tap = tap;
        this.mtu = mtu;
        this.attachments = attachments;
        this.stop = stop;
    }

    /** One look: returns what it repaired (each also logged), empty when all was as the router made it. */
    List<String> check() {
        List<String> repaired = new ArrayList<>();
        try (Rtnetlink host = hostNetlink.get()) {
            Map<String, Link> links = host.links().stream().collect(Collectors.toMap(Link::name, Function.identity(), (a, b) -> a));
            Link bridgeLink = links.get(bridge);
            if (bridgeLink == null) {
                BridgeLink.ensure(host, bridge, mtu);
                bridgeLink = host.link(bridge).orElseThrow();
                repaired.add("bridge " + bridge + " was gone: made again");
            } else if (!bridgeLink.up()) {
                host.setUp(bridge);
                repaired.add("bridge " + bridge + " was down: up again");
            }
            exposedAddresses(host, repaired);
            Link tapLink = links.get(tap);
            if (tapLink == null) {
                stop.fail("the sleeve's TAP port " + tap + " was deleted, and the sleeve's queues went with it");
                return repaired;
            }
            port(host, tapLink, bridgeLink.index(), true, repaired);
            for (Attachment attachment : attachments.get()) {
                if (attachment.target().equals(Attachment.EXPOSE)) continue;
                Link hostEnd = links.get(attachment.hostInterface());
                if (hostEnd != null) port(host, hostEnd, bridgeLink.index(), false, repaired); // gone with its container otherwise
            }
            if (failing) LOG.log(System.Logger.Level.INFO, "the links can be checked again");
            failing = false;
        } catch (NativeCallException e) {
            if (!failing) LOG.log(System.Logger.Level.WARNING, "checking the router's links failed: " + e.getMessage() + "; retrying every second");
            failing = true;
        }
        for (String repair : repaired) LOG.log(System.Logger.Level.WARNING, repair);
        return repaired;
    }

    /** Puts a port back on the bridge and up; the TAP port isolated too, as the fast path needs it. */
    private void port(Rtnetlink host, Link link, int bridgeIndex, boolean isolate, List<String> repaired) {
        try {
            if (link.masterIndex() != bridgeIndex) {
                host.setMaster(link.name(), bridge);
                repaired.add(link.name() + " put back on " + bridge);
                if (isolate) host.setBridgePortIsolated(link.name(), true);
            }
            if (!link.up()) {
                host.setUp(link.name());
                repaired.add(link.name() + " was down: up again");
            }
        } catch (NativeCallException e) {
            if (e.errno() != Errno.ENODEV) throw e; // a container's end goes with its namespace: nothing to repair
        }
    }

    /** The addresses {@code weft expose} gave the host, on the bridge again if they went (with the bridge, say). */
    private void exposedAddresses(Rtnetlink host, List<String> repaired) {
        Optional<Attachment> exposed = attachments.get().stream().filter(a -> a.target().equals(Attachment.EXPOSE)).findFirst();
        if (exposed.isEmpty()) return;
        List<AssignedAddress> present = host.addresses(bridge);
        for (String text : exposed.get().cidrs()) {
            Cidr cidr = Cidr.parse(text);
            boolean there = present.stream().anyMatch(a -> a.address().equals(cidr.address()) && a.prefixLength() == cidr.prefixLength());
            if (!there) {
                host.addAddress(bridge, cidr.address(), cidr.prefixLength());
                repaired.add("exposed address " + cidr + " put back on " + bridge);
            }
        }
    }
}

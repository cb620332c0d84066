package weft.router;

import weft.gossip.Mesh;
import weft.gossip.MeshStatus;
import weft.gossip.PeerName;
import weft.gossip.topology.PeerRecord;
import weft.ipam.AddressRange;
import weft.ipam.IpamStatus;
import weft.kernel.UdpSocket;
import weft.router.PrometheusText.Type;
import weft.router.fastpath.FastPath;
import weft.router.sleeve.MacTable;
import weft.router.sleeve.PeerTraffic;
import weft.router.sleeve.SleeveCounters;
import weft.router.sleeve.SleeveForwarder;
import weft.router.sleeve.SleevePeer;
import weft.router.sleeve.SleevePeers;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The router's counters and gauges: the sleeve's (in all, per neighbour, and its path MTUs), its socket's (how many
 * datagrams left in GSO super-datagrams or plain, came in coalesced), the fast path's, the new MACs the full MAC table
 * refused, the connections by state and by data path, the inbound connections refused before their handshake and the
 * handshakes that failed, what the mesh refused to stay within its bounds, the mesh's TCP bytes, the allocator's
 * addresses, and the JVM's memory and collectors; for {@code weft status} and as Prometheus text.
 *
 * <p>Thread-safe: reads counters other threads write, and asks the mesh loop for the connections and the allocator.
 */
final class RouterMetrics {
    private final SleeveCounters counters;
    private final UdpSocket udp;
    private final MacTable macs;
    private final Mesh mesh;
    private final SleevePeers sleevePeers;
    private final SleeveForwarder forwarder;
    private final FastPath fastPath;
    private final AllocatorProxy allocator;
    private final Supplier<Map<String, Long>> channelsRefused;

    /** @param channelsRefused the gossip channels' refusals (see {@link Readings}); may wait for the mesh loop, never on it */
    RouterMetrics(SleeveCounters counters, UdpSocket udp, MacTable macs, Mesh mesh, SleevePeers sleevePeers, SleeveForwarder forwarder,
                  FastPath fastPath, AllocatorProxy allocator, Supplier<Map<String, Long>> channelsRefused) {
        this.counters = counters;
        this.udp = udp;
        this.macs = macs;
        this.mesh = mesh;
        this.sleevePeers = sleevePeers;
        this.forwarder = forwarder;
        this.fastPath = fastPath;
        this.allocator = allocator;
        this.channelsRefused = channelsRefused;
    }

    /** The sleeve's counters, its socket's and its MAC table's refusals, by name. */
    Map<String, Long> sleeve() {
        Map<String, Long> all = new TreeMap<>();
        counters.snapshot().forEach((counter, value) -> all.put(counter.label(), value));
        all.put("udp-gso-sends", udp.segmentedSends());
        all.put("udp-gso-datagrams", udp.segmentedDatagrams());
        all.put("udp-plain-sends", udp.plainSends());
        all.put("udp-plain-datagrams", udp.plainDatagrams());
        all.put("udp-gro-receives", udp.coalescedReceives());
        all.put("udp-gro-datagrams", udp.coalescedDatagrams());
        all.put("udp-truncated-receives", udp.truncatedReceives());
        all.put("macs-refused-table-full", macs.refused());
        return all;
    }

    /** One connection to another router as the metrics show it; {@code peer} and {@code nickname} empty while handshaking. */
    record ConnectionReading(String peer, String nickname, boolean established, boolean fast, boolean encrypted) {}

    /**
     * What the sleeve exchanged with one neighbour, and the path MTU it believes towards it (0 when it has none).
     */
    record NeighbourReading(String peer, String nickname, long sentDatagrams, long sentBytes, long receivedDatagrams,
                            long receivedBytes, int pathMtu) {}

    /** Everything the exposition shows but the JVM's own numbers, read from the parts at one moment. */
    /**
     * @param channelsRefused what the gossip channels of Weft DNS and of the topology page refused, by channel and reason
     *                        ({@code malformed}, {@code over-limit}); keys {@code channel/reason}
     */
    record Readings(Map<String, Long> sleeve, Map<String, Long> fastPath, List<ConnectionReading> connections,
                    Map<String, Long> inbound, MeshStatus.Refusals refused, int learnedMacs, List<NeighbourReading> neighbours,
                    Mesh.Traffic gossip, IpamStatus ipam, Map<String, Long> channelsRefused) {}

    Readings read() {
        MeshStatus status = mesh.status().join();
        return new Readings(sleeve(), fastPath.counters(), connections(status), status.inbound(), status.refused(), macs.size(),
                neighbours(status), mesh.traffic(), allocator.status(), channelsRefused.get());
    }

    /** The connections and the sleeve's neighbours alone, as {@link #read} reads them. */
    record LinkReadings(List<ConnectionReading> connections, List<NeighbourReading> neighbours) {}

    /** What the links channel is told every few seconds: {@link #read} without the parts that ask the allocator. */
    LinkReadings readLinks() {
        MeshStatus status = mesh.status().join();
        return new LinkReadings(connections(status), neighbours(status));
    }

    private List<ConnectionReading> connections(MeshStatus status) {
        List<ConnectionReading> connections = new ArrayList<>();
        for (MeshStatus.Connection c : status.connections()) {
            boolean established = c.state() == MeshStatus.State.ESTABLISHED && c.peer().isPresent();
            connections.add(new ConnectionReading(c.peer().map(PeerName::toString).orElse(""), c.nickname().orElse(""), established,
                    established && fastPath.isFast(c.peer().get().value()), c.dataEncrypted()));
        }
        return connections;
    }

    private List<NeighbourReading> neighbours(MeshStatus status) {
        Map<PeerName, String> nicknames = new HashMap<>();
        for (PeerRecord peer : status.peers()) nicknames.put(peer.name(), peer.nickname());
        Map<Long, Integer> pathMtus = forwarder.pathMtus();
        List<NeighbourReading> neighbours = new ArrayList<>();
        for (SleevePeer peer : sleevePeers.snapshot()) {
            PeerName name = new PeerName(peer.name());
            PeerTraffic traffic = peer.traffic();
            neighbours.add(new NeighbourReading(name.toString(), nicknames.getOrDefault(name, ""), traffic.sentDatagrams(), traffic.sentBytes(),
                    traffic.receivedDatagrams(), traffic.receivedBytes(), pathMtus.getOrDefault(peer.name(), 0)));
        }
        return neighbours;
    }

    /** Prometheus text exposition of the router, then of its JVM. */
    void write(PrometheusText text) {
        write(read(), text);
        writeJvm(text);
    }

    /** The router's families from {@code r}. Every family appears, with its labelled samples where there are any. */
    static void write(Readings r, PrometheusText text) {
        writeConnections(r, text);
        text.family("weft_sleeve_events_total", Type.COUNTER, "Frames, datagrams and other events of the userspace data path"
                + " (the sleeve) and its UDP socket, by kind; drops are in weft_sleeve_dropped_total.");
        r.sleeve().forEach((kind, value) -> {
            if (!kind.startsWith(DROPPED) && !kind.equals(BYTES_SENT) && !kind.equals(BYTES_RECEIVED)) text.sample(value, "kind", kind);
        });
        text.family("weft_sleeve_dropped_total", Type.COUNTER, "Datagrams and frames the sleeve dropped, by reason.");
        r.sleeve().forEach((kind, value) -> {
            if (kind.startsWith(DROPPED)) text.sample(value, "reason", kind.substring(DROPPED.length()));
        });
        text.family("weft_sleeve_sent_bytes_total", Type.COUNTER, "UDP payload bytes the sleeve sent, to every neighbour.")
                .sample(r.sleeve().getOrDefault(BYTES_SENT, 0L));
        text.family("weft_sleeve_received_bytes_total", Type.COUNTER, "UDP payload bytes the sleeve received, dropped ones included.")
                .sample(r.sleeve().getOrDefault(BYTES_RECEIVED, 0L));
        writeNeighbours(r.neighbours(), text);
        text.family("weft_fastpath_events_total", Type.COUNTER, "Heartbeats, forwarding and ESP changes and drops of the kernel"
                + " VXLAN fast path, by kind. The frames and bytes the kernel carries are not counted by the router.");
        r.fastPath().forEach((kind, value) -> text.sample(value, "kind", kind));
        text.family("weft_inbound_handshakes_total", Type.COUNTER, "Inbound connections refused before their handshake (banned"
                + " source, no slot), handshakes that failed to authenticate, and bans begun, by kind.");
        r.inbound().forEach((kind, value) -> text.sample(value, "kind", kind));
        MeshStatus.Refusals refused = r.refused();
        text.family("weft_mesh_refused_total", Type.COUNTER, "What the mesh refused to stay within its bounds, by kind.")
                .sample(refused.loopTasks(), "kind", "loop-tasks")
                .sample(refused.topologyRecords(), "kind", "topology-records")
                .sample(refused.discoveryAddresses(), "kind", "discovery-addresses")
                .sample(refused.discoveryOverLimit(), "kind", "discovery-over-limit")
                .sample(refused.channelUnicasts(), "kind", "channel-unicasts");
        text.family("weft_gossip_channel_refused_total", Type.COUNTER, "Messages a gossip channel refused: malformed ones, and"
                + " reports past its bounds (over-limit), by channel (dns: Weft DNS's names; links: the topology page's link reports).");
        new TreeMap<>(r.channelsRefused()).forEach((key, value) -> {
            int slash = key.indexOf('/');
            text.sample(value, "channel", key.substring(0, slash), "reason", key.substring(slash + 1));
        });
        text.family("weft_topology_full", Type.GAUGE, "Whether the topology holds as many peers as it may (1) and refuses more.")
                .sample(refused.topologyFull() ? 1 : 0);
        text.family("weft_learned_macs", Type.GAUGE, "MAC addresses known to live behind peers.").sample(r.learnedMacs());
        text.family("weft_gossip_sent_bytes_total", Type.COUNTER, "Bytes sent on the mesh's TCP connections: gossip, topology,"
                + " heartbeats and handshakes, with their framing and sealing.").sample(r.gossip().sentBytes());
        text.family("weft_gossip_received_bytes_total", Type.COUNTER, "Bytes received on the mesh's TCP connections: gossip,"
                + " topology, heartbeats and handshakes, with their framing and sealing.").sample(r.gossip().receivedBytes());
        writeIpam(r.ipam(), text);
    }

    private static final String DROPPED = "dropped-", BYTES_SENT = "bytes-sent", BYTES_RECEIVED = "bytes-received";

    private static void writeConnections(Readings r, PrometheusText text) {
        long established = r.connections().stream().filter(ConnectionReading::established).count();
        text.family("weft_connections", Type.GAUGE, "Connections to other routers, by state.")
                .sample(established, "state", "established")
                .sample(r.connections().size() - established, "state", "handshaking");
        text.family("weft_established_connections", Type.GAUGE, "Established connections by the path their data takes (fast:"
                + " kernel VXLAN, in ESP when encrypted; sleeve: userspace UDP) and whether it is encrypted.");
        for (String path : List.of("fast", "sleeve")) {
            for (boolean encrypted : new boolean[]{true, false}) {
                long count = r.connections().stream().filter(c -> c.established() && c.fast() == path.equals("fast") && c.encrypted() == encrypted).count();
                text.sample(count, "path", path, "encrypted", Boolean.toString(encrypted));
            }
        }
        text.family("weft_connection_info", Type.GAUGE, "One per established connection: the peer, the path its data takes and"
                + " whether it is encrypted.");
        for (ConnectionReading c : r.connections()) {
            if (c.established()) {
                text.sample(1, "peer", c.peer(), "nickname", c.nickname(), "path", c.fast() ? "fast" : "sleeve", "encrypted", Boolean.toString(c.encrypted()));
            }
        }
    }

    private static void writeNeighbours(List<NeighbourReading> neighbours, PrometheusText text) {
        String perNeighbour = " by the sleeve with each neighbour (the next hop, relayed frames included), from its connection on."
                + " The fast path's traffic is the kernel's and not counted.";
        text.family("weft_sleeve_peer_sent_datagrams_total", Type.COUNTER, "UDP datagrams sent" + perNeighbour);
        neighbours.forEach(n -> text.sample(n.sentDatagrams(), "peer", n.peer(), "nickname", n.nickname()));
        text.family("weft_sleeve_peer_sent_bytes_total", Type.COUNTER, "UDP payload bytes sent" + perNeighbour);
        neighbours.forEach(n -> text.sample(n.sentBytes(), "peer", n.peer(), "nickname", n.nickname()));
        text.family("weft_sleeve_peer_received_datagrams_total", Type.COUNTER, "Authenticated UDP datagrams received" + perNeighbour);
        neighbours.forEach(n -> text.sample(n.receivedDatagrams(), "peer", n.peer(), "nickname", n.nickname()));
        text.family("weft_sleeve_peer_received_bytes_total", Type.COUNTER, "UDP payload bytes of authenticated datagrams received" + perNeighbour);
        neighbours.forEach(n -> text.sample(n.receivedBytes(), "peer", n.peer(), "nickname", n.nickname()));
        text.family("weft_sleeve_path_mtu_bytes", Type.GAUGE, "The underlay's IP path MTU towards each neighbour, as the sleeve's"
                + " probes found it.");
        neighbours.stream().filter(n -> n.pathMtu() > 0).forEach(n -> text.sample(n.pathMtu(), "peer", n.peer(), "nickname", n.nickname()));
    }

    private static void writeIpam(IpamStatus ipam, PrometheusText text) {
        long owned = ipam.ownedRanges().stream().mapToLong(AddressRange::size).sum();
        text.family("weft_ipam_owned_addresses", Type.GAUGE, "Addresses in this peer's ranges of the allocation ring.").sample(owned);
        text.family("weft_ipam_free_addresses", Type.GAUGE, "Addresses in this peer's ranges that are not allocated.").sample(ipam.freeAddresses());
        text.family("weft_ipam_allocated_addresses", Type.GAUGE, "Addresses this peer has allocated to containers and other owners.")
                .sample(ipam.allocations());
        text.family("weft_ipam_pending_requests", Type.GAUGE, "Allocation requests waiting (for consensus, a ring, or space from"
                + " another peer).").sample(ipam.pending().size());
        text.family("weft_ipam_phase", Type.GAUGE, "The allocator's phase: 1 for the current one.");
        for (IpamStatus.Phase phase : IpamStatus.Phase.values()) {
            text.sample(phase == ipam.phase() ? 1 : 0, "phase", phase.name().toLowerCase());
        }
    }

    /** The JVM's memory areas, buffer pools and collectors, from its management beans. */
    static void writeJvm(PrometheusText text) {
        var memory = ManagementFactory.getMemoryMXBean();
        Map<String, MemoryUsage> areas = Map.of("heap", memory.getHeapMemoryUsage(), "nonheap", memory.getNonHeapMemoryUsage());
        List<String> order = List.of("heap", "nonheap");
        text.family("jvm_memory_used_bytes", Type.GAUGE, "Memory the JVM uses, by area.");
        order.forEach(area -> text.sample(areas.get(area).getUsed(), "area", area));
        text.family("jvm_memory_committed_bytes", Type.GAUGE, "Memory the operating system has committed to the JVM, by area.");
        order.forEach(area -> text.sample(areas.get(area).getCommitted(), "area", area));
        text.family("jvm_memory_max_bytes", Type.GAUGE, "The most memory the JVM may use, by area, where it has a limit.");
        order.stream().filter(area -> areas.get(area).getMax() >= 0).forEach(area -> text.sample(areas.get(area).getMax(), "area", area));
        List<BufferPoolMXBean> pools = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class);
        String pool = " by pool (direct: ByteBuffer.allocateDirect; Netty's pooled buffers and native memory segments may"
                + " live outside it).";
        text.family("jvm_buffer_pool_used_bytes", Type.GAUGE, "Memory the JVM's buffers use," + pool);
        pools.forEach(p -> text.sample(p.getMemoryUsed(), "pool", p.getName()));
        text.family("jvm_buffer_pool_capacity_bytes", Type.GAUGE, "The capacity of the JVM's buffers," + pool);
        pools.forEach(p -> text.sample(p.getTotalCapacity(), "pool", p.getName()));
        text.family("jvm_buffer_pool_buffers", Type.GAUGE, "The JVM's buffers," + pool);
        pools.forEach(p -> text.sample(p.getCount(), "pool", p.getName()));
        List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
        text.family("jvm_gc_collections_total", Type.COUNTER, "Collections by each garbage collector.");
        collectors.forEach(gc -> text.sample(Math.max(0, gc.getCollectionCount()), "gc", gc.getName()));
        text.family("jvm_gc_collection_seconds_total", Type.COUNTER, "Time each garbage collector spent collecting.");
        collectors.forEach(gc -> text.sample(Math.max(0, gc.getCollectionTime()) / 1000.0, "gc", gc.getName()));
    }
}

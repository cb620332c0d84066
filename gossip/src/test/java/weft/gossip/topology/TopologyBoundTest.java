package weft.gossip.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import weft.gossip.PeerIdentity;
import weft.gossip.PeerName;

/** A topology that may hold three peers: records of new peers beyond that are refused and counted. */
class TopologyBoundTest {
    private static final PeerName SELF = new PeerName(0x50);
    private static final PeerName B = new PeerName(0x10);
    private static final PeerName C = new PeerName(0x20);
    private static final PeerName D = new PeerName(0x30);
    private static final PeerName E = new PeerName(0x40);

    final Topology topology = new Topology(new PeerIdentity(SELF, 99, "self"), new SplittableRandom(1), 3);

    private static PeerRecord record(PeerName name, long version, PeerName... linkedTo) {
        List<PeerLink> links = new ArrayList<>();
        for (PeerName peer : linkedTo) {
            links.add(new PeerLink(peer, "10.0.0.1:6783", true, true));
        }
        return new PeerRecord(name, "n", 1, version, (int) name.value(), links);
    }

    @Test
    void shouldRefuseRecordsOfNewPeersBeyondTheBoundAndCountThem() {
        assertEquals(List.of(record(B, 1), record(C, 1)),
                topology.merge(List.of(record(B, 1), record(C, 1), record(D, 1))));
        assertTrue(topology.isFull());
        assertEquals(3, topology.size());
        assertEquals(1, topology.refusedRecords());
        assertFalse(topology.get(D).isPresent());

        assertEquals(List.of(record(B, 2)), topology.merge(List.of(record(B, 2))), "peers it holds still change");
        assertEquals(List.of(), topology.merge(List.of(record(E, 1))));
        assertEquals(2, topology.refusedRecords());

        topology.forget(List.of(C));
        assertEquals(List.of(record(D, 1)), topology.merge(List.of(record(D, 1))), "room again once a peer is forgotten");
    }

    @Test
    void shouldMakeNoPlaceholdersBeyondTheBound() {
        topology.merge(List.of(record(B, 1, C, D, E)));
        assertEquals(3, topology.size());
        assertTrue(topology.get(C).orElseThrow().isPlaceholder(), "names fill the room in order");
        assertFalse(topology.get(D).isPresent());
        assertEquals(0, topology.refusedRecords(), "placeholders carry nothing to refuse");
    }

    @Test
    void shouldAlwaysHoldOurOwnNeighbours() {
        topology.merge(List.of(record(B, 1), record(C, 1)));
        assertTrue(topology.isFull());
        topology.updateSelf(List.of(new PeerLink(D, "10.0.0.4:6783", true, true)));
        assertEquals(4, topology.size(), "our own neighbour goes beyond the bound");
        assertEquals(List.of(record(D, 1)), topology.merge(List.of(record(D, 1))));
        assertEquals(0, topology.refusedRecords());
    }

    @Test
    void shouldNotAskForRecordsItWouldRefuse() {
        topology.merge(List.of(record(B, 1), record(C, 1)));
        List<TopologyMessage> sent = new ArrayList<>();
        var gossip = new TopologyGossip(topology, List::of, (to, message) -> sent.add(message), new SplittableRandom(2),
                Duration.ofSeconds(10), Duration.ofMinutes(1), Instant.parse("2025-01-01T00:00:00Z"));
        gossip.onMessage(B, new TopologyMessage.Digest(List.of(new DigestEntry(B, 2, 1), new DigestEntry(C, 1, 1),
                new DigestEntry(D, 1, 1))));
        assertEquals(List.of(new TopologyMessage.Request(List.of(B))), sent.stream()
                .filter(m -> m instanceof TopologyMessage.Request).toList());
    }
}

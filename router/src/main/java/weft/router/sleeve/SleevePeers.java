package weft.router.sleeve;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The peers the sleeve may send to, published as an immutable array so that the forwarding threads read it
 * without locks or allocation. Thread-safe: the mesh loop changes it, the forwarding threads read it.
 */
public final class SleevePeers {
    private static final SleevePeer[] NONE = new SleevePeer[0];
    private volatile SleevePeer[] peers = NONE;

    /** Adds or replaces the peer with {@code peer.name()}. */
    public synchronized void put(SleevePeer peer) {
        List<SleevePeer> next = new ArrayList<>(Arrays.asList(peers));
        next.removeIf(existing -> existing.name() == peer.name());
        next.add(peer);
        peers = next.toArray(NONE);
    }

    public synchronized void remove(long name) {
        peers = Arrays.stream(peers).filter(peer -> peer.name() != name).toArray(SleevePeer[]::new);
    }

    /** The current peers; the caller must not modify the array. */
    public SleevePeer[] snapshot() {
        return peers;
    }

    /** The peer named {@code name}, or null; a linear scan, cheap for the few dozen neighbours a host has. */
    public SleevePeer find(long name) {
        for (SleevePeer peer : peers) {
            if (peer.name() == name) return peer;
        }
        return null;
    }

    public List<SleevePeer> list() {
        return List.of(peers);
    }
}

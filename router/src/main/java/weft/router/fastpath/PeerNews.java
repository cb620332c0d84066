package weft.router.fastpath;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the mesh said about peers since the fast path's agent last looked, kept so that it stays bounded by the
 * number of peers however fast they come and go: per peer, whether it disconnected and the connection it has now.
 * A connection that came and went meanwhile is not kept, since the agent would only undo it; a disconnection
 * followed by a connection is kept as both, since the table treats a quick rejoin on the same path as one pair.
 *
 * <p>Thread-safe: the mesh loop adds, the agent takes.
 */
final class PeerNews {
    /** One change the agent applies, in order. */
    sealed interface Event {
        record Connected(FastPathTable.Peer peer) implements Event {
        }

        record Disconnected(long name) implements Event {
        }
    }

    private record Pending(boolean disconnected, FastPathTable.Peer connected) {
    }

    private final Map<Long, Pending> pending = new LinkedHashMap<>(); // guarded by this; peers in the order of their news

    synchronized void connected(FastPathTable.Peer peer) {
        Pending before = pending.remove(peer.name()); // put back last
        pending.put(peer.name(), new Pending(before != null && before.disconnected(), peer));
    }

    synchronized void disconnected(long name) {
        pending.remove(name);
        pending.put(name, new Pending(true, null));
    }

    /** The events waiting, in order, and none left behind. */
    synchronized List<Event> take() {
        if (pending.isEmpty()) return List.of();
        List<Event> taken = new ArrayList<>();
        pending.forEach((name, news) -> {
            if (news.disconnected()) taken.add(new Event.Disconnected(name));
            if (news.connected() != null) taken.add(new Event.Connected(news.connected()));
        });
        pending.clear();
        return taken;
    }
}

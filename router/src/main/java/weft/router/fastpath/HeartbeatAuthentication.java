package weft.router.fastpath;

import weft.crypto.HeartbeatAuthenticator;
import weft.crypto.ReplayWindow;
import weft.gossip.HeartbeatKeys;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * Signs and checks the heartbeats of pairs that agreed heartbeat keys (both routers have the password): each
 * heartbeat we send such a peer carries a tag, and one from such a peer counts only with a right tag and a sequence
 * number not seen before, so that nobody can hold a broken pair on the fast path with forged or replayed
 * heartbeats. Peers of a mesh without a password have no keys; their heartbeats are taken as they come.
 *
 * <p>Not thread-safe: owned by the fast path's agent thread.
 */
final class HeartbeatAuthentication {
    /** What a received heartbeat is worth. */
    enum Verdict { ACCEPTED, UNAUTHENTICATED, REPLAYED }

    /** Heartbeats reordered on the way, small and full-size, stay within a few of each other: 64 is plenty. */
    private static final int REPLAY_WINDOW = 64;

    private record Pair(HeartbeatAuthenticator send, HeartbeatAuthenticator receive, ReplayWindow seen) {
    }

    private final Map<Long, Pair> pairs = new HashMap<>();

    /** A peer connected: its keys, new with every connection, replace what it had. */
    void connected(FastPathTable.Peer peer) {
        pairs.remove(peer.name());
        peer.heartbeat().ifPresent(keys -> pairs.put(peer.name(), pair(keys)));
    }

    private static Pair pair(HeartbeatKeys keys) {
        return new Pair(new HeartbeatAuthenticator(keys.send()), new HeartbeatAuthenticator(keys.receive()), new ReplayWindow(REPLAY_WINDOW));
    }

    void disconnected(long name) {
        pairs.remove(name);
    }

    /** Tags the heartbeat just written into {@code frame} for {@code peer}, if the pair has keys. */
    void sign(MemorySegment frame, long peer) {
        Pair pair = pairs.get(peer);
        if (pair != null) FastHeartbeat.sign(frame, pair.send());
    }

    /** Judges the heartbeat {@code heartbeat} wraps, which passed its checks as a frame. */
    Verdict check(FastHeartbeat heartbeat) {
        Pair pair = pairs.get(heartbeat.sender());
        if (pair == null) return Verdict.ACCEPTED;
        if (!heartbeat.authentic(pair.receive())) return Verdict.UNAUTHENTICATED;
        return pair.seen().accept(heartbeat.sequence()) == ReplayWindow.Verdict.NEW ? Verdict.ACCEPTED : Verdict.REPLAYED;
    }
}

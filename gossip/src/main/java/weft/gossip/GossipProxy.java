package weft.gossip;

import weft.gossip.channel.Gossip;
import weft.gossip.channel.GossipData;

/**
 * A channel's send side that any thread may call: each call is put on the mesh loop, where the
 * {@link Gossip} it wraps lives. Calls from one thread keep their order. A call from another thread while the
 * loop's queue is full throws {@link java.util.concurrent.RejectedExecutionException} (and the loop counts it):
 * the caller learns that nothing was sent.
 *
 * <p>Thread-safe.
 */
final class GossipProxy implements Gossip {
    private final MeshLoop loop;
    private final Gossip onLoop;

    GossipProxy(MeshLoop loop, Gossip onLoop) {
        this.loop = loop;
        this.onLoop = onLoop;
    }

    @Override
    public void unicast(PeerName to, byte[] payload) {
        run(() -> onLoop.unicast(to, payload));
    }

    @Override
    public void broadcast(GossipData data) {
        run(() -> onLoop.broadcast(data));
    }

    @Override
    public void gossip(GossipData data) {
        run(() -> onLoop.gossip(data));
    }

    private void run(Runnable task) {
        if (loop.inLoop()) {
            task.run(); // already the owner: keeps the order with what the caller does next
        } else {
            loop.execute(task);
        }
    }
}

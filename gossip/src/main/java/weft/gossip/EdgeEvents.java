package weft.gossip;

import io.netty.channel.Channel;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import weft.crypto.SessionKeys;
import weft.gossip.wire.CloseReason;
import weft.gossip.wire.Hello;
import weft.gossip.wire.MeshMessage;

/**
 * Hops the {@link MeshEdge}'s events onto the mesh loop. Runs on the Netty event loop and touches no mesh state
 * there: everything it is given runs on the loop.
 *
 * <p>A connection's life (accepted, established, closed) goes through the loop's lifecycle path, which is never
 * refused: at most three events per connection, so it stays bounded, and the loop's view of every connection
 * follows its channel even while the loop is overloaded. Messages and writability go through the bounded queue;
 * one that is refused closes its connection, since a stream with a hole in it would leave both ends out of step,
 * while the close is sure to arrive and the peer catches up when it reconnects.
 */
final class EdgeEvents implements MeshEdge.Events {
    /** Why a connection is closed when the mesh loop refused one of its events. */
    static final String LOOP_OVERLOADED = "mesh loop overloaded";

    private final MeshLoop loop;
    private final MeshConnections connections;
    private final ChannelDrain drain;
    private final BiConsumer<MeshConnection, MeshMessage> onMessage;
    private final BiConsumer<MeshConnection, String> onClosed;

    /**
     * @param onMessage what the mesh does with a connection's message, on the loop
     * @param onClosed  what the mesh does when a connection closed, on the loop
     */
    EdgeEvents(MeshLoop loop, MeshConnections connections, ChannelDrain drain, BiConsumer<MeshConnection, MeshMessage> onMessage,
               BiConsumer<MeshConnection, String> onClosed) {
        this.loop = loop;
        this.connections = connections;
        this.drain = drain;
        this.onMessage = onMessage;
        this.onClosed = onClosed;
    }

    @Override
    public void onAccepted(MeshConnection connection) {
        loop.executeLifecycle(() -> connections.onAccepted(connection));
    }

    @Override
    public void onEstablished(Channel channel, Hello theirs, Optional<SessionKeys> keys) {
        loop.executeLifecycle(() -> connections.of(channel).ifPresent(c -> connections.onEstablished(c, theirs, keys)));
    }

    @Override
    public void onMessage(Channel channel, MeshMessage message) {
        withConnection(channel, c -> onMessage.accept(c, message));
    }

    @Override
    public void onWritable(Channel channel) {
        withConnection(channel, c -> {
            if (c.theirs != null) {
                drain.onWritable(c.theirs.name());
            }
        });
    }

    @Override
    public void onClosed(MeshConnection connection, String reason) {
        loop.executeLifecycle(() -> onClosed.accept(connection, reason));
    }

    /** Runs {@code task} on the mesh loop with the channel's connection, if it is still one of ours. */
    private void withConnection(Channel channel, Consumer<MeshConnection> task) {
        try {
            loop.execute(() -> connections.of(channel).ifPresent(task));
        } catch (RejectedExecutionException e) {
            CloseReason.close(channel, LOOP_OVERLOADED); // counted by the loop; the reason reaches the log
        }
    }
}

package weft.gossip;

import io.netty.channel.Channel;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import weft.gossip.channel.ChannelMessage;
import weft.gossip.channel.GossipChannels;
import weft.gossip.wire.MeshMessage;

/**
 * Writes what the {@link GossipChannels} hold for each neighbour to the neighbour's connection while the
 * connection takes writes; the rest stays merged in the channels until the connection is writable again.
 *
 * <p>Invariant: a neighbour stays pending until a drain has written everything the channels held for it, or
 * dropped it because the neighbour has no connection; so data for a busy connection waits for its
 * {@link #onWritable} and is never stranded.
 *
 * <p>Owned by the mesh loop: every method runs there.
 */
final class ChannelDrain {
    private final GossipChannels channels;
    private final Function<PeerName, Optional<Channel>> connectionTo;
    private final Set<PeerName> pending = new TreeSet<>();
    private boolean drainQueued;

    /** @param connectionTo the channel of the established connection to a neighbour, if any */
    ChannelDrain(GossipChannels channels, Function<PeerName, Optional<Channel>> connectionTo) {
        this.channels = channels;
        this.connectionTo = connectionTo;
    }

    /**
     * The channels' wake-up: {@code neighbour} has something to write. Returns true when the caller must
     * queue a {@link #drainAll} to run after the current task; a burst of wake-ups then costs one drain.
     */
    boolean onPending(PeerName neighbour) {
        pending.add(neighbour);
        if (drainQueued) {
            return false;
        }
        drainQueued = true;
        return true;
    }

    /** Drains every pending neighbour. */
    void drainAll() {
        drainQueued = false;
        for (PeerName neighbour : List.copyOf(pending)) {
            drain(neighbour);
        }
    }

    /** A neighbour is connected: pending data may have waited for its connection. */
    void onConnected() {
        if (!pending.isEmpty()) {
            drainAll();
        }
    }

    /** The connection to {@code neighbour} can take writes again. */
    void onWritable(PeerName neighbour) {
        if (pending.contains(neighbour)) {
            drain(neighbour);
        }
    }

    /** Writes what is pending for {@code neighbour} while its connection takes it; the rest stays merged. */
    private void drain(PeerName neighbour) {
        Optional<Channel> connection = connectionTo.apply(neighbour);
        if (connection.isEmpty()) {
            pending.remove(neighbour);
            while (channels.poll(neighbour).isPresent()) {
                // nobody to write to: drop, as GossipChannels.routes does for vanished neighbours
            }
            return;
        }
        Channel channel = connection.get();
        boolean wrote = false;
        while (channel.isWritable()) {
            Optional<ChannelMessage> next = channels.poll(neighbour);
            if (next.isEmpty()) {
                pending.remove(neighbour);
                break;
            }
            channel.write(new MeshMessage.OfChannel(next.get()));
            wrote = true;
        }
        if (wrote) {
            channel.flush();
        }
    }
}

package weft.gossip.channel;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import weft.gossip.PeerName;
import weft.gossip.topology.Routes;

/**
 * The pure core of gossip channels: routes unicasts hop by hop, relays broadcasts along the
 * source's tree, spreads gossip to random neighbours, and keeps per neighbour what is waiting to be
 * written. Pending gossip and broadcasts are merged per (channel) and per (channel, source) while a
 * connection is busy, so a slow connection holds at most one value per key instead of a backlog;
 * unicasts cannot merge and wait in a queue per next hop bounded in count and in bytes
 * ({@link #MAX_PENDING_UNICASTS}, {@link #MAX_PENDING_UNICAST_BYTES}). A unicast that does not fit, or has no
 * route, is dropped and counted; when it is one of ours, its channel's {@link Gossiper#onUnicastRefused} hears
 * of it, so the module can retry or fail what depended on it rather than wait for an answer that cannot come.
 *
 * <p>The transport calls {@link #poll(PeerName)} whenever a connection can take a message, after
 * the {@link Wakeup} said something is pending. Owned by the mesh loop: every method runs there,
 * and gossipers are called from within them.
 */
public final class GossipChannels {
    /** Tells the transport a neighbour has something to write. Called on the mesh loop. */
    @FunctionalInterface
    public interface Wakeup {
        void pending(PeerName neighbour);
    }

    /** Unicasts waiting for one neighbour, at most. */
    public static final int MAX_PENDING_UNICASTS = 1024;
    /**
     * Unicast payload bytes waiting for one neighbour, at most: four of the largest payloads
     * ({@link ChannelCodec#MAX_PAYLOAD}), and far more than the allocator's few-hundred-byte messages need. With
     * the default connection limit of 100 neighbours, 400 MiB at the very worst, instead of 1024 MiB per neighbour.
     */
    public static final long MAX_PENDING_UNICAST_BYTES = 4L * ChannelCodec.MAX_PAYLOAD;

    private record Key(String channel, PeerName source) {}

    private static final class Outgoing {
        final ArrayDeque<ChannelMessage.Unicast> unicasts = new ArrayDeque<>();
        long unicastBytes; // the payloads in unicasts
        final LinkedHashMap<String, GossipData> gossip = new LinkedHashMap<>();
        final LinkedHashMap<Key, GossipData> broadcasts = new LinkedHashMap<>();

        boolean isEmpty() {
            return unicasts.isEmpty() && gossip.isEmpty() && broadcasts.isEmpty();
        }
    }

    private final PeerName self;
    private final RandomGenerator random;
    private final Wakeup wakeup;
    private final Duration gossipInterval;
    private final Map<String, Gossiper> gossipers = new LinkedHashMap<>();
    private final Map<PeerName, Outgoing> outgoing = new HashMap<>();
    private Routes routes;
    private Instant nextGossip;
    private long dropped;
    private long refusedUnicasts;

    /**
     * @param routes         the current routes; replace with {@link #routes(Routes)} when they change
     * @param gossipInterval how often each channel's complete state goes to one random neighbour
     */
    public GossipChannels(Routes routes, RandomGenerator random, Wakeup wakeup, Duration gossipInterval, Instant now) {
        this.self = routes.self();
        this.routes = routes;
        this.random = random;
        this.wakeup = wakeup;
        this.gossipInterval = gossipInterval;
        this.nextGossip = now.plus(gossipInterval);
    }

    /** Registers a channel; returns its send side. */
    public Gossip register(String channel, Gossiper gossiper) {
        if (gossipers.putIfAbsent(channel, gossiper) != null) {
            throw new IllegalStateException("channel registered twice: " + channel);
        }
        return new Gossip() {
            @Override
            public void unicast(PeerName to, byte[] payload) {
                route(new ChannelMessage.Unicast(channel, self, to, payload));
            }

            @Override
            public void broadcast(GossipData data) {
                relayBroadcast(channel, self, data);
            }

            @Override
            public void gossip(GossipData data) {
                spread(channel, data, null);
            }
        };
    }

    /**
     * New routes (after a topology change); pending data for vanished neighbours is dropped, and a new neighbour gets
     * every channel's complete state at once. Without that, what changed while it was away (a partition, a restart)
     * would reach it only by a broadcast, lost when the two sides' trees disagree for a moment, or by the periodic
     * gossip, a random neighbour per interval.
     */
    public void routes(Routes newRoutes) {
        List<PeerName> before = routes.neighbours();
        this.routes = newRoutes;
        outgoing.keySet().retainAll(newRoutes.neighbours());
        for (PeerName neighbour : newRoutes.neighbours()) {
            if (before.contains(neighbour)) continue;
            gossipers.forEach((channel, gossiper) -> pendGossip(neighbour, channel, gossiper.completeState()));
        }
    }

    /** Messages dropped: unroutable or overflowing unicasts, unknown channels. */
    public long dropped() {
        return dropped;
    }

    /** Unicasts (ours or relayed) refused because their next hop's queue was full; also in {@link #dropped()}. */
    public long refusedUnicasts() {
        return refusedUnicasts;
    }

    /** Handles a message from neighbour {@code from}. */
    public void onMessage(PeerName from, ChannelMessage message) {
        Gossiper gossiper = gossipers.get(message.channel());
        switch (message) {
            case ChannelMessage.Unicast unicast -> {
                if (!unicast.destination().equals(self)) {
                    route(unicast); // relaying needs no gossiper: unknown channels pass through
                } else if (gossiper != null) {
                    gossiper.onUnicast(unicast.source(), unicast.payload());
                } else {
                    dropped++;
                }
            }
            case ChannelMessage.Broadcast(String channel, PeerName source, byte[] payload) -> {
                if (gossiper == null) {
                    dropped++; // TODO(weft#topology-surrogate): relay unknown channels like mesh's surrogate gossiper
                    return;
                }
                GossipData received = gossiper.onBroadcast(source, payload);
                if (received != null) {
                    relayBroadcast(channel, source, received);
                }
            }
            case ChannelMessage.Gossip(String channel, byte[] payload) -> {
                if (gossiper == null) {
                    dropped++;
                    return;
                }
                GossipData delta = gossiper.onGossip(payload);
                if (delta != null) {
                    spread(channel, delta, from);
                }
            }
        }
    }

    /** Advances time: when due, each channel's complete state goes to one random neighbour. */
    public void tick(Instant now) {
        if (now.isBefore(nextGossip)) {
            return;
        }
        nextGossip = now.plus(gossipInterval);
        List<PeerName> neighbours = routes.neighbours();
        if (neighbours.isEmpty()) {
            return;
        }
        for (var entry : gossipers.entrySet()) {
            PeerName to = neighbours.get(random.nextInt(neighbours.size()));
            pendGossip(to, entry.getKey(), entry.getValue().completeState());
        }
    }

    /**
     * The next message for {@code neighbour}, removing it from pending: unicasts first (they
     * cannot be merged), then gossip, then broadcasts. Empty when nothing is pending.
     */
    public Optional<ChannelMessage> poll(PeerName neighbour) {
        Outgoing out = outgoing.get(neighbour);
        if (out == null) {
            return Optional.empty();
        }
        ChannelMessage message = null;
        if (!out.unicasts.isEmpty()) {
            ChannelMessage.Unicast unicast = out.unicasts.poll();
            out.unicastBytes -= unicast.payload().length;
            message = unicast;
        } else if (!out.gossip.isEmpty()) {
            var entry = out.gossip.pollFirstEntry();
            message = new ChannelMessage.Gossip(entry.getKey(), entry.getValue().encode());
        } else if (!out.broadcasts.isEmpty()) {
            var entry = out.broadcasts.pollFirstEntry();
            message = new ChannelMessage.Broadcast(entry.getKey().channel(), entry.getKey().source(),
                    entry.getValue().encode());
        }
        if (out.isEmpty()) {
            outgoing.remove(neighbour);
        }
        return Optional.ofNullable(message);
    }

    private void route(ChannelMessage.Unicast unicast) {
        Optional<PeerName> hop = routes.nextHop(unicast.destination());
        if (hop.isEmpty()) {
            dropped++;
            refused(unicast, "peer " + unicast.destination() + " is unreachable");
            return;
        }
        Outgoing out = outgoingTo(hop.get());
        int bytes = unicast.payload().length;
        if (out.unicasts.size() >= MAX_PENDING_UNICASTS || out.unicastBytes + bytes > MAX_PENDING_UNICAST_BYTES) {
            dropped++;
            refusedUnicasts++;
            refused(unicast, "the queue to next hop " + hop.get() + " is full (" + out.unicasts.size() + " unicasts, "
                    + out.unicastBytes + " bytes)");
            return;
        }
        out.unicasts.add(unicast);
        out.unicastBytes += bytes;
        wakeup.pending(hop.get());
    }

    /** Tells the channel of a unicast of ours that will not leave; a relayed one's source is beyond our reach. */
    private void refused(ChannelMessage.Unicast unicast, String reason) {
        Gossiper gossiper = gossipers.get(unicast.channel());
        if (unicast.source().equals(self) && gossiper != null) {
            gossiper.onUnicastRefused(unicast.destination(), unicast.payload(), reason);
        }
    }

    private void relayBroadcast(String channel, PeerName source, GossipData data) {
        for (PeerName neighbour : routes.broadcastTargets(source)) {
            Outgoing out = outgoingTo(neighbour);
            out.broadcasts.merge(new Key(channel, source), data, GossipData::merge);
            wakeup.pending(neighbour);
        }
    }

    private void spread(String channel, GossipData data, PeerName except) {
        List<PeerName> candidates = new ArrayList<>(routes.neighbours());
        candidates.remove(except);
        int known = Math.max(2, routes.destinations().size() + 1);
        int fanout = Math.min(candidates.size(), 64 - Long.numberOfLeadingZeros(known - 1L) + 1);
        for (int i = 0; i < fanout; i++) { // partial Fisher-Yates: a uniform random subset
            int j = i + random.nextInt(candidates.size() - i);
            PeerName chosen = candidates.set(j, candidates.get(i));
            candidates.set(i, chosen);
            pendGossip(chosen, channel, data);
        }
    }

    private void pendGossip(PeerName neighbour, String channel, GossipData data) {
        outgoingTo(neighbour).gossip.merge(channel, data, GossipData::merge);
        wakeup.pending(neighbour);
    }

    private Outgoing outgoingTo(PeerName neighbour) {
        return outgoing.computeIfAbsent(neighbour, k -> new Outgoing());
    }
}

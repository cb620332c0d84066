package weft.dns;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import weft.gossip.PeerName;
import weft.gossip.channel.ChannelCodec;
import weft.gossip.channel.Gossip;
import weft.gossip.channel.GossipData;
import weft.gossip.channel.Gossiper;
import weft.gossip.channel.ShareInTurns;
import weft.gossip.wire.Decoding;

/**
 * The mesh's names: this peer's own ({@code weft dns-add}, attached containers) and every other origin's as last
 * heard, on the gossip channel {@value #CHANNEL}. Each origin's names travel as one versioned set
 * ({@link OriginRecords}); a change here raises our version and is broadcast, a peer that becomes reachable (a new
 * peer, or the other side of a healed partition) gets our set broadcast again, and the complete state goes to a
 * random neighbour every gossip interval. Gossip that says something of our own origin that we did not say (a
 * version from before we lost our data directory, or a peer's tombstone of us) is answered by raising our version
 * past it and broadcasting our set, so our names win everywhere.
 *
 * <p>Thread rule: owned by the mesh loop; every method runs there, except {@link #lookup}, which any thread may call
 * (it reads the last published {@link NameIndex}).
 */
public final class NameChannel implements Gossiper {
    public static final String CHANNEL = "dns";
    /**
     * Bytes of names one router may have on the mesh: its set travels whole in one message, which must stay below
     * {@link ChannelCodec#MAX_PAYLOAD} (about 5000 names of containers with 64-digit ids).
     */
    public static final int MAX_OWN_BYTES = ChannelCodec.MAX_PAYLOAD / 2;
    /** Bytes of one complete-state message, at most: past it, the origins take turns, a share each gossip round. */
    static final int STATE_BUDGET = ChannelCodec.MAX_PAYLOAD - MAX_OWN_BYTES / 2;
    private static final System.Logger LOG = System.getLogger(NameChannel.class.getName());

    private final PeerName self;
    private final Consumer<OriginRecords> persist;
    private final Gossip gossip;
    private final Map<PeerName, OriginRecords> known = new TreeMap<>();
    private final Set<PeerName> reachable = new HashSet<>();
    private volatile NameIndex index = NameIndex.EMPTY;
    private long refused;
    private final ShareInTurns turns = new ShareInTurns(STATE_BUDGET);

    /**
     * @param restored our names as last saved, if any (their origin is replaced by {@code self}, so a router whose
     *                 name changed keeps its names)
     * @param persist  given our set after each change, to save; called on the mesh loop, so it must hand the I/O on
     * @param register registers this gossiper on the mesh and returns the channel's send side
     */
    public NameChannel(PeerName self, Optional<OriginRecords> restored, Consumer<OriginRecords> persist,
                       Function<Gossiper, Gossip> register) {
        this.self = self;
        this.persist = persist;
        known.put(self, restored.map(r -> new OriginRecords(self, r.version(), false, r.records())).orElse(OriginRecords.empty(self)));
        publish();
        this.gossip = register.apply(this);
    }

    /** The names as last published; any thread. */
    public NameLookup lookup() {
        return index;
    }

    /**
     * Adds {@code records} to our names; returns those that were not there already.
     *
     * @throws IllegalArgumentException when our names would no longer fit in one message ({@link #MAX_OWN_BYTES})
     */
    public List<NameRecord> add(Collection<NameRecord> records) {
        TreeSet<NameRecord> names = new TreeSet<>(own().records());
        List<NameRecord> added = records.stream().filter(names::add).toList();
        if (added.isEmpty()) return added;
        int bytes = NameRecordsCodec.size(own().with(own().version(), names));
        if (bytes > MAX_OWN_BYTES) {
            throw new IllegalArgumentException("this router's names would take " + bytes + " bytes on the mesh, more than the "
                    + MAX_OWN_BYTES + " one router may have (" + own().records().size() + " names now)");
        }
        changeOwn(names);
        return added;
    }

    /** Removes those of our names that match; returns them. */
    public List<NameRecord> remove(Predicate<NameRecord> matching) {
        TreeSet<NameRecord> names = new TreeSet<>(own().records());
        List<NameRecord> removed = names.stream().filter(matching).toList();
        if (!removed.isEmpty()) {
            removed.forEach(names::remove);
            changeOwn(names);
        }
        return removed;
    }

    /** Every origin's names as known here, tombstones included. */
    public Map<PeerName, OriginRecords> origins() {
        return Map.copyOf(known);
    }

    /** Gossip and broadcasts refused as malformed. */
    public long refused() {
        return refused;
    }

    /** Peers forgotten by the mesh: their names go, and a tombstone stops a stale peer bringing them back. */
    public void peersForgotten(List<PeerName> peers) {
        boolean changed = false;
        for (PeerName peer : peers) {
            OriginRecords theirs = known.get(peer);
            if (peer.equals(self) || theirs == null || theirs.removed()) continue;
            known.put(peer, theirs.tombstone());
            LOG.log(System.Logger.Level.INFO, "DNS: the " + theirs.records().size() + " name(s) of forgotten peer " + peer + " removed");
            changed = true;
        }
        if (changed) publish();
    }

    /**
     * The peers reachable now. When one was not before, our names are broadcast: a new peer learns them at once, and
     * after a partition heals each side's names reach the other within a round trip instead of a gossip interval.
     */
    public void reachable(Set<PeerName> destinations) {
        boolean someoneNew = !reachable.containsAll(destinations);
        reachable.clear();
        reachable.addAll(destinations);
        OriginRecords own = own();
        if (someoneNew && (own.version() > 0 || !own.records().isEmpty())) gossip.broadcast(NameRecordsData.of(own));
    }

    @Override
    public void onUnicast(PeerName from, byte[] payload) {
        refused++; // the channel sends no unicasts
        LOG.log(System.Logger.Level.DEBUG, "DNS: a unicast from " + from + " dropped: this channel has none");
    }

    @Override
    public GossipData onBroadcast(PeerName from, byte[] payload) {
        NameRecordsData received = decode(payload, from.toString());
        if (received == null) return null;
        merge(received);
        return received; // relayed along the source's tree whether or not it was new here
    }

    /** Every origin's names; when they would not fit in one message, as many as fit, a different share each time. */
    @Override
    public GossipData completeState() {
        Map<PeerName, OriginRecords> share = new TreeMap<>();
        turns.share(new ArrayList<>(known.values()), NameRecordsCodec::size).forEach(origin -> share.put(origin.origin(), origin));
        return new NameRecordsData(share);
    }

    @Override
    public GossipData onGossip(byte[] payload) {
        NameRecordsData received = decode(payload, "a neighbour");
        if (received == null) return null;
        Map<PeerName, OriginRecords> news = merge(received);
        return news.isEmpty() ? null : new NameRecordsData(news);
    }

    private NameRecordsData decode(byte[] payload, String from) {
        return switch (NameRecordsCodec.decode(payload)) {
            case Decoding.Decoded<NameRecordsData>(NameRecordsData data) -> data;
            case Decoding.Refused<NameRecordsData>(String reason) -> {
                refused++;
                LOG.log(System.Logger.Level.WARNING, "DNS: names from " + from + " dropped: " + reason);
                yield null;
            }
        };
    }

    /** Takes in what supersedes what we know; returns the origins that were news. */
    private Map<PeerName, OriginRecords> merge(NameRecordsData received) {
        Map<PeerName, OriginRecords> news = new TreeMap<>();
        boolean reclaimOwn = false;
        for (OriginRecords theirs : received.origins().values()) {
            OriginRecords ours = known.get(theirs.origin());
            if (theirs.origin().equals(self)) {
                reclaimOwn |= theirs.version() >= ours.version() && !theirs.equals(ours);
            } else if (ours == null || theirs.supersedes(ours)) {
                known.put(theirs.origin(), theirs);
                news.put(theirs.origin(), theirs);
            }
        }
        if (!news.isEmpty()) publish();
        if (reclaimOwn) {
            long past = received.origins().get(self).version();
            LOG.log(System.Logger.Level.INFO, "DNS: the mesh had version " + past + " of our names, not ours ("
                    + own().version() + "); ours are broadcast again as version " + (past + 1));
            changeOwn(past + 1, own().records());
        }
        return news;
    }

    private OriginRecords own() {
        return known.get(self);
    }

    private void changeOwn(Set<NameRecord> names) {
        changeOwn(own().version() + 1, names);
    }

    private void changeOwn(long version, Set<NameRecord> names) {
        OriginRecords changed = own().with(version, names);
        known.put(self, changed);
        publish();
        persist.accept(changed);
        gossip.broadcast(NameRecordsData.of(changed));
    }

    private void publish() {
        index = new NameIndex(new ArrayList<>(known.values()));
    }
}

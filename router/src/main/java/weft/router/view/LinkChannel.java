package weft.router.view;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import weft.gossip.PeerName;
import weft.gossip.channel.ChannelCodec;
import weft.gossip.channel.Gossip;
import weft.gossip.channel.GossipData;
import weft.gossip.channel.Gossiper;
import weft.gossip.channel.ShareInTurns;
import weft.gossip.topology.Topology;
import weft.gossip.wire.Decoding;

/**
 * What every router's connections look like (data path, encryption, path MTU, sleeve throughput), on the gossip
 * channel {@value #CHANNEL}: only the router at each end knows, so each gossips a {@link LinkReport} of its own.
 * {@link #publish} is given our links every sample and broadcasts them when they changed enough to matter
 * ({@link #changedEnough}); a peer that becomes reachable gets our report broadcast again, and the complete state goes
 * to a random neighbour every gossip interval. Per origin the higher version wins. Gossip that says something of our
 * own origin we did not say (a report from before a restart whose version our clock has not passed) is answered by
 * raising our version past it and broadcasting, so our report wins everywhere. A forgotten peer's report is dropped,
 * and a stale copy of it still travelling is refused.
 *
 * <p>Bounded: at most {@link #MAX_ORIGINS} other origins and {@link #MAX_HELD_LINKS} links in all are kept; a report
 * past either bound is dropped and counted ({@link #dropped()}), never an allocation without end.
 *
 * <p>Thread rule: owned by the mesh loop; every method runs there, except {@link #reports}, which any thread may call
 * (it reads the last published snapshot).
 */
public final class LinkChannel implements Gossiper {
    public static final String CHANNEL = "links";
    /** Other routers' reports kept, at most: as many as a topology holds peers. */
    public static final int MAX_ORIGINS = Topology.MAX_PEERS;
    /** Links in all the reports kept, at most: a full mesh of 512 routers, some 25 MB of reports. */
    public static final int MAX_HELD_LINKS = 1 << 18;
    /**
     * Bytes of one complete-state message, at most: past it, the origins take turns, a share each gossip round. Half a
     * message, so that a complete state and what the mesh merges into it while a neighbour is slow still fit in one.
     */
    static final int STATE_BUDGET = ChannelCodec.MAX_PAYLOAD / 2;
    /** A rate moved enough to broadcast when it moved by more than a quarter of what was broadcast ... */
    static final double RATE_SHARE = 0.25;
    /** ... and by more than this many bytes a second: an idle mesh's trickle of ARP and pings stays quiet. */
    static final long RATE_STEP = 16 * 1024;
    /**
     * The highest version of our own origin we raise ours past: far past any clock in milliseconds, and far enough
     * below {@link LinkReport#MAX_VERSION} that our versions never run out.
     */
    static final long MAX_RECLAIMED = LinkReport.MAX_VERSION / 2;
    private static final Duration WARNING_INTERVAL = Duration.ofMinutes(1);
    private static final System.Logger LOG = System.getLogger(LinkChannel.class.getName());

    private final PeerName self;
    private final InstantSource clock;
    private final Gossip gossip;
    private final Map<PeerName, LinkReport> known = new TreeMap<>(); // other origins' reports
    // the version of each forgotten origin's report when it was dropped, oldest first; bounded like the origins
    private final LinkedHashMap<PeerName, Long> forgotten = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<PeerName, Long> eldest) {
            return size() > MAX_ORIGINS;
        }
    };
    private final Set<PeerName> reachable = new HashSet<>();
    private LinkReport broadcast; // ours as last broadcast; null until the first publish
    private LinkReport latest; // ours as last sampled, under the version of broadcast; null until the first publish
    private long versionFloor; // the highest version of our own origin heard of that was not ours
    private int heldLinks; // the links in known
    private volatile Map<PeerName, LinkReport> snapshot = Map.of();
    private long refused;
    private long dropped;
    private final ShareInTurns turns = new ShareInTurns(STATE_BUDGET);
    private Instant nextWarning = Instant.MIN; // when a refused payload may be logged again
    private long refusedWhenWarned;

    /**
     * @param clock    the wall clock our versions start from, so that a restarted router's reports beat its old ones
     * @param register registers this gossiper on the mesh and returns the channel's send side
     */
    public LinkChannel(PeerName self, InstantSource clock, Function<Gossiper, Gossip> register) {
        this.self = self;
        this.clock = clock;
        this.gossip = register.apply(this);
    }

    /**
     * Every origin's report as last published, ours with the links of the latest sample (under the version last
     * broadcast), sorted by origin; immutable. Any thread.
     */
    public Map<PeerName, LinkReport> reports() {
        return snapshot;
    }

    /** Gossip, broadcasts and unicasts refused as malformed, and reports of our own origin we cannot win back. */
    public long refused() {
        return refused;
    }

    /** Reports dropped because {@link #MAX_ORIGINS} or {@link #MAX_HELD_LINKS} would be passed. */
    public long dropped() {
        return dropped;
    }

    /**
     * This router's links as just sampled: shown here at once, and broadcast when they {@link #changedEnough changed
     * enough} since the last broadcast, or when none was made yet.
     *
     * @throws IllegalArgumentException for links a {@link LinkReport} cannot hold (our bug)
     */
    public void publish(List<LinkState> own) {
        LinkReport sampled = new LinkReport(self, broadcast == null ? 1 : broadcast.version(), own);
        if (broadcast == null || changedEnough(broadcast.links(), sampled.links())) {
            broadcastOwn(sampled.links());
        } else {
            latest = sampled;
            publishSnapshot();
        }
    }

    /**
     * Whether links {@code now} differ from those {@code before} enough to broadcast: another set of peers, or a peer's
     * path, encryption or path MTU changed, or a rate {@link #rateMoved moved}. Both are sorted by peer.
     */
    static boolean changedEnough(List<LinkState> before, List<LinkState> now) {
        if (before.size() != now.size()) return true;
        for (int i = 0; i < now.size(); i++) {
            LinkState was = before.get(i), is = now.get(i);
            if (!was.peer().equals(is.peer()) || was.fast() != is.fast() || was.encrypted() != is.encrypted() || was.pathMtu() != is.pathMtu()) {
                return true;
            }
            if (rateMoved(was.sentBytesPerSecond(), is.sentBytesPerSecond()) || rateMoved(was.receivedBytesPerSecond(), is.receivedBytesPerSecond())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a rate moved from {@code was} (broadcast) to {@code now} by more than {@link #RATE_SHARE} of {@code was}
     * and more than {@link #RATE_STEP}, so a busy link is not broadcast every sample; or began or stopped being
     * counted; or dropped to 0, traffic having stopped: once, since 0 is then what was broadcast.
     */
    static boolean rateMoved(long was, long now) {
        if (was == now) return false;
        if (was == LinkState.NOT_COUNTED || now == LinkState.NOT_COUNTED || now == 0) return true;
        long change = Math.abs(now - was); // both are at least 0: no overflow
        return change > RATE_STEP && change > RATE_SHARE * was;
    }

    /** Peers forgotten by the mesh: their reports go, and a stale copy still travelling does not bring them back. */
    public void peersForgotten(List<PeerName> peers) {
        boolean changed = false;
        for (PeerName peer : peers) {
            LinkReport theirs = known.remove(peer);
            if (theirs == null) continue;
            heldLinks -= theirs.links().size();
            forgotten.put(peer, theirs.version());
            changed = true;
        }
        if (changed) publishSnapshot();
    }

    /**
     * The peers reachable now. When one was not before, our report is broadcast: a new peer learns our links at once,
     * and after a partition heals each side's reports reach the other within a round trip instead of a gossip interval.
     */
    public void reachable(Set<PeerName> destinations) {
        boolean someoneNew = !reachable.containsAll(destinations);
        reachable.clear();
        reachable.addAll(destinations);
        if (someoneNew && broadcast != null) gossip.broadcast(LinkReports.of(broadcast));
    }

    @Override
    public void onUnicast(PeerName from, byte[] payload) {
        refused++; // the channel sends no unicasts
        LOG.log(System.Logger.Level.DEBUG, "links: a unicast from " + from + " dropped: this channel has none");
    }

    @Override
    public GossipData onBroadcast(PeerName from, byte[] payload) {
        LinkReports received = decode(payload, from.toString());
        if (received == null) return null;
        merge(received);
        return received; // relayed along the source's tree whether or not it was new here
    }

    /** Every origin's report; when they would not fit in one message, as many as fit, a different share each time. */
    @Override
    public GossipData completeState() {
        List<LinkReport> all = new ArrayList<>();
        if (broadcast != null) all.add(broadcast);
        all.addAll(known.values());
        TreeMap<PeerName, LinkReport> share = new TreeMap<>();
        turns.share(all, LinkReportCodec::size).forEach(report -> share.put(report.origin(), report));
        return new LinkReports(share);
    }

    @Override
    public GossipData onGossip(byte[] payload) {
        LinkReports received = decode(payload, "a neighbour");
        if (received == null) return null;
        TreeMap<PeerName, LinkReport> news = merge(received);
        return news.isEmpty() ? null : new LinkReports(news);
    }

    private LinkReports decode(byte[] payload, String from) {
        return switch (LinkReportCodec.decode(payload)) {
            case Decoding.Decoded<LinkReports>(LinkReports data) -> data;
            case Decoding.Refused<LinkReports>(String reason) -> {
                refusedWithWarning("reports from " + from + " dropped: " + reason);
                yield null;
            }
        };
    }

    /** Counts a refusal, and logs it unless one was logged within a minute: a peer that keeps sending them is no flood. */
    private void refusedWithWarning(String what) {
        refused++;
        Instant now = clock.instant();
        if (now.isBefore(nextWarning)) return;
        LOG.log(System.Logger.Level.WARNING, "links: " + what + " (" + (refused - refusedWhenWarned - 1)
                + " more refused since the last warning)");
        nextWarning = now.plus(WARNING_INTERVAL);
        refusedWhenWarned = refused;
    }

    /** Takes in what supersedes what we know; returns the other origins' reports that were news. */
    private TreeMap<PeerName, LinkReport> merge(LinkReports received) {
        TreeMap<PeerName, LinkReport> news = new TreeMap<>();
        for (LinkReport theirs : received.reports().values()) {
            PeerName origin = theirs.origin();
            if (origin.equals(self)) {
                heardOfOwn(theirs);
                continue;
            }
            LinkReport ours = known.get(origin);
            boolean newer = ours != null ? theirs.supersedes(ours) : theirs.version() > forgotten.getOrDefault(origin, 0L);
            if (!newer) continue;
            int before = ours == null ? 0 : ours.links().size();
            if ((ours == null && known.size() >= MAX_ORIGINS) || heldLinks - before + theirs.links().size() > MAX_HELD_LINKS) {
                dropped++;
                continue;
            }
            forgotten.remove(origin);
            known.put(origin, theirs);
            heldLinks += theirs.links().size() - before;
            news.put(origin, theirs);
        }
        if (!news.isEmpty()) publishSnapshot();
        return news;
    }

    /**
     * A report of our own origin that is not the one we broadcast, at its version or past it: made before a restart
     * (at a version our clock has not passed), or by another router claiming our name. Ours is broadcast again past it.
     */
    private void heardOfOwn(LinkReport theirs) {
        if (theirs.equals(broadcast) || (broadcast != null && theirs.version() < broadcast.version()) || theirs.version() <= versionFloor) {
            return;
        }
        if (theirs.version() > MAX_RECLAIMED) {
            // only a router claiming our name makes such a version: raising ours to it would leave no room above
            refusedWithWarning("the mesh has a report of ours at version " + theirs.version() + ", past " + MAX_RECLAIMED
                    + "; ours is not raised past it");
            return;
        }
        versionFloor = theirs.version();
        if (broadcast == null) return; // our first report will be past it
        LOG.log(System.Logger.Level.INFO, "links: the mesh had a report of ours at version " + theirs.version()
                + " that we did not make (ours is at " + broadcast.version() + "); ours is broadcast again past it");
        broadcastOwn(latest.links());
    }

    /** Broadcasts {@code links} as our report under a version past every one of ours made or heard of. */
    private void broadcastOwn(List<LinkState> links) {
        long version = Math.max(clock.millis(), versionFloor + 1);
        if (broadcast != null) version = Math.max(version, broadcast.version() + 1);
        broadcast = new LinkReport(self, version, links);
        latest = broadcast;
        publishSnapshot();
        gossip.broadcast(LinkReports.of(broadcast));
    }

    private void publishSnapshot() {
        TreeMap<PeerName, LinkReport> all = new TreeMap<>(known);
        if (latest != null) all.put(self, latest);
        snapshot = Collections.unmodifiableMap(all);
    }
}

package weft.router.view;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import weft.gossip.PeerName;
import weft.gossip.channel.GossipData;

/**
 * What the {@value LinkChannel#CHANNEL} channel gossips: the reports of some origins, each at the version the sender
 * knows. Merging keeps, per origin, the report that {@link LinkReport#supersedes supersedes} the other, which is
 * commutative, associative and idempotent.
 *
 * <p>Immutable; thread-safe.
 */
public record LinkReports(SortedMap<PeerName, LinkReport> reports) implements GossipData {
    public LinkReports {
        reports.forEach((origin, report) -> {
            if (!report.origin().equals(origin)) throw new IllegalArgumentException("the report of " + report.origin() + " under " + origin);
        });
        reports = Collections.unmodifiableSortedMap(new TreeMap<>(reports));
    }

    static LinkReports of(LinkReport report) {
        return new LinkReports(new TreeMap<>(Map.of(report.origin(), report)));
    }

    @Override
    public byte[] encode() {
        return LinkReportCodec.encode(this);
    }

    @Override
    public GossipData merge(GossipData other) {
        if (!(other instanceof LinkReports data)) {
            throw new IllegalArgumentException("cannot merge " + other.getClass().getSimpleName() + " into link reports");
        }
        TreeMap<PeerName, LinkReport> merged = new TreeMap<>(reports);
        data.reports.forEach((origin, theirs) -> merged.merge(origin, theirs, (a, b) -> b.supersedes(a) ? b : a));
        return new LinkReports(merged);
    }
}

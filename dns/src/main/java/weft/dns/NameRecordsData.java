package weft.dns;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import weft.gossip.PeerName;
import weft.gossip.channel.GossipData;

/**
 * What the {@code dns} channel gossips: the names of some origins, each at the version the sender knows. Merging
 * keeps, per origin, the set that {@link OriginRecords#supersedes supersedes} the other, which is commutative,
 * associative and idempotent.
 *
 * <p>Immutable; thread-safe.
 */
public record NameRecordsData(Map<PeerName, OriginRecords> origins) implements GossipData {
    public NameRecordsData {
        origins = Collections.unmodifiableMap(new TreeMap<>(origins));
    }

    public static NameRecordsData of(OriginRecords records) {
        return new NameRecordsData(Map.of(records.origin(), records));
    }

    @Override
    public byte[] encode() {
        return NameRecordsCodec.encode(this);
    }

    @Override
    public GossipData merge(GossipData other) {
        if (!(other instanceof NameRecordsData data)) {
            throw new IllegalArgumentException("cannot merge " + other.getClass().getSimpleName() + " into DNS names");
        }
        Map<PeerName, OriginRecords> merged = new TreeMap<>(origins);
        data.origins.forEach((origin, theirs) -> merged.merge(origin, theirs, (a, b) -> b.supersedes(a) ? b : a));
        return new NameRecordsData(merged);
    }
}

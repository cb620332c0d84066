package weft.gossip.topology;

import java.util.List;
import weft.gossip.PeerName;

/**
 * What routers say to each other about the topology; carried between neighbours only, never
 * relayed as is. Encoded by {@link TopologyCodec}.
 *
 * <p>Immutable values; thread-safe.
 */
public sealed interface TopologyMessage {
    /** Records the receiver may lack: a local change, a forwarded delta, or an answer. */
    record Update(List<PeerRecord> records) implements TopologyMessage {
        public Update {
            records = List.copyOf(records);
        }
    }

    /**
     * The start of an anti-entropy round: a hash of the sender's {@link Topology#digest()}. A
     * receiver whose own hash differs answers with its {@link Digest}.
     */
    record Summary(long digestHash, int peers) implements TopologyMessage {}

    /**
     * The versions of every reachable record the sender holds. The receiver answers with an
     * {@link Update} of what it holds newer or the sender lacks, and a {@link Request} for what the
     * sender has newer.
     */
    record Digest(List<DigestEntry> entries) implements TopologyMessage {
        public Digest {
            entries = List.copyOf(entries);
        }
    }

    /** Please send these peers' records. */
    record Request(List<PeerName> names) implements TopologyMessage {
        public Request {
            names = List.copyOf(names);
        }
    }
}

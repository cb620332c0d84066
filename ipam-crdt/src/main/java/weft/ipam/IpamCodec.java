package weft.ipam;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import weft.gossip.wire.Decoding;
import weft.gossip.PeerName;

/**
 * The wire format of {@link IpamMessage}s and of the ring inside snapshots. Big-endian throughout.
 *
 * <pre>
 * message   = u8 type (1 state, 2 space request, 3 space denied, 4 kick, 5 address request,
 *             6 address denied), body
 * state     = ring, consensus
 * request   = range            denied = range            kick = (nothing)
 * address request = u32 address                          address denied = u32 address
 * range     = u32 start, u64 end
 * ring      = range universe, u8 hasId, [u64 epoch, u48-in-u64 creator, u32 n, n x u64 seed],
 *             u32 n, n x (u32 token, u64 owner, u64 version, u64 free)
 * consensus = u32 n, n x (u64 peer, ballot promised, ballot accepted, u32 m, m x u64 seed),
 *             m = 0 iff accepted is {@link Ballot#NONE}
 * ballot    = u64 round, u64 proposer
 * </pre>
 * Decoders check every count against the bytes left before allocating and return a reason, never throw. A
 * release before types 5 and 6 refuses them as unknown and counts them: the asker then gives up on its own.
 *
 * <p>Stateless; thread-safe.
 */
public final class IpamCodec {
    private static final byte STATE = 1;
    private static final byte SPACE_REQUEST = 2;
    private static final byte SPACE_DENIED = 3;
    private static final byte KICK = 4;
    private static final byte ADDRESS_REQUEST = 5;
    private static final byte ADDRESS_DENIED = 6;
    private static final int ENTRY_BYTES = 4 + 8 + 8 + 8;

    private IpamCodec() {}

    public static byte[] encode(IpamMessage message) {
        ByteBuffer out = ByteBuffer.allocate(size(message));
        switch (message) {
            case IpamMessage.State(Ring ring, ConsensusState consensus) -> {
                out.put(STATE);
                writeRing(out, ring);
                writeConsensus(out, consensus);
            }
            case IpamMessage.SpaceRequest(AddressRange subnet) -> writeRange(out.put(SPACE_REQUEST), subnet);
            case IpamMessage.SpaceDenied(AddressRange subnet) -> writeRange(out.put(SPACE_DENIED), subnet);
            case IpamMessage.Kick() -> out.put(KICK);
            case IpamMessage.AddressRequest(long address) -> out.put(ADDRESS_REQUEST).putInt((int) address);
            case IpamMessage.AddressDenied(long address) -> out.put(ADDRESS_DENIED).putInt((int) address);
        }
        if (out.hasRemaining()) {
            throw new IllegalStateException("ipam size estimate off by " + out.remaining());
        }
        return out.array();
    }

    private static int size(IpamMessage message) {
        return 1 + switch (message) {
            case IpamMessage.State(Ring ring, ConsensusState consensus) -> ringSize(ring) + consensusSize(consensus);
            case IpamMessage.SpaceRequest r -> 12;
            case IpamMessage.SpaceDenied d -> 12;
            case IpamMessage.Kick k -> 0;
            case IpamMessage.AddressRequest r -> 4;
            case IpamMessage.AddressDenied d -> 4;
        };
    }

    static int ringSize(Ring ring) {
        int id = ring.identity() == null ? 0 : 8 + 8 + 4 + 8 * ring.identity().seeds().size();
        return 12 + 1 + id + 4 + ENTRY_BYTES * ring.entries().size();
    }

    private static int consensusSize(ConsensusState c) {
        int size = 4;
        for (AcceptorState a : c.acceptors().values()) {
            size += 8 + 16 + 16 + 4 + 8 * a.value().size();
        }
        return size;
    }

    static void writeRange(ByteBuffer out, AddressRange r) {
        out.putInt((int) r.start()).putLong(r.end());
    }

    static void writeRing(ByteBuffer out, Ring ring) {
        writeRange(out, ring.universe());
        RingId id = ring.identity();
        out.put((byte) (id == null ? 0 : 1));
        if (id != null) {
            out.putLong(id.epoch()).putLong(id.creator().value()).putInt(id.seeds().size());
            id.seeds().forEach(s -> out.putLong(s.value()));
        }
        out.putInt(ring.entries().size());
        for (RingEntry e : ring.entries()) {
            out.putInt((int) e.token()).putLong(e.owner().value()).putLong(e.version()).putLong(e.free());
        }
    }

    private static void writeBallot(ByteBuffer out, Ballot b) {
        out.putLong(b.round()).putLong(b.proposer().value());
    }

    private static void writeConsensus(ByteBuffer out, ConsensusState c) {
        out.putInt(c.acceptors().size());
        c.acceptors().forEach((peer, a) -> {
            out.putLong(peer.value());
            writeBallot(out, a.promised());
            writeBallot(out, a.accepted());
            out.putInt(a.value().size());
            a.value().forEach(s -> out.putLong(s.value()));
        });
    }

    /** The message in {@code bytes}, or why they are not one. */
    public static Decoding<IpamMessage> decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            if (!in.hasRemaining()) {
                return new Decoding.Refused<>("empty ipam message");
            }
            byte type = in.get();
            Decoding<IpamMessage> result = switch (type) {
                case STATE -> {
                    Decoding<Ring> ring = readRing(in);
                    if (ring instanceof Decoding.Refused<Ring>(String reason)) {
                        yield new Decoding.Refused<>(reason);
                    }
                    Decoding<ConsensusState> consensus = readConsensus(in);
                    if (consensus instanceof Decoding.Refused<ConsensusState>(String reason)) {
                        yield new Decoding.Refused<>(reason);
                    }
                    yield new Decoding.Decoded<>(new IpamMessage.State(((Decoding.Decoded<Ring>) ring).value(),
                            ((Decoding.Decoded<ConsensusState>) consensus).value()));
                }
                case SPACE_REQUEST, SPACE_DENIED -> {
                    Decoding<AddressRange> range = readRange(in);
                    if (range instanceof Decoding.Refused<AddressRange>(String reason)) {
                        yield new Decoding.Refused<>(reason);
                    }
                    AddressRange r = ((Decoding.Decoded<AddressRange>) range).value();
                    yield new Decoding.Decoded<>(type == SPACE_REQUEST ? new IpamMessage.SpaceRequest(r)
                            : new IpamMessage.SpaceDenied(r));
                }
                case KICK -> new Decoding.Decoded<>(new IpamMessage.Kick());
                case ADDRESS_REQUEST -> new Decoding.Decoded<>(new IpamMessage.AddressRequest(Integer.toUnsignedLong(in.getInt())));
                case ADDRESS_DENIED -> new Decoding.Decoded<>(new IpamMessage.AddressDenied(Integer.toUnsignedLong(in.getInt())));
                default -> new Decoding.Refused<>("unknown ipam message type " + type);
            };
            if (result instanceof Decoding.Decoded<IpamMessage> && in.hasRemaining()) {
                return new Decoding.Refused<>(in.remaining() + " trailing bytes after ipam message");
            }
            return result;
        } catch (BufferUnderflowException e) {
            return new Decoding.Refused<>("truncated ipam message");
        }
    }

    static Decoding<AddressRange> readRange(ByteBuffer in) {
        long start = Integer.toUnsignedLong(in.getInt());
        long end = in.getLong();
        if (end <= start || end > AddressRange.SPACE) {
            return new Decoding.Refused<>("bad address range " + start + ".." + end);
        }
        return new Decoding.Decoded<>(new AddressRange(start, end));
    }

    private static Decoding<PeerName> readPeer(ByteBuffer in) {
        long v = in.getLong();
        if ((v >>> 48) != 0) {
            return new Decoding.Refused<>("peer name wider than 48 bits");
        }
        return new Decoding.Decoded<>(new PeerName(v));
    }

    private static int readCount(ByteBuffer in, int max, int bytesEach) {
        int n = in.getInt();
        if (n < 0 || n > max || (long) n * bytesEach > in.remaining()) {
            return -1;
        }
        return n;
    }

    /** Reads a ring; BufferUnderflowException propagates to the caller's catch. */
    static Decoding<Ring> readRing(ByteBuffer in) {
        if (!(readRange(in) instanceof Decoding.Decoded<AddressRange>(AddressRange universe))) {
            return new Decoding.Refused<>("bad ring universe");
        }
        if (universe.prefixLength() < 8) {
            return new Decoding.Refused<>("ring universe " + universe + " is not a CIDR of /8 or longer");
        }
        byte hasId = in.get();
        RingId id = null;
        if (hasId == 1) {
            long epoch = in.getLong();
            if (!(readPeer(in) instanceof Decoding.Decoded<PeerName>(PeerName creator))) {
                return new Decoding.Refused<>("bad ring creator");
            }
            int n = readCount(in, ConsensusState.MAX_ACCEPTORS, 8);
            if (n < 1) {
                return new Decoding.Refused<>("bad ring seed count");
            }
            List<PeerName> seeds = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                if (!(readPeer(in) instanceof Decoding.Decoded<PeerName>(PeerName seed))) {
                    return new Decoding.Refused<>("bad ring seed");
                }
                if (!seeds.isEmpty() && seeds.getLast().compareTo(seed) >= 0) {
                    return new Decoding.Refused<>("ring seeds not sorted");
                }
                seeds.add(seed);
            }
            if (epoch < 0) {
                return new Decoding.Refused<>("negative ring epoch");
            }
            id = new RingId(epoch, creator, seeds);
        } else if (hasId != 0) {
            return new Decoding.Refused<>("bad ring identity flag " + hasId);
        }
        int n = readCount(in, Ring.MAX_ENTRIES, ENTRY_BYTES);
        if (n < 0) {
            return new Decoding.Refused<>("bad ring entry count");
        }
        List<RingEntry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long token = Integer.toUnsignedLong(in.getInt());
            if (!(readPeer(in) instanceof Decoding.Decoded<PeerName>(PeerName owner))) {
                return new Decoding.Refused<>("bad ring entry owner");
            }
            long version = in.getLong();
            long free = in.getLong();
            if (version < 0 || free < 0) {
                return new Decoding.Refused<>("negative ring entry version or free count");
            }
            entries.add(new RingEntry(token, owner, version, free));
        }
        return Ring.of(universe, id, entries);
    }

    private static Decoding<Ballot> readBallot(ByteBuffer in) {
        long round = in.getLong();
        if (round < 0 || !(readPeer(in) instanceof Decoding.Decoded<PeerName>(PeerName proposer))) {
            return new Decoding.Refused<>("bad ballot");
        }
        return new Decoding.Decoded<>(new Ballot(round, proposer));
    }

    static Decoding<AcceptorState> readAcceptor(ByteBuffer in) {
        if (!(readBallot(in) instanceof Decoding.Decoded<Ballot>(Ballot promised))
                || !(readBallot(in) instanceof Decoding.Decoded<Ballot>(Ballot accepted))) {
            return new Decoding.Refused<>("bad acceptor ballot");
        }
        if (accepted.compareTo(promised) > 0) {
            return new Decoding.Refused<>("acceptor accepted above its promise");
        }
        int m = readCount(in, ConsensusState.MAX_ACCEPTORS, 8);
        if (m < 0) {
            return new Decoding.Refused<>("bad accepted value length");
        }
        List<PeerName> value = new ArrayList<>(m);
        for (int j = 0; j < m; j++) {
            if (!(readPeer(in) instanceof Decoding.Decoded<PeerName>(PeerName seed))) {
                return new Decoding.Refused<>("bad accepted seed");
            }
            if (!value.isEmpty() && value.getLast().compareTo(seed) >= 0) {
                return new Decoding.Refused<>("accepted seeds not sorted");
            }
            value.add(seed);
        }
        if (value.isEmpty() != accepted.equals(Ballot.NONE)) {
            // a decision is read from the value of an accepted ballot: it must name seeds, and only then
            return new Decoding.Refused<>("acceptor accepted " + accepted + " with " + value.size() + " seeds");
        }
        return new Decoding.Decoded<>(new AcceptorState(promised, accepted, value));
    }

    static void writeAcceptor(ByteBuffer out, AcceptorState a) {
        writeBallot(out, a.promised());
        writeBallot(out, a.accepted());
        out.putInt(a.value().size());
        a.value().forEach(s -> out.putLong(s.value()));
    }

    static int acceptorSize(AcceptorState a) {
        return 16 + 16 + 4 + 8 * a.value().size();
    }

    private static Decoding<ConsensusState> readConsensus(ByteBuffer in) {
        int n = readCount(in, ConsensusState.MAX_ACCEPTORS, 8 + 16 + 16 + 4);
        if (n < 0) {
            return new Decoding.Refused<>("bad acceptor count");
        }
        TreeMap<PeerName, AcceptorState> acceptors = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            if (!(readPeer(in) instanceof Decoding.Decoded<PeerName>(PeerName peer))) {
                return new Decoding.Refused<>("bad acceptor name");
            }
            Decoding<AcceptorState> a = readAcceptor(in);
            if (a instanceof Decoding.Refused<AcceptorState>(String reason)) {
                return new Decoding.Refused<>(reason);
            }
            if (acceptors.put(peer, ((Decoding.Decoded<AcceptorState>) a).value()) != null) {
                return new Decoding.Refused<>("acceptor listed twice: " + peer);
            }
        }
        return new Decoding.Decoded<>(new ConsensusState(acceptors));
    }
}

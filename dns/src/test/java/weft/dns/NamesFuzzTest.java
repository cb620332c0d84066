package weft.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import weft.gossip.PeerName;
import weft.gossip.channel.Gossip;
import weft.gossip.channel.EncodingGossip;
import weft.gossip.channel.GossipData;
import weft.gossip.wire.Decoding;

/**
 * The names peers gossip on the {@value NameChannel#CHANNEL} channel, and the router's names file, both in the bytes
 * of {@link NameRecordsCodec}: decoded alone, and as the mesh hands a payload to the channel.
 *
 * <p>A finding is anything but the documented refusal: {@link NameRecordsCodec#decode} answers bad bytes with a
 * {@link Decoding.Refused}, and the channel counts such a payload as refused and drops it. Any other exception, a hang
 * or an allocation out of proportion to the input is a bug; so is decoded data that does not survive its own encoding.
 */
class NamesFuzzTest {
    private static final PeerName A = new PeerName(0x0a0000000001L);
    private static final PeerName B = new PeerName(0x0a0000000002L);
    private static final Gossip MESH = EncodingGossip.INSTANCE;

    @FuzzTest
    void nameRecords(byte[] bytes) {
        if (NameRecordsCodec.decode(bytes) instanceof Decoding.Decoded<NameRecordsData>(NameRecordsData data)) {
            assertEquals(new Decoding.Decoded<>(data), NameRecordsCodec.decode(data.encode()));
        }
    }

    /**
     * A payload from peer B to A's channel, which holds a name of its own, as a broadcast and as gossip; then what A
     * answers and gossips next, encoded as the mesh would, and a lookup of what it now knows.
     */
    @FuzzTest
    void nameGossip(byte[] payload) {
        TreeSet<NameRecord> own = new TreeSet<>(List.of(new NameRecord("db.weft.local.", address(1), "c1")));
        NameChannel channel = new NameChannel(A, Optional.of(new OriginRecords(A, 3, false, own)),
                saved -> NameRecordsData.of(saved).encode(), g -> MESH);
        encode(channel.onBroadcast(B, payload));
        encode(channel.onGossip(payload));
        channel.completeState().encode();
        channel.lookup().addresses("db.weft.local.");
        channel.lookup().names(address(1));
    }

    private static void encode(GossipData data) {
        if (data != null) {
            data.encode();
        }
    }

    private static Inet4Address address(int last) {
        return (Inet4Address) InetAddress.ofLiteral("10.32.0." + last);
    }
}

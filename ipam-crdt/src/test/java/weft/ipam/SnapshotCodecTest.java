package weft.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import weft.gossip.wire.Decoding;

class SnapshotCodecTest {
    static Snapshot sample() {
        TreeMap<Long, String> allocations = new TreeMap<>();
        allocations.put(AddressRange.parseAddress("10.32.0.1"), "4f1c2e0d9a");
        allocations.put(AddressRange.parseAddress("10.32.0.2"), "pod-ü");
        IpamMessage.State state = IpamCodecTest.sampleState();
        return new Snapshot(IpamCodecTest.A, state.ring(), state.consensus().of(IpamCodecTest.A), allocations);
    }

    @Test
    void shouldRoundTrip() {
        Snapshot s = sample();
        assertEquals(new Decoding.Decoded<>(s), SnapshotCodec.decode(SnapshotCodec.encode(s)));
    }

    @Test
    void shouldRefuseTruncatedCorruptedAndNewerSnapshotsWithReasons() {
        byte[] good = SnapshotCodec.encode(sample());
        for (int n = 0; n < good.length; n++) {
            assertInstanceOf(Decoding.Refused.class, SnapshotCodec.decode(Arrays.copyOf(good, n)));
        }
        byte[] flipped = good.clone();
        flipped[20] ^= 1;
        assertEquals(new Decoding.Refused<>("snapshot checksum mismatch"), SnapshotCodec.decode(flipped));
        byte[] newer = good.clone();
        ByteBuffer.wrap(newer).putShort(4, (short) 2);
        assertEquals(new Decoding.Refused<>("snapshot format version 2, this build reads 1"), SnapshotCodec.decode(newer));
        assertEquals(new Decoding.Refused<>("not a weft ipam snapshot (bad magic)"), SnapshotCodec.decode(new byte[40]));
    }

    @Test
    void shouldRefuseAnAllocationOutsideTheRing() {
        Snapshot s = sample();
        TreeMap<Long, String> outside = new TreeMap<>(s.allocations());
        outside.put(s.ring().universe().end(), "4f1c2e0d9a");
        byte[] bytes = SnapshotCodec.encode(new Snapshot(s.self(), s.ring(), s.acceptor(), outside));
        assertEquals(new Decoding.Refused<>("allocation " + AddressRange.format(s.ring().universe().end()) + " outside "
                + s.ring().universe()), SnapshotCodec.decode(bytes));
    }
}

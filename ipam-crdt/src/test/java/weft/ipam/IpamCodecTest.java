package weft.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import weft.gossip.wire.Decoding;
import weft.gossip.PeerName;

class IpamCodecTest {
    static final PeerName A = new PeerName(1);
    static final PeerName B = new PeerName(2);

    static IpamMessage.State sampleState() {
        Ring ring = Ring.seeded(RingTest.UNIVERSE, RingId.ofSeeds(List.of(A, B)))
                .grant(AddressRange.parse("10.36.0.0/14"), A, B);
        ConsensusState consensus = ConsensusState.EMPTY
                .with(A, new AcceptorState(new Ballot(3, B), new Ballot(2, A), List.of(A, B)))
                .with(B, AcceptorState.INITIAL);
        return new IpamMessage.State(ring, consensus);
    }

    @Test
    void shouldRoundTripEveryMessage() {
        List<IpamMessage> messages = List.of(sampleState(),
                new IpamMessage.State(Ring.empty(RingTest.UNIVERSE), ConsensusState.EMPTY),
                new IpamMessage.SpaceRequest(AddressRange.parse("10.32.1.0/24")),
                new IpamMessage.SpaceDenied(AddressRange.parse("10.32.0.0/12")), new IpamMessage.Kick(),
                new IpamMessage.AddressRequest(AddressRange.parse("10.44.0.7/32").start()),
                new IpamMessage.AddressDenied(0xFFFF_FFFFL));
        for (IpamMessage m : messages) {
            assertEquals(new Decoding.Decoded<>(m), IpamCodec.decode(IpamCodec.encode(m)));
        }
    }

    @Test
    void shouldRefuseEveryTruncationAndNeverThrowOnGarbage() {
        byte[] good = IpamCodec.encode(sampleState());
        for (int n = 0; n < good.length; n++) {
            assertInstanceOf(Decoding.Refused.class, IpamCodec.decode(Arrays.copyOf(good, n)), "length " + n);
        }
        SplittableRandom random = new SplittableRandom(99);
        for (int i = 0; i < 20_000; i++) {
            byte[] mutated = good.clone();
            for (int k = 0; k < 1 + random.nextInt(4); k++) {
                mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
            }
            IpamCodec.decode(mutated); // any answer but an exception
            byte[] noise = new byte[random.nextInt(64)];
            random.nextBytes(noise);
            IpamCodec.decode(noise);
        }
    }

    @Test
    void shouldRefuseARingThatBreaksItsInvariants() {
        byte[] bytes = IpamCodec.encode(new IpamMessage.State(
                Ring.seeded(AddressRange.parse("10.0.0.0/24"), RingId.ofSeeds(List.of(A))), ConsensusState.EMPTY));
        // the only entry's token sits 32 bytes before the end (token, owner, version, free, consensus count)
        bytes[bytes.length - 32 + 3] = 1;
        assertEquals(new Decoding.Refused<>("first token 10.0.0.1 is not the start of 10.0.0.0/24"), IpamCodec.decode(bytes));
    }
}

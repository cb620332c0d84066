package weft.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SpaceDonationTest {
    static final AddressRange UNIVERSE = AddressRange.parse("10.32.0.0/24");
    static final List<AddressRange> LOWER_HALF = List.of(AddressRange.parse("10.32.0.0/25"));

    final Space space = new Space(UNIVERSE);

    /** Takes every host address of the lower half except {@code from} (inclusive) to {@code to} (exclusive), by last octet. */
    void leaveFree(int... fromTo) {
        for (int octet = 1; octet < 128; octet++) {
            boolean free = false;
            for (int i = 0; i < fromTo.length; i += 2) {
                free |= octet >= fromTo[i] && octet < fromTo[i + 1];
            }
            if (!free) {
                space.take(UNIVERSE.start() + octet, "c" + octet);
            }
        }
    }

    Optional<AddressRange> donation() {
        return SpaceDonation.chooseDonation(LOWER_HALF, space, UNIVERSE);
    }

    @Test
    void shouldGiveTheHighestAlignedBlockOfAtMostHalfTheFreeHosts() {
        // hosts .1 to .127 are free (the network address .0 is never given): half is 63, so a /27 at the top
        assertEquals(Optional.of(AddressRange.parse("10.32.0.96/27")), donation());
    }

    @Test
    void shouldGiveAtMostHalfEvenWhenALargerAlignedBlockIsFree() {
        leaveFree(112, 128); // 16 free, aligned: half of it, the upper half
        assertEquals(Optional.of(AddressRange.parse("10.32.0.120/29")), donation());
    }

    @Test
    void shouldGiveTheLastFreeAddress() {
        leaveFree(127, 128);
        assertEquals(Optional.of(AddressRange.parse("10.32.0.127/32")), donation());
    }

    @Test
    void shouldPreferTheHigherOfTwoEqualBlocks() {
        leaveFree(10, 18, 50, 58); // 16 free in two unaligned runs of 8: each holds an aligned /30 at most
        assertEquals(Optional.of(AddressRange.parse("10.32.0.52/30")), donation());
    }

    @Test
    void shouldGiveNothingWhenNothingIsFree() {
        leaveFree();
        assertEquals(Optional.empty(), donation());
    }
}

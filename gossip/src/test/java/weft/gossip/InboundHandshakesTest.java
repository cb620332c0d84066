package weft.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import weft.crypto.ManualClock;
import weft.gossip.wire.SealingCodec;

/** The budget of unauthenticated inbound connections: its counting, its caps and its bans. */
class InboundHandshakesTest {
    final ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
    final InboundHandshakes inbound = new InboundHandshakes(InboundLimits.DEFAULT, clock);

    static InetAddress ip(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    InboundHandshakes.Slot admitted(String ip) {
        return inbound.admit(ip(ip)).orElseThrow(() -> new AssertionError("refused " + ip));
    }

    long counter(String label) {
        return inbound.counters().get(label);
    }

    @Test
    void shouldAdmitTwoPerSourceAndCountTheThirdAsBusySource() {
        admitted("10.0.0.1");
        admitted("10.0.0.1");
        assertEquals(Optional.empty(), inbound.admit(ip("10.0.0.1")));
        assertEquals(1, counter("inbound-refused-busy-source"));
        admitted("10.0.0.2");
        assertEquals(3, inbound.inProgress());
    }

    @Test
    void shouldAdmitSixteenInAllAndCountTheSeventeenthAsBusy() {
        List<InboundHandshakes.Slot> slots = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            slots.add(admitted("10.0.0." + (i / 2)));
        }
        assertEquals(Optional.empty(), inbound.admit(ip("10.0.1.1")));
        assertEquals(1, counter("inbound-refused-busy"));
        slots.getFirst().release();
        admitted("10.0.1.1");
        assertEquals(16, inbound.inProgress());
    }

    @Test
    void shouldFreeASlotOnceHoweverOftenItIsReleased() {
        InboundHandshakes.Slot slot = admitted("10.0.0.1");
        admitted("10.0.0.1");
        slot.release();
        slot.release(); // authenticated, then closed: both give the slot back
        assertEquals(1, inbound.inProgress());
        admitted("10.0.0.1");
        assertEquals(Optional.empty(), inbound.admit(ip("10.0.0.1")), "the second release freed nothing more");
    }

    @Test
    void shouldCountAnIpv6SlashSixtyFourAsOneSource() {
        admitted("2001:db8:0:1::1");
        admitted("2001:db8:0:1:ffff::2");
        assertEquals(Optional.empty(), inbound.admit(ip("2001:db8:0:1::3")));
        admitted("2001:db8:0:2::1");
        assertEquals("2001:db8:0:1:0:0:0:0/64", SourceAddress.of(ip("2001:db8:0:1::3")).toString());
        assertEquals("10.0.0.1", SourceAddress.of(ip("10.0.0.1")).toString());
    }

    @Test
    void shouldRefuseABannedSourceBeforeTheBudgetAndCountIt() {
        for (int i = 0; i < 5; i++) {
            if (i > 0) {
                clock.advance(Duration.ofSeconds(1));
            }
            InboundHandshakes.Slot slot = admitted("10.0.0.9");
            slot.failed(SealingCodec.PASSWORD_MISMATCH);
            slot.release();
        }
        assertEquals(Map.of("inbound-bans", 1L, "inbound-failed-authentication", 5L, "inbound-refused-banned", 0L,
                "inbound-refused-busy", 0L, "inbound-refused-busy-source", 0L), inbound.counters());
        assertEquals(Optional.empty(), inbound.admit(ip("10.0.0.9")));
        assertEquals(1, counter("inbound-refused-banned"));
        assertEquals(0, inbound.inProgress(), "a refused connection takes no slot");
        admitted("10.0.0.8");

        clock.advance(InboundLimits.DEFAULT.bans().firstBan().minusMillis(1)); // the ban began at the fifth failure
        assertEquals(Optional.empty(), inbound.admit(ip("10.0.0.9")));
        clock.advance(Duration.ofMillis(1));
        admitted("10.0.0.9");
    }

    @Test
    void shouldKeepNoStateForASourceWhoseSlotsAreAllFree() {
        for (int i = 0; i < 10_000; i++) {
            admitted("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255)).release();
        }
        assertEquals(0, inbound.inProgress());
        for (int i = 0; i < 16; i++) {
            admitted("10.9.9." + i);
        }
        assertTrue(inbound.counters().values().stream().allMatch(n -> n == 0), inbound.counters().toString());
    }
}

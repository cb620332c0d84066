package weft.router.fastpath;

import org.junit.jupiter.api.Test;
import weft.crypto.EspKey;
import weft.kernel.Errno;
import weft.kernel.NativeCallException;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two routers' rollovers against two kernels in memory, on injected clocks: whatever the skew between the ends and
 * the order they act in, each always accepts what the other sends, no SA is left behind, and refusals are retried.
 */
class EspRolloverTest {
    private static final long I = EspRollover.INTERVAL_NANOS, SECOND = 1_000_000_000L;
    private static final Inet4Address A = ip("10.0.0.1"), B = ip("10.0.0.2");

    /** A kernel's SA table: in the order added, as the kernel prefers the newest outbound SA. */
    static final class Kernel implements EspSas {
        record Sa(Inet4Address source, Inet4Address destination, EspKey key) {
        }

        final Map<String, Sa> sas = new LinkedHashMap<>();
        int adds, refuseDeletes;
        /** How many more adds the kernel accepts before it refuses them all. */
        int allowedAdds = Integer.MAX_VALUE;

        @Override
        public void add(Inet4Address source, Inet4Address destination, EspKey key) {
            if (allowedAdds == 0) throw new NativeCallException("XFRM_MSG_NEWSA", Errno.ENOMEM);
            allowedAdds--;
            String id = id(destination, key.spi());
            if (sas.containsKey(id)) throw new NativeCallException("XFRM_MSG_NEWSA", Errno.EEXIST);
            sas.put(id, new Sa(source, destination, key));
            adds++;
        }

        @Override
        public void delete(Inet4Address destination, int spi) {
            if (refuseDeletes > 0) {
                refuseDeletes--;
                throw new NativeCallException("XFRM_MSG_DELSA", Errno.EPERM);
            }
            if (sas.remove(id(destination, spi)) == null) throw new NativeCallException("XFRM_MSG_DELSA", Errno.ESRCH);
        }

        private static String id(Inet4Address destination, int spi) {
            return destination.getHostAddress() + "/" + Integer.toHexString(spi);
        }

        /** The SA the kernel sends under from {@code from} to {@code to}: the newest that matches. */
        Sa sending(Inet4Address from, Inet4Address to) {
            return sas.values().stream().filter(sa -> sa.source().equals(from) && sa.destination().equals(to))
                    .reduce((first, second) -> second).orElseThrow(() -> new AssertionError("no SA " + from + " > " + to));
        }

        /** Whether a packet under {@code sa} finds an inbound SA with its SPI and key here. */
        boolean accepts(Sa sa) {
            Sa here = sas.get(id(sa.destination(), sa.key().spi()));
            return here != null && here.key().equals(sa.key());
        }

        long count(Inet4Address from, Inet4Address to) {
            return sas.values().stream().filter(sa -> sa.source().equals(from) && sa.destination().equals(to)).count();
        }
    }

    private static EspKey key(int seed, int spi) {
        byte[] material = new byte[EspKey.LENGTH];
        java.util.Arrays.fill(material, (byte) seed);
        return new EspKey(material, spi);
    }

    private final EspKey aToB = key(0x11, 0x1001), bToA = key(0x22, 0x2002);
    private final Kernel atA = new Kernel(), atB = new Kernel();

    private EspRollover a(long start, boolean rollover) {
        return new EspRollover(A, B, new EspKeys(aToB, bToA, rollover), start);
    }

    private EspRollover b(long start, boolean rollover) {
        return new EspRollover(B, A, new EspKeys(bToA, aToB, rollover), start);
    }

    private void assertBothWaysAccepted(String when) {
        assertTrue(atB.accepts(atA.sending(A, B)), when + ": b refuses what a sends");
        assertTrue(atA.accepts(atB.sending(B, A)), when + ": a refuses what b sends");
    }

    @Test
    void withoutRolloverThePairKeepsItsFirstKeysForItsWholeLife() {
        EspRollover a = a(0, false);
        a.install(atA);
        assertEquals(2, atA.sas.size(), "one SA each way, nothing ahead: the peer would never send under it");
        for (long t = 0; t <= 100 * I; t += I / 2) assertFalse(a.advance(atA, t));
        assertEquals(2, atA.adds);
        assertEquals(aToB, atA.sending(A, B).key());
        assertEquals(0, a.sendingEpoch());
    }

    @Test
    void bothEndsRollOverEachIntervalAndAlwaysAcceptWhatTheOtherSendsWhateverTheSkewAndOrder() {
        Random random = new Random(20261206);
        for (int run = 0; run < 20; run++) {
            atA.sas.clear();
            atB.sas.clear();
            long skew = (random.nextLong(20) - 10) * SECOND / 2; // b's pair starts up to 5 s before or after a's
            EspRollover a = a(0, true), b = b(skew, true);
            a.install(atA);
            b.install(atB);
            assertBothWaysAccepted("run " + run + " at the start");
            long t = 0;
            while (t < 6 * I) {
                t += random.nextLong(3 * SECOND); // routers act at their own pace, in either order
                if (random.nextBoolean()) {
                    a.advance(atA, t);
                    assertBothWaysAccepted("run " + run + ", a advanced at " + t);
                    b.advance(atB, t);
                } else {
                    b.advance(atB, t);
                    assertBothWaysAccepted("run " + run + ", b advanced at " + t);
                    a.advance(atA, t);
                }
                assertBothWaysAccepted("run " + run + " at " + t);
                for (Kernel kernel : List.of(atA, atB)) {
                    Inet4Address self = kernel == atA ? A : B, peer = kernel == atA ? B : A;
                    assertEquals(1, kernel.count(self, peer), "one outbound SA at a time");
                    assertTrue(kernel.count(peer, self) <= 3, "at most the previous, current and next inbound SAs");
                }
            }
            assertEquals(6, a.sendingEpoch());
            assertNotEquals(aToB, atA.sending(A, B).key(), "still sending under the first key");
            assertFalse(atA.sas.containsKey(Kernel.id(A, bToA.spi())), "the first inbound key outlived its epochs");
        }
    }

    @Test
    void anEndThatStalledForManyEpochsCatchesUpInOneStepWithoutInstallingTheKeysItSkipped() {
        EspRollover a = a(0, true), b = b(0, true);
        a.install(atA);
        b.install(atB);
        for (long t = 0; t <= 50 * I; t += I) b.advance(atB, t);
        int before = atA.adds;
        assertTrue(a.advance(atA, 50 * I));
        assertEquals(4, atA.adds - before, "one outbound and three inbound SAs, none of the 48 epochs between");
        assertEquals(50, a.sendingEpoch());
        assertBothWaysAccepted("after the stall");
        assertEquals(4, atA.sas.size());
    }

    @Test
    void aRefusedStepLeavesThePairOnKeysThePeerAcceptsAndTheNextAdvanceCarriesOn() {
        EspRollover a = a(0, true), b = b(0, true);
        a.install(atA);
        b.install(atB);
        b.advance(atB, I);
        atA.allowedAdds = 0; // the next inbound SA is refused: nothing moves
        assertThrows(NativeCallException.class, () -> a.advance(atA, I));
        assertEquals(0, a.sendingEpoch());
        assertBothWaysAccepted("after the first refusal");
        atA.allowedAdds = 1; // now the next inbound SA goes in and the outbound one is refused
        assertThrows(NativeCallException.class, () -> a.advance(atA, I + SECOND / 2));
        assertEquals(0, a.sendingEpoch());
        assertEquals(3, atA.count(B, A));
        assertBothWaysAccepted("after the second refusal");
        atA.allowedAdds = Integer.MAX_VALUE;
        assertTrue(a.advance(atA, I + SECOND));
        assertEquals(1, a.sendingEpoch());
        assertBothWaysAccepted("after the retry");
    }

    @Test
    void aRefusedDeletionIsRetriedAtTheNextAdvanceAndRemovalLeavesNothing() {
        EspRollover a = a(0, true);
        a.install(atA);
        atA.refuseDeletes = 1;
        assertTrue(a.advance(atA, I)); // the epoch-0 outbound SA's deletion is refused
        assertEquals(2, atA.count(A, B));
        a.advance(atA, I + SECOND);
        assertEquals(1, atA.count(A, B));
        assertEquals(List.of(), a.remove(atA));
        assertEquals(Map.of(), atA.sas);
    }

    @Test
    void anInstallTheKernelRefusesPartWayLeavesNothingBehind() {
        EspRollover a = a(0, true);
        List<String> added = new ArrayList<>();
        EspSas failingThird = new EspSas() {
            @Override
            public void add(Inet4Address source, Inet4Address destination, EspKey key) {
                if (added.size() == 2) throw new NativeCallException("XFRM_MSG_NEWSA", Errno.EEXIST);
                atA.add(source, destination, key);
                added.add(Integer.toHexString(key.spi()));
            }

            @Override
            public void delete(Inet4Address destination, int spi) {
                atA.delete(destination, spi);
            }
        };
        NativeCallException refused = assertThrows(NativeCallException.class, () -> a.install(failingThird));
        assertEquals(Errno.EEXIST, refused.errno());
        assertEquals(2, added.size());
        assertEquals(Map.of(), atA.sas);
    }

    private static Inet4Address ip(String text) {
        try {
            return (Inet4Address) InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}

package weft.router.fastpath;

import org.junit.jupiter.api.Test;
import weft.crypto.EspKey;
import weft.kernel.Xfrm;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What an {@link EspPair} asks of the kernel, and in which order; what the kernel makes of it is XfrmEspVmTest's. */
class EspPairTest {
    private static final int NEWSA = 16, DELSA = 17, NEWPOLICY = 19, DELPOLICY = 20;

    private final List<byte[]> sent = new ArrayList<>();
    private final Xfrm recorder = Xfrm.recorder(sent::add);
    private final EspPair pair = new EspPair(ip("10.0.0.1"), ip("10.0.0.2"), 6784,
            new EspKeys(new EspKey(new byte[36], 0x1001), new EspKey(new byte[36], 0x2002), false), 0);

    private static Inet4Address ip(String text) {
        try {
            return (Inet4Address) InetAddress.getByName(text);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private List<Integer> types() {
        return sent.stream().map(bytes -> (int) ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).getShort(4)).toList();
    }

    @Test
    void installsBothSasBeforeAnyPolicySoNoPacketIsDroppedForWantOfAnSa() {
        pair.install(recorder, true);
        assertEquals(List.of(NEWSA, NEWSA, NEWPOLICY, NEWPOLICY), types());
    }

    @Test
    void aReconnectionAddsItsSasUnderThePoliciesInPlace() {
        pair.install(recorder, false);
        assertEquals(List.of(NEWSA, NEWSA), types());
    }

    @Test
    void aPairThatRollsOverAlsoInstallsTheNextInboundSaAheadOfThePeersSwitch() {
        EspPair rolling = new EspPair(ip("10.0.0.1"), ip("10.0.0.2"), 6784,
                new EspKeys(new EspKey(new byte[36], 0x1001), new EspKey(new byte[36], 0x2002), true), 0);
        rolling.install(recorder, true);
        assertEquals(List.of(NEWSA, NEWSA, NEWSA, NEWPOLICY, NEWPOLICY), types());
        sent.clear();
        assertEquals(List.of(), rolling.remove(recorder, true));
        assertEquals(List.of(DELSA, DELSA, DELSA, DELPOLICY, DELPOLICY), types());
    }

    @Test
    void removesTheSasBeforeThePoliciesSoMeanwhileThePairsPacketsAreDroppedNotSentInClear() {
        assertEquals(List.of(), pair.remove(recorder, true));
        assertEquals(List.of(DELSA, DELSA, DELPOLICY, DELPOLICY), types());
    }

    @Test
    void keepsThePoliciesWhenANewerPairWithTheSameEndsUsesThem() {
        assertEquals(List.of(), pair.remove(recorder, false));
        assertEquals(List.of(DELSA, DELSA), types());
    }

    @Test
    void pairsWithTheSameEndsShareTheirPoliciesWhateverTheirKeys() {
        EspKeys other = new EspKeys(new EspKey(new byte[36], 0x3003), new EspKey(new byte[36], 0x4004), true);
        EspPair rekeyed = new EspPair(ip("10.0.0.1"), ip("10.0.0.2"), 6784, other, 0);
        EspPair moved = new EspPair(ip("10.0.0.1"), ip("10.0.0.3"), 6784, other, 0);
        assertTrue(pair.sameEnds(rekeyed));
        assertFalse(pair.sameEnds(moved));
    }

    @Test
    void theSelectorsAreTheVxlanPacketsBetweenTheTwoHostsEachWay() {
        assertEquals("udp 10.0.0.1 > 10.0.0.2:6784", pair.outbound().toString());
        assertEquals("udp 10.0.0.2 > 10.0.0.1:6784", pair.inbound().toString());
        assertEquals("ESP 10.0.0.1 <> 10.0.0.2 UDP 6784, spi out 0x1001, in 0x2002", pair.toString());
    }
}

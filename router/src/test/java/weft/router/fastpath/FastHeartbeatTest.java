package weft.router.fastpath;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import weft.crypto.HeartbeatAuthenticator;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FastHeartbeatTest {
    private static final long SELF = 0x0000_1234_5678_9abcL, PEER = 0x0000_8a00_0000_0001L;

    @Test
    void aWrittenHeartbeatReadsBackWithItsFlagsAndAddresses() {
        MemorySegment frame = Arena.ofAuto().allocate(1500);
        FastHeartbeat.write(frame, 1424, PEER, SELF, 77, true, false);
        FastHeartbeat heartbeat = FastHeartbeat.reader();
        assertEquals(FastHeartbeat.Check.OK, heartbeat.wrap(frame, 1424, SELF));
        assertEquals(PEER, heartbeat.sender());
        assertEquals(SELF, heartbeat.receiver());
        assertEquals(77, heartbeat.sequence());
        assertTrue(heartbeat.full());
        assertFalse(heartbeat.hearing());
        assertEquals(0x88, frame.get(ValueLayout.JAVA_BYTE, 12) & 0xFF);
        assertEquals(0xB5, frame.get(ValueLayout.JAVA_BYTE, 13) & 0xFF);

        FastHeartbeat.write(frame, FastHeartbeat.SMALL_LENGTH, PEER, SELF, 78, false, true);
        assertEquals(FastHeartbeat.Check.OK, heartbeat.wrap(frame, FastHeartbeat.SMALL_LENGTH, SELF));
        assertFalse(heartbeat.full());
        assertTrue(heartbeat.hearing());
    }

    @Test
    void aSignedHeartbeatIsAuthenticUnderThePairsKeyAndNoOtherAndNotOnceChanged() {
        byte[] key = new byte[32], otherKey = new byte[32];
        key[0] = 1;
        otherKey[0] = 2;
        MemorySegment frame = Arena.ofAuto().allocate(1500);
        FastHeartbeat heartbeat = FastHeartbeat.reader();
        for (int length : new int[]{FastHeartbeat.SMALL_LENGTH, 1424}) {
            FastHeartbeat.write(frame, length, PEER, SELF, 9, length > FastHeartbeat.SMALL_LENGTH, true);
            assertEquals(FastHeartbeat.Check.OK, heartbeat.wrap(frame, length, SELF));
            assertFalse(heartbeat.authentic(new HeartbeatAuthenticator(key)), "untagged");

            FastHeartbeat.sign(frame, new HeartbeatAuthenticator(key));
            assertEquals(FastHeartbeat.Check.OK, heartbeat.wrap(frame, length, SELF), "still a heartbeat to anyone");
            assertTrue(heartbeat.authentic(new HeartbeatAuthenticator(key)));
            assertTrue(heartbeat.hearing());
            assertFalse(heartbeat.authentic(new HeartbeatAuthenticator(otherKey)));

            frame.set(ValueLayout.JAVA_BYTE, 47, (byte) 10); // the sequence, 9 -> 10: a forger's edit
            assertEquals(FastHeartbeat.Check.OK, heartbeat.wrap(frame, length, SELF));
            assertFalse(heartbeat.authentic(new HeartbeatAuthenticator(key)));
        }
    }

    @Test
    void heartbeatMacsAreLocallyAdministeredUnicast() {
        long mac = FastHeartbeat.heartbeatMac(0x0000_ffff_ffff_ffffL);
        assertEquals(0x0000_feff_ffff_ffffL, mac);
        assertEquals(0x0000_0200_0000_0001L, FastHeartbeat.heartbeatMac(1));
    }

    @Test
    void framesThatAreNoHeartbeatForUsAreRefusedWithTheReason() {
        MemorySegment frame = Arena.ofAuto().allocate(1500);
        FastHeartbeat heartbeat = FastHeartbeat.reader();
        FastHeartbeat.write(frame, 100, PEER, SELF, 1, false, false);
        assertEquals(FastHeartbeat.Check.TOO_SHORT, heartbeat.wrap(frame, 59, SELF));
        assertEquals(FastHeartbeat.Check.LENGTH_MISMATCH, heartbeat.wrap(frame, 90, SELF), "cut short on the way");
        assertEquals(FastHeartbeat.Check.NOT_FOR_US, heartbeat.wrap(frame, 100, PEER));

        frame.set(ValueLayout.JAVA_BYTE, 18, (byte) 2);
        assertEquals(FastHeartbeat.Check.UNKNOWN_VERSION, heartbeat.wrap(frame, 100, SELF));
        FastHeartbeat.write(frame, 100, PEER, SELF, 1, false, false);
        frame.set(ValueLayout.JAVA_BYTE, 11, (byte) 0x55);
        assertEquals(FastHeartbeat.Check.FORGED_SOURCE, heartbeat.wrap(frame, 100, SELF), "source MAC is not the sender's bridge");
        frame.set(ValueLayout.JAVA_BYTE, 14, (byte) 0);
        assertEquals(FastHeartbeat.Check.NOT_A_HEARTBEAT, heartbeat.wrap(frame, 100, SELF));
    }

    @Property
    void randomFramesNeverThrow(@ForAll @Size(max = 200) byte[] bytes) {
        MemorySegment frame = MemorySegment.ofArray(bytes);
        FastHeartbeat heartbeat = FastHeartbeat.reader();
        if (heartbeat.wrap(frame, bytes.length, SELF) == FastHeartbeat.Check.OK) {
            assertEquals(SELF, heartbeat.receiver());
        }
    }
}

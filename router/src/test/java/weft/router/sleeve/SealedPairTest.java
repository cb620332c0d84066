package weft.router.sleeve;

import org.junit.jupiter.api.Test;
import weft.crypto.GcmEngine;
import weft.crypto.Argon2Cost;
import weft.crypto.EphemeralKeyPair;
import weft.crypto.PasswordKey;
import weft.crypto.SessionKeys;

import java.lang.foreign.MemorySegment;
import java.security.SecureRandom;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The sleeve's real cipher over keys from a real key agreement, on datagrams laid out by {@link SleeveHeader}. */
class SealedPairTest {
    private static final long A = 0x0a0000000001L, B = 0x0b0000000002L;

    static SealedPair[] pair() {
        return pair(GcmEngine.preferred(), GcmEngine.preferred());
    }

    /** A's side with one AES-GCM engine, B's with another. */
    static SealedPair[] pair(GcmEngine atAEngine, GcmEngine atBEngine) {
        SecureRandom random = new SecureRandom();
        PasswordKey password = PasswordKey.derive("secret".toCharArray(), Argon2Cost.TESTING);
        EphemeralKeyPair a = EphemeralKeyPair.generate(random), b = EphemeralKeyPair.generate(random);
        byte[] transcript = "hello-a|hello-b".getBytes();
        SessionKeys atA = SessionKeys.derive(password, a.agree(b.publicKey()), transcript, true);
        SessionKeys atB = SessionKeys.derive(password, b.agree(a.publicKey()), transcript, false);
        return new SealedPair[]{new SealedPair(atA.sleeveSend(), atA.sleeveReceive(), atAEngine),
                new SealedPair(atB.sleeveSend(), atB.sleeveReceive(), atBEngine)};
    }

    private static MemorySegment datagram(byte[] frame) {
        MemorySegment datagram = MemorySegment.ofArray(new byte[SleeveHeader.LENGTH + frame.length + SleeveHeader.TAG_LENGTH]);
        SleeveHeader.write(datagram, false, A, A, B, frame.length);
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, datagram, SleeveHeader.LENGTH, frame.length);
        return datagram;
    }

    @Test
    void whatOneSideSealsTheOtherOpensOnceAndNoMore() {
        SealedPair[] pair = pair();
        byte[] frame = new byte[1400];
        for (int i = 0; i < frame.length; i++) frame[i] = (byte) (i * 13);
        MemorySegment datagram = datagram(frame);
        pair[0].seal(datagram, datagram, frame.length, SleeveCipher.SEND_LANE);

        SleeveHeader header = new SleeveHeader();
        assertEquals(SleeveHeader.Check.OK, header.wrap(datagram));
        assertEquals(true, header.isSealed());
        assertFalse(java.util.Arrays.equals(frame, datagram.asSlice(SleeveHeader.LENGTH, frame.length).toArray(JAVA_BYTE)), "the frame is not sealed");
        byte[] captured = datagram.toArray(JAVA_BYTE);

        assertEquals(SleeveCipher.Opened.OK, pair[1].open(datagram, frame.length, header.sequence()));
        assertArrayEquals(frame, datagram.asSlice(SleeveHeader.LENGTH, frame.length).toArray(JAVA_BYTE));

        MemorySegment replay = MemorySegment.ofArray(captured.clone());
        assertEquals(SleeveCipher.Opened.REPLAYED, pair[1].open(replay, frame.length, header.sequence()));
    }

    @Test
    void aChangedHeaderOrFrameDoesNotOpen() {
        SealedPair[] pair = pair();
        byte[] frame = new byte[200];
        MemorySegment datagram = datagram(frame);
        pair[0].seal(datagram, datagram, frame.length, SleeveCipher.RELAY_LANE);
        byte[] sealed = datagram.toArray(JAVA_BYTE);

        byte[] redirected = sealed.clone();
        redirected[SleeveHeader.DESTINATION_OFFSET + 5] ^= 1;
        assertEquals(SleeveCipher.Opened.AUTHENTICATION_FAILED, pair[1].open(MemorySegment.ofArray(redirected), frame.length, 0));

        byte[] flipped = sealed.clone();
        flipped[SleeveHeader.LENGTH + 100] ^= 0x40;
        assertEquals(SleeveCipher.Opened.AUTHENTICATION_FAILED, pair[1].open(MemorySegment.ofArray(flipped), frame.length, 0));

        assertEquals(SleeveCipher.Opened.OK, pair[1].open(MemorySegment.ofArray(sealed), frame.length, 0));
    }

    /** Native datagrams (as the sleeve's), of sizes past the JDK engine's first working arrays, each after a refused copy. */
    @Test
    void nativeDatagramsOfAnySizeRoundTripAfterATamperedCopyWasRefused() {
        SealedPair[] pair = pair();
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            long sequence = 0;
            for (int length : new int[]{1, 1400, 9000, 65_000, 100}) {
                byte[] frame = new byte[length];
                for (int i = 0; i < length; i++) frame[i] = (byte) (i * 31 + length);
                MemorySegment datagram = arena.allocate(SleeveHeader.LENGTH + length + SleeveHeader.TAG_LENGTH);
                MemorySegment.copy(datagram(frame), 0, datagram, 0, datagram.byteSize());
                pair[0].seal(datagram, datagram, length, SleeveCipher.SEND_LANE);
                byte[] sealed = datagram.toArray(JAVA_BYTE);
                sealed[SleeveHeader.LENGTH + length / 2] ^= 1;
                MemorySegment tampered = arena.allocate(sealed.length);
                MemorySegment.copy(sealed, 0, tampered, JAVA_BYTE, 0, sealed.length);
                assertEquals(SleeveCipher.Opened.AUTHENTICATION_FAILED, pair[1].open(tampered, length, sequence));
                assertEquals(SleeveCipher.Opened.OK, pair[1].open(datagram, length, sequence++), "length " + length);
                assertArrayEquals(frame, datagram.asSlice(SleeveHeader.LENGTH, length).toArray(JAVA_BYTE));
            }
        }
    }

    /** Routers on machines with and without libcrypto 3 seal alike, so a mesh may mix them. */
    @Test
    void sidesWithDifferentAesGcmEnginesTalkBothWays() {
        for (GcmEngine atA : GcmEngine.values()) {
            for (GcmEngine atB : GcmEngine.values()) {
                SealedPair[] pair = pair(atA, atB);
                for (int from = 0; from < 2; from++) {
                    byte[] frame = new byte[1000 + from];
                    for (int i = 0; i < frame.length; i++) frame[i] = (byte) (i * 7 + from);
                    MemorySegment datagram = datagram(frame);
                    pair[from].seal(datagram, datagram, frame.length, SleeveCipher.SEND_LANE);
                    assertEquals(SleeveCipher.Opened.OK, pair[1 - from].open(datagram, frame.length, 0), atA + " and " + atB);
                    assertArrayEquals(frame, datagram.asSlice(SleeveHeader.LENGTH, frame.length).toArray(JAVA_BYTE));
                }
            }
        }
    }

    @Test
    void sealingIntoAnotherBufferLeavesTheClearDatagramAsItWas() {
        SealedPair[] pair = pair();
        byte[] frame = new byte[300];
        for (int i = 0; i < frame.length; i++) frame[i] = (byte) i;
        MemorySegment clear = datagram(frame);
        byte[] before = clear.toArray(JAVA_BYTE);
        MemorySegment sealed = MemorySegment.ofArray(new byte[before.length]);
        pair[0].seal(clear, sealed, frame.length, SleeveCipher.SEND_LANE);
        assertArrayEquals(before, clear.toArray(JAVA_BYTE));
        SleeveHeader header = new SleeveHeader();
        assertEquals(SleeveHeader.Check.OK, header.wrap(sealed));
        assertEquals(SleeveCipher.Opened.OK, pair[1].open(sealed, frame.length, header.sequence()));
        assertArrayEquals(frame, sealed.asSlice(SleeveHeader.LENGTH, frame.length).toArray(JAVA_BYTE));
    }

    @Test
    void fragmentsAreAdmittedWithThePeersTokenAndASequenceTheWindowStillTakes() {
        SealedPair[] pair = pair();
        long token = pair[0].fragmentToken();
        assertEquals(SleeveCipher.Opened.OK, pair[1].admitFragment(token, 0));
        assertEquals(SleeveCipher.Opened.AUTHENTICATION_FAILED, pair[1].admitFragment(token ^ 1, 0));
        assertEquals(SleeveCipher.Opened.AUTHENTICATION_FAILED, pair[1].admitFragment(pair[1].fragmentToken(), 0),
                "each direction has its own token");
        MemorySegment datagram = datagram(new byte[100]);
        pair[0].seal(datagram, datagram, 100, SleeveCipher.SEND_LANE);
        assertEquals(SleeveCipher.Opened.OK, pair[1].open(datagram, 100, 0));
        assertEquals(SleeveCipher.Opened.REPLAYED, pair[1].admitFragment(token, 0), "the fragments of a frame opened already");
        assertEquals(SleeveCipher.Opened.OK, pair[1].admitFragment(token, 1));
    }

    @Test
    void theKeyEpochTravelsInTheAuthenticatedFlagsAndPicksTheKeyOnTheOtherSide() {
        SealedPair[] pair = pair();
        MemorySegment datagram = datagram(new byte[100]);
        pair[0].seal(datagram, datagram, 100, SleeveCipher.SEND_LANE);
        byte flags = datagram.get(JAVA_BYTE, SleeveHeader.FLAGS_OFFSET);
        assertEquals(SleeveHeader.FLAG_SEALED, flags, "a new pair seals under epoch 0");
        byte[] sealed = datagram.toArray(JAVA_BYTE);
        byte[] otherEpoch = sealed.clone();
        otherEpoch[SleeveHeader.FLAGS_OFFSET] = SleeveHeader.sealedFlags(flags, 1);
        assertEquals(1, SleeveHeader.keyEpoch(otherEpoch[SleeveHeader.FLAGS_OFFSET]));
        assertEquals(SleeveCipher.Opened.AUTHENTICATION_FAILED, pair[1].open(MemorySegment.ofArray(otherEpoch), 100, 0),
                "naming epoch 1 opens with epoch 1's key, which did not seal it");
        assertEquals(SleeveCipher.Opened.OK, pair[1].open(MemorySegment.ofArray(sealed), 100, 0));
    }

    @Test
    void theDirectionsUseDifferentKeys() {
        SealedPair[] pair = pair();
        MemorySegment datagram = datagram(new byte[100]);
        pair[0].seal(datagram, datagram, 100, SleeveCipher.SEND_LANE);
        assertEquals(SleeveCipher.Opened.AUTHENTICATION_FAILED, pair[0].open(datagram, 100, 0), "a side must not open its own datagrams");
    }

    /** A datagram captured on the wire and sent again is dropped and counted by the forwarder. */
    @Test
    void aReplayedDatagramIsDroppedAndCountedByTheForwarder() throws Exception {
        SealedPair[] pair = pair();
        QueueFramePort portA = new QueueFramePort(), portB = new QueueFramePort();
        var loopback = java.net.InetAddress.getLoopbackAddress();
        try (var wire = java.nio.channels.DatagramChannel.open().bind(new java.net.InetSocketAddress(loopback, 0));
             var udpA = java.nio.channels.DatagramChannel.open().bind(new java.net.InetSocketAddress(loopback, 0));
             var udpB = java.nio.channels.DatagramChannel.open().bind(new java.net.InetSocketAddress(loopback, 0))) {
            SleevePeers peersA = new SleevePeers(), peersB = new SleevePeers();
            // A "sends to B" at the capture socket; the test plays the wire and delivers to B, twice.
            peersA.put(new SleevePeer(B, "b", (java.net.InetSocketAddress) wire.getLocalAddress(), pair[0]));
            peersB.put(new SleevePeer(A, "a", (java.net.InetSocketAddress) udpA.getLocalAddress(), pair[1]));
            SleeveCounters countersB = new SleeveCounters();
            SleeveForwarder a = new SleeveForwarder(A, portA, new ChannelSleeveSocket(udpA), peersA, new MacTable(1_000_000_000L), new SleeveCounters(),
                    () -> 0L, 1500, SleeveForwarder.DEFAULT_DATAGRAM_PAYLOAD);
            SleeveForwarder b = new SleeveForwarder(B, portB, new ChannelSleeveSocket(udpB), peersB, new MacTable(1_000_000_000L), countersB,
                    () -> 0L, 1500, SleeveForwarder.DEFAULT_DATAGRAM_PAYLOAD);
            byte[] frame = new byte[600];
            java.util.Arrays.fill(frame, 0, 6, (byte) 0xff);
            frame[6] = 2;
            portA.fromBridge.add(frame);
            a.pumpLocalFrame(1000);
            java.nio.ByteBuffer captured = java.nio.ByteBuffer.allocate(4096);
            wire.receive(captured);
            captured.flip();
            wire.send(captured.duplicate(), udpB.getLocalAddress());
            assertEquals(1, b.receiveDatagram());
            assertArrayEquals(frame, portB.takeWritten());
            wire.send(captured.duplicate(), udpB.getLocalAddress());
            assertEquals(0, b.receiveDatagram());
            assertEquals(1, countersB.get(SleeveCounters.Counter.DROPPED_REPLAYED));
            a.close();
            b.close();
        }
    }
}

package weft.router.fastpath;

import com.code_intelligence.jazzer.junit.FuzzTest;
import weft.crypto.HeartbeatAuthenticator;
import weft.gossip.HeartbeatKeys;
import weft.router.sleeve.EthernetFrame;
import weft.router.sleeve.FuzzRecords;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Optional;

/**
 * What the fast path reads: the frames its VXLAN port receives, taken as heartbeats the way {@code FastPath} takes
 * each one (its receiving step is private to its agent thread, which needs the kernel's port): checked as a frame by
 * {@link FastHeartbeat#wrap}, judged by {@link HeartbeatAuthentication#check}, and told to the {@link FastPathTable}.
 * Each input is a run of frames ({@link FuzzRecords}, the setup byte moving the clock between them by that many
 * 10 ms) from K, a peer whose heartbeats must be tagged with the pair's key, U, a peer without keys, or anyone.
 *
 * <p>The reader answers bad frames with a {@link FastHeartbeat.Check} and a judgement; a finding is any exception, or a
 * frame from K counted as heard without its tag being right.
 */
class FastPathFuzzTest {
    private static final long SELF = 0x0b0000000002L, K = 0x0a0000000001L, U = 0x0c0000000003L;
    /** A full-size heartbeat: the largest frame of an overlay MTU of 1410. */
    private static final int FULL_LENGTH = 1410 + EthernetFrame.HEADER_LENGTH;
    /** The heartbeat keys of the pair with K: what K sends us with, and what we send K with. */
    private static final byte[] FROM_K = filled(0x4B), TO_K = filled(0x53);
    private static final int MOST_FRAMES = 64;

    private static byte[] filled(int value) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) value);
        return key;
    }

    @FuzzTest
    void heartbeats(byte[] input) {
        FuzzRecords in = FuzzRecords.read(input, MOST_FRAMES);
        long step = in.setup() * 10_000_000L, now = 0;
        FastPathTable table = new FastPathTable(Optional.empty(), FULL_LENGTH);
        HeartbeatAuthentication authentication = new HeartbeatAuthentication();
        for (FastPathTable.Peer peer : new FastPathTable.Peer[]{
                new FastPathTable.Peer(K, "k", InetAddress.getLoopbackAddress(), Optional.empty(), Optional.empty(),
                        Optional.of(new HeartbeatKeys(TO_K, FROM_K))),
                new FastPathTable.Peer(U, "u", InetAddress.getLoopbackAddress(), Optional.empty(), Optional.empty(), Optional.empty())}) {
            table.connected(peer, now);
            authentication.connected(peer);
        }
        HeartbeatAuthenticator fromK = new HeartbeatAuthenticator(FROM_K);
        FastHeartbeat heartbeat = FastHeartbeat.reader();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment received = arena.allocate(Math.max(FULL_LENGTH, 2048) + 64); // the agent's receive buffer
            for (byte[] frame : in.records()) {
                now += step;
                int length = (int) Math.min(frame.length, received.byteSize());
                MemorySegment.copy(MemorySegment.ofArray(frame), 0, received, 0, length);
                if (heartbeat.wrap(received, length, SELF) != FastHeartbeat.Check.OK) continue;
                if (authentication.check(heartbeat) != HeartbeatAuthentication.Verdict.ACCEPTED) continue;
                if (heartbeat.sender() == K && !heartbeat.authentic(fromK)) throw new AssertionError("an untagged or forged heartbeat from K was accepted");
                table.heard(heartbeat.sender(), heartbeat.full(), heartbeat.hearing(), now);
            }
        }
    }
}

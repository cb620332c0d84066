package weft.router.sleeve;

import com.code_intelligence.jazzer.junit.FuzzTest;
import weft.crypto.Argon2Cost;
import weft.crypto.EphemeralKeyPair;
import weft.crypto.GcmEngine;
import weft.crypto.PasswordKey;
import weft.crypto.SessionKeys;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the sleeve reads: the datagrams its neighbours send, through {@link SleeveForwarder#receiveDatagram} (the
 * receive lane's duty cycle: the {@link SleeveHeader} checks, opening with {@link SealedPair}, rebuilding fragments
 * in {@link FrameReassembly}, unpacking {@link FrameBatch}es, answering probes, completing the checksum a
 * {@link VnetHeader} asks for), and the frames its TAP port hands it, through {@link SleeveForwarder#pumpLocalFrame}
 * ({@link VnetHeader}, {@link EthernetFrame}, {@link IcmpFragmentationNeeded}). Each input is a run of datagrams or
 * frames ({@link FuzzRecords}) handed to a forwarder of its own, over a socket and a port that hold the input and check
 * what is given back to them.
 *
 * <p>Both paths answer bad bytes with a counted drop ({@link SleeveCounters}). A finding is any exception out of them, a
 * frame or datagram handed to the port or the socket with a length past the end of its buffer (the kernel would read
 * beyond it) or a frame shorter than an Ethernet header, or a hang.
 */
class SleeveFuzzTest {
    /** This peer; its neighbours A, whose datagrams the inputs are, and C, where relays go. */
    private static final long SELF = 0x0b0000000002L, A = 0x0a0000000001L, C = 0x0c0000000003L;
    private static final long MAC_A = 0x02aa00000001L, MAC_C = 0x02cc00000003L;
    private static final InetSocketAddress A_AT = endpoint(1), C_AT = endpoint(3);
    /**
     * The frames of an overlay MTU of 9000 set over a 1500-byte underlay, so that the port's frames may be larger than a
     * datagram carries (fragmented, or refused with an ICMP "fragmentation needed" when don't-fragment is set).
     */
    private static final int MAX_FRAME = 9000 + EthernetFrame.HEADER_LENGTH;
    /** Records per input: the fragments of a 64 KiB segment, and a few more. */
    private static final int MOST_RECORDS = 64;
    /** Setup bit 0: the port reads and writes frames behind a virtio_net_hdr, as the TAP with offloads does. */
    private static final int VNET_PORT = 1;
    /** Setup bits 1-7 of the datagram targets: how far the clock moves at each reading, in 10 ms. */
    private static final int CLOCK_SHIFT = 1;
    /** Setup bits 1-3 of {@link #tapFrames}: the pair with A is sealed; A is fast; A has been fast for a while. */
    private static final int SEALED_A = 2, FAST_A = 4, SETTLED_A = 8;
    private static final long MAC_AGE = 60_000_000_000L;

    /** The pair's keys, as a handshake with this password, secret and transcript agrees them: fixed, so seeds stay sealed for them. */
    private static final PasswordKey PASSWORD = PasswordKey.derive("weft fuzz".toCharArray(), Argon2Cost.TESTING);
    private static final byte[] SHARED_SECRET = new byte[EphemeralKeyPair.LENGTH];
    private static final byte[] TRANSCRIPT = "hello-a|hello-b".getBytes(StandardCharsets.US_ASCII);

    private static InetSocketAddress endpoint(int host) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[]{10, 0, 4, (byte) host}), 6783);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 bytes are an IPv4 address", e);
        }
    }

    /** A's side of the sealed pair ({@code initiator}, which sealed the seeds) or this peer's; new, so its replay window is empty. */
    private static SealedPair sealedPair(boolean initiator) {
        SessionKeys keys = SessionKeys.derive(PASSWORD, SHARED_SECRET, TRANSCRIPT, initiator);
        return new SealedPair(keys.sleeveSend(), keys.sleeveReceive(), GcmEngine.preferred());
    }

    /** Datagrams from A, a neighbour in clear. */
    @FuzzTest
    void datagrams(byte[] input) throws Exception {
        receive(input, null);
    }

    /** Datagrams from A, a neighbour whose pair seals (the seeds sealed by A's side of the fixed keys). */
    @FuzzTest
    void sealedDatagrams(byte[] input) throws Exception {
        receive(input, sealedPair(false));
    }

    private void receive(byte[] input, SleeveCipher withA) throws Exception {
        FuzzRecords in = FuzzRecords.read(input, MOST_RECORDS);
        ScriptedSocket socket = new ScriptedSocket(in.records());
        ScriptedPort port = new ScriptedPort((in.setup() & VNET_PORT) != 0, List.of());
        try (SleeveForwarder forwarder = forwarder(in.setup(), port, socket, withA, new MacTable(MAC_AGE))) {
            while (socket.hasMore()) forwarder.receiveDatagram();
        }
    }

    /** Frames this peer's TAP port hands over, for A (in clear or sealed), C, or anyone. */
    @FuzzTest
    void tapFrames(byte[] input) throws Exception {
        FuzzRecords in = FuzzRecords.read(input, MOST_RECORDS);
        ScriptedPort port = new ScriptedPort((in.setup() & VNET_PORT) != 0, in.records());
        MacTable macs = new MacTable(MAC_AGE);
        macs.learn(MAC_A, A, 0);
        macs.learn(MAC_C, C, 0);
        SleeveCipher withA = (in.setup() & SEALED_A) != 0 ? sealedPair(false) : null;
        try (SleeveForwarder forwarder = forwarder(0, port, new ScriptedSocket(List.of()), withA, macs)) {
            long[] fast = (in.setup() & FAST_A) != 0 ? new long[]{A} : new long[0];
            forwarder.fastPeers(fast, (in.setup() & SETTLED_A) != 0 ? fast : new long[0]);
            while (port.hasMore()) forwarder.pumpLocalFrame(0);
        }
    }

    private static SleeveForwarder forwarder(int setup, ScriptedPort port, ScriptedSocket socket, SleeveCipher withA, MacTable macs) {
        SleevePeers neighbours = new SleevePeers();
        neighbours.put(new SleevePeer(A, "a", A_AT, withA));
        neighbours.put(new SleevePeer(C, "c", C_AT));
        long step = (long) (setup >>> CLOCK_SHIFT) * 10_000_000L;
        long[] now = {0};
        return new SleeveForwarder(SELF, port, socket, neighbours, macs, new SleeveCounters(), () -> now[0] += step,
                MAX_FRAME, SleeveForwarder.DEFAULT_DATAGRAM_PAYLOAD);
    }

    /** A port that hands out the input's frames, cut to the reader's buffer as a TAP read cuts them, and checks what is written. */
    private static final class ScriptedPort implements FramePort {
        private final int vnet;
        private final Deque<byte[]> frames;

        ScriptedPort(boolean vnet, List<byte[]> frames) {
            this.vnet = vnet ? VnetHeader.LENGTH : 0;
            this.frames = new ArrayDeque<>(frames);
        }

        boolean hasMore() {
            return !frames.isEmpty();
        }

        @Override
        public int vnetHeaderLength() {
            return vnet;
        }

        @Override
        public int read(MemorySegment into, int timeoutMillis) {
            byte[] frame = frames.poll();
            if (frame == null) return 0;
            int length = (int) Math.min(frame.length, into.byteSize());
            MemorySegment.copy(MemorySegment.ofArray(frame), 0, into, 0, length);
            return length;
        }

        @Override
        public void write(MemorySegment frame, long length) {
            assertTrue(length >= vnet + EthernetFrame.HEADER_LENGTH, "a frame of " + length + " bytes written to the port");
            frame.asSlice(0, length); // the TAP's write(2) would read all of it
        }
    }

    /** A socket that receives the input's datagrams from A, as many per call as there are slots, and checks what is sent. */
    private static final class ScriptedSocket implements SleeveSocket {
        private static final int A_ADDRESS = 0x0a000401;
        private final Deque<byte[]> datagrams;

        ScriptedSocket(List<byte[]> datagrams) {
            this.datagrams = new ArrayDeque<>(datagrams);
        }

        boolean hasMore() {
            return !datagrams.isEmpty();
        }

        @Override
        public Sender newSender() {
            return new Sender() {
                private int batched;

                @Override
                public void startBatch(InetSocketAddress to) {
                    batched = 0;
                }

                @Override
                public boolean add(MemorySegment datagram, int length) {
                    datagram.asSlice(0, length); // sendmmsg(2) would read all of it
                    batched++;
                    return true;
                }

                @Override
                public int flush() {
                    int sent = batched;
                    batched = 0;
                    return sent;
                }
            };
        }

        @Override
        public int receive(MemorySegment[] slots, int[] lengths, int[] sourceAddresses, int[] sourcePorts, int timeoutMillis) {
            int n = 0;
            while (n < slots.length && !datagrams.isEmpty()) {
                byte[] datagram = datagrams.poll();
                int length = (int) Math.min(datagram.length, slots[n].byteSize()); // recvmmsg(2) cuts it to the slot
                MemorySegment.copy(MemorySegment.ofArray(datagram), 0, slots[n], 0, length);
                lengths[n] = length;
                sourceAddresses[n] = A_ADDRESS;
                sourcePorts[n] = A_AT.getPort();
                n++;
            }
            return n;
        }

        @Override
        public void shutdown() {
            // nothing waits in receive()
        }

        @Override
        public void close() {
            // nothing to release
        }
    }
}

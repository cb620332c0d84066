package weft.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import weft.crypto.GcmEngine;
import weft.crypto.SessionKeys;
import weft.router.sleeve.SealedPair;
import weft.router.sleeve.SleeveCipher;
import weft.router.sleeve.SleeveHeader;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The router's sleeve datagram codec on off-heap {@link MemorySegment}s, one {@code payload}-byte payload (a frame,
 * or a segment sealed whole before it is cut into fragments) per operation; bytes/s = ops/s × payload (frame bytes, the 32-byte header and tag not counted).
 * <ul>
 *   <li>{@link #headerWriteWrap}: what every datagram costs before any crypto: {@link SleeveHeader#write} on
 *       the sending side, {@link SleeveHeader#wrap} (all checks) and the field reads on the receiving side.</li>
 *   <li>{@link #sealedPairSeal}: header write, then {@link SealedPair#seal} in place.</li>
 *   <li>{@link #sealedPairOpen}: the receive path of a sealed datagram: copy it into the receive buffer (as the
 *       socket would), wrap, {@link SealedPair#open} in place. The copy of ~1.4 KB is a few % of the cost.
 *       Datagrams come from a ring sealed at setup; a fresh pair (fresh replay window) when it is used up.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SleeveBenchmark {

    private static final long SENDER = 0x0000_1111_2222_3333L, ORIGIN = 0x0000_4444_5555_6666L;
    private static final long DESTINATION = 0x0000_7777_8888_9999L;

    /**
     * Payload bytes per sealing: about a full frame at the default overlay MTU (1410), and a TCP segment of about
     * 64 KiB, which the sleeve seals once before cutting it into fragments.
     */
    @Param({"1400", "65000"})
    public int payload;

    private Arena arena;
    private final SleeveHeader view = new SleeveHeader();
    private MemorySegment clear;
    private MemorySegment sealed;
    private SealedPair sendingPair;
    private BenchKeys keys;
    private MemorySegment[] ring;
    private int next;
    private SealedPair receivingPair;
    private MemorySegment received;

    @Setup
    public void setUp() {
        arena = Arena.ofShared();
        keys = new BenchKeys();
        byte[] frame = new byte[payload];
        new SplittableRandom(3).nextBytes(frame);
        clear = arena.allocate(SleeveHeader.LENGTH + payload);
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, clear, SleeveHeader.LENGTH, payload);
        long sealedLength = SleeveHeader.LENGTH + payload + SleeveHeader.TAG_LENGTH;
        sealed = arena.allocate(sealedLength);
        MemorySegment.copy(clear, 0, sealed, 0, clear.byteSize());

        SessionKeys senderKeys = keys.initiator();
        sendingPair = new SealedPair(senderKeys.sleeveSend(), senderKeys.sleeveReceive(), GcmEngine.preferred());
        SessionKeys ringKeys = keys.initiator();      // its own sequence counter, from 0
        SealedPair ringPair = new SealedPair(ringKeys.sleeveSend(), ringKeys.sleeveReceive(), GcmEngine.preferred());
        ring = new MemorySegment[BenchKeys.ringLength(payload)];
        for (int i = 0; i < ring.length; i++) {
            ring[i] = arena.allocate(sealedLength);
            SleeveHeader.write(ring[i], false, SENDER, ORIGIN, DESTINATION, payload);
            MemorySegment.copy(clear, SleeveHeader.LENGTH, ring[i], SleeveHeader.LENGTH, payload);
            ringPair.seal(ring[i], ring[i], payload, 0);
        }
        receivingPair = receivingPair();
        received = arena.allocate(sealedLength);
        next = 0;
    }

    /** A direction has one opener, so each pass over the ring takes the keys afresh from the same key schedule. */
    private SealedPair receivingPair() {
        SessionKeys receiverKeys = keys.responder();
        return new SealedPair(receiverKeys.sleeveSend(), receiverKeys.sleeveReceive(), GcmEngine.preferred());
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public long headerWriteWrap() {
        SleeveHeader.write(clear, false, SENDER, ORIGIN, DESTINATION, payload);
        SleeveHeader.Check check = view.wrap(clear);
        if (check != SleeveHeader.Check.OK) throw new IllegalStateException("own header refused: " + check);
        return view.sender() ^ view.origin() ^ view.destination() ^ view.frameLength() ^ view.sequence()
                ^ (view.isBroadcast() ? 1 : 0) ^ (view.isSealed() ? 2 : 0);
    }

    @Benchmark
    public MemorySegment sealedPairSeal() {
        SleeveHeader.write(sealed, false, SENDER, ORIGIN, DESTINATION, payload);
        sendingPair.seal(sealed, sealed, payload, 0);
        return sealed;
    }

    @Benchmark
    public SleeveCipher.Opened sealedPairOpen() {
        if (next == ring.length) {
            receivingPair = receivingPair(); // the same keys, a fresh replay window
            next = 0;
        }
        MemorySegment.copy(ring[next++], 0, received, 0, received.byteSize());
        SleeveHeader.Check check = view.wrap(received);
        if (check != SleeveHeader.Check.OK) throw new IllegalStateException("sealed datagram refused: " + check);
        SleeveCipher.Opened opened = receivingPair.open(received, view.frameLength(), view.sequence());
        // A refusal would measure the wrong path: stop the run instead.
        if (opened != SleeveCipher.Opened.OK) throw new IllegalStateException("datagram " + (next - 1) + ": " + opened);
        return opened;
    }
}

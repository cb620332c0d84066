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
import weft.crypto.DatagramOpener;
import weft.crypto.DatagramSealer;
import weft.crypto.GcmEngine;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * The sleeve's AEAD on its own: {@link DatagramSealer#seal} and {@link DatagramOpener#open} of one datagram of
 * {@code payload} bytes per operation, in place on native memory as the sleeve uses them, with a 24-byte header as
 * associated data, by each {@link GcmEngine} in the same run. bytes/s = ops/s × payload.
 *
 * <p>The opener refuses a sequence number it has seen, so {@link #open} walks a ring of datagrams sealed at setup
 * in sequence order and takes a fresh opener (a fresh replay window) when the ring is used up.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DatagramBenchmark {

    /** Plaintext bytes per datagram: an MTU-sized frame, and the largest a UDP datagram can carry about. */
    @Param({"1400", "65536"})
    public int payload;

    /** Which AES-GCM: libcrypto 3 through FFM, the JDK's, or each by payload size. */
    @Param({"LIBCRYPTO", "JDK", "BY_SIZE"})
    public GcmEngine engine;

    private Arena arena;
    private MemorySegment header;
    private MemorySegment wire;
    private DatagramSealer sealer;
    private BenchKeys keys;
    private MemorySegment[] ring;
    private MemorySegment received;
    private int next;
    private DatagramOpener opener;

    @Setup
    public void setUp() {
        arena = Arena.ofShared();
        keys = new BenchKeys();
        byte[] frame = new byte[payload];
        new SplittableRandom(2).nextBytes(frame);
        header = arena.allocate(24);
        wire = arena.allocate(payload + DatagramSealer.OVERHEAD);
        sealer = keys.initiator().sleeveSend().newSealer(engine);

        DatagramSealer ringSealer = keys.initiator().sleeveSend().newSealer(engine);  // its own counter, from 0
        ring = new MemorySegment[BenchKeys.ringLength(payload)];
        for (int i = 0; i < ring.length; i++) {
            ring[i] = arena.allocate(payload + DatagramSealer.OVERHEAD);
            MemorySegment.copy(frame, 0, ring[i], JAVA_BYTE, 8, payload);
            ringSealer.seal(header, ring[i].asSlice(8, payload), ring[i]);
        }
        received = arena.allocate(payload + DatagramSealer.OVERHEAD);
        opener = keys.responder().sleeveReceive().newOpener(engine);
        next = 0;
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    /** Seals over the previous datagram's ciphertext in place: the bytes do not matter to AES-GCM's speed. */
    @Benchmark
    public long seal() {
        return sealer.seal(header, wire.asSlice(8, payload), wire);
    }

    /** Opens a copy of the next ring datagram in place, as the sleeve opens what it received (the copy is counted). */
    @Benchmark
    public DatagramOpener.Status open() {
        if (next == ring.length) {
            opener = keys.responder().sleeveReceive().newOpener(engine); // the same keys, a fresh replay window
            next = 0;
        }
        MemorySegment.copy(ring[next++], 0, received, 0, received.byteSize());
        DatagramOpener.Status status = opener.open(header, received, received.asSlice(8, payload), 0);
        // A refusal would measure the wrong path: stop the run instead.
        if (status != DatagramOpener.Status.OK) throw new IllegalStateException("datagram " + (next - 1) + ": " + status);
        return status;
    }
}

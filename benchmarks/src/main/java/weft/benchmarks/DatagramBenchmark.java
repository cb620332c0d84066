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
import org.openjdk.jmh.annotations.Warmup;
import weft.crypto.DatagramOpener;
import weft.crypto.DatagramSealer;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The sleeve's AEAD on its own: {@link DatagramSealer#seal} and {@link DatagramOpener#open} of one datagram of
 * {@code payload} bytes per operation, on direct buffers as the sleeve uses them, with a 24-byte header as
 * associated data. bytes/s = ops/s × payload.
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

    private final ByteBuffer header = ByteBuffer.allocateDirect(24);
    private ByteBuffer plain;
    private ByteBuffer wire;
    private DatagramSealer sealer;
    private BenchKeys keys;
    private ByteBuffer[] ring;
    private int next;
    private DatagramOpener opener;

    @Setup
    public void setUp() {
        keys = new BenchKeys();
        byte[] bytes = new byte[payload];
        new SplittableRandom(2).nextBytes(bytes);
        plain = ByteBuffer.allocateDirect(payload).put(bytes).flip();
        wire = ByteBuffer.allocateDirect(payload + DatagramSealer.OVERHEAD);
        sealer = keys.initiator().sleeveSend().newSealer();

        DatagramSealer ringSealer = keys.initiator().sleeveSend().newSealer();  // its own counter, from 0
        ring = new ByteBuffer[BenchKeys.ringLength(payload)];
        for (int i = 0; i < ring.length; i++) {
            ring[i] = ByteBuffer.allocateDirect(payload + DatagramSealer.OVERHEAD);
            ringSealer.seal(header, plain.clear(), ring[i]);
            ring[i].flip();
        }
        opener = keys.responder().sleeveReceive().newOpener();
        next = 0;
    }

    @Benchmark
    public long seal() {
        plain.clear();
        wire.clear();
        return sealer.seal(header, plain, wire);
    }

    @Benchmark
    public DatagramOpener.Status open() {
        if (next == ring.length) {
            opener = keys.responder().sleeveReceive().newOpener(); // the same keys, a fresh replay window
            next = 0;
        }
        ByteBuffer datagram = ring[next++].rewind();
        DatagramOpener.Status status = opener.open(header, datagram, plain.clear(), 0);
        // A refusal would measure the wrong path: stop the run instead.
        if (status != DatagramOpener.Status.OK) throw new IllegalStateException("datagram " + (next - 1) + ": " + status);
        return status;
    }
}

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
import weft.crypto.SessionCipher;

import java.time.InstantSource;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The control channel's cipher: {@link SessionCipher#seal} and {@link SessionCipher#open} of one message of
 * {@code payload} bytes per operation, so bytes/s = ops/s × payload (bench/jmh.sh prints that).
 *
 * <p>A receiver opens strictly in sequence, so {@link #open} walks a ring of messages sealed at setup and, at its
 * end, takes a fresh receiver from a re-derived key schedule (one HKDF run per ring of ~8 MiB, under 1 % of the time).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SessionCipherBenchmark {

    /** Plaintext bytes per message: a gossip message that fits a datagram, and a large topology update. */
    @Param({"1400", "65536"})
    public int payload;

    private BenchKeys keys;
    private byte[] message;
    private SessionCipher sender;
    private byte[][] ring;
    private int next;
    private SessionCipher receiver;

    @Setup
    public void setUp() {
        keys = new BenchKeys();
        message = new byte[payload];
        new SplittableRandom(1).nextBytes(message);
        sender = keys.initiator().controlSend(InstantSource.system());
        SessionCipher ringSender = keys.initiator().controlSend(InstantSource.system());
        ring = new byte[BenchKeys.ringLength(payload)][];
        for (int i = 0; i < ring.length; i++) ring[i] = ringSender.seal(message);
        receiver = keys.responder().controlReceive();
        next = 0;
    }

    @Benchmark
    public byte[] seal() {
        return sender.seal(message);
    }

    @Benchmark
    public byte[] open() {
        if (next == ring.length) {
            receiver = keys.responder().controlReceive();
            next = 0;
        }
        // A refusal would measure the wrong path: stop the run instead.
        if (!(receiver.open(ring[next++]) instanceof SessionCipher.Result.Opened(byte[] plaintext, boolean rekeyed))) {
            throw new IllegalStateException("control message " + (next - 1) + " refused");
        }
        return plaintext;
    }
}

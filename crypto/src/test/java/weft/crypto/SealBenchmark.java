package weft.crypto;

import java.nio.ByteBuffer;
import java.time.InstantSource;

/**
 * Prints single-thread MB/s for the control cipher and the sleeve sealer/opener. A program, not a test:
 * run it by hand on an idle machine, e.g.
 * {@code java -cp crypto/target/classes:crypto/target/test-classes:$BCPROV weft.crypto.SealBenchmark}.
 * Numbers move by ±15 % on the shared lab VMs; compare runs on the same machine only.
 */
public final class SealBenchmark {

    private static final long MEASURE_NANOS = 2_000_000_000L;

    private SealBenchmark() {
    }

    public static void main(String[] args) {
        byte[] key = new byte[32];
        for (int size : new int[] {1400, 64 * 1024}) {
            for (int round = 0; round < 2; round++) {                // the first round is warm-up
                String tag = round == 0 ? " (warm-up)" : "";
                System.out.printf("SessionCipher seal+open %6d B: %7.0f MB/s%s%n", size, controlRoundTrip(key, size), tag);
                System.out.printf("DatagramSealer seal      %6d B: %7.0f MB/s%s%n", size, datagramSeal(key, size, false), tag);
                System.out.printf("DatagramOpener open      %6d B: %7.0f MB/s%s%n", size, datagramSeal(key, size, true), tag);
            }
        }
    }

    /** Seal and open in turn (each message is both); MB/s of plaintext per round trip. */
    private static double controlRoundTrip(byte[] key, int size) {
        SessionCipher sender = SessionCipher.sender(key, RekeyPolicy.DEFAULT, InstantSource.system());
        SessionCipher receiver = SessionCipher.receiver(key);
        byte[] message = new byte[size];
        long bytes = 0;
        long start = System.nanoTime();
        while (System.nanoTime() - start < MEASURE_NANOS) {
            if (!(receiver.open(sender.seal(message)) instanceof SessionCipher.Result.Opened)) {
                throw new AssertionError("round trip failed");
            }
            bytes += size;
        }
        return bytes / ((System.nanoTime() - start) / 1e9) / 1e6;
    }

    /** Direct buffers, as the sleeve will use; measures sealing, or opening of datagrams sealed beforehand. */
    private static double datagramSeal(byte[] key, int size, boolean measureOpen) {
        DatagramKey datagramKey = new DatagramKey(key, 1, 7L);
        DatagramSealer sealer = datagramKey.newSealer();
        ByteBuffer header = ByteBuffer.allocateDirect(6);
        ByteBuffer payload = ByteBuffer.allocateDirect(size);
        ByteBuffer wire = ByteBuffer.allocateDirect(size + DatagramSealer.OVERHEAD);
        ByteBuffer plain = ByteBuffer.allocateDirect(size);
        if (!measureOpen) {
            long bytes = 0;
            long start = System.nanoTime();
            while (System.nanoTime() - start < MEASURE_NANOS) {
                payload.clear();
                wire.clear();
                sealer.seal(header, payload, wire);
                bytes += size;
            }
            return bytes / ((System.nanoTime() - start) / 1e9) / 1e6;
        }
        // a fresh opener per batch so every datagram is new to the window; only open() is timed
        int batch = 64 * 1024 * 1024 / size;
        ByteBuffer[] sealed = new ByteBuffer[batch];
        for (int i = 0; i < batch; i++) {
            payload.clear();
            sealed[i] = ByteBuffer.allocateDirect(size + DatagramSealer.OVERHEAD);
            sealer.seal(header, payload, sealed[i]);
            sealed[i].flip();
        }
        long bytes = 0;
        long spent = 0;
        while (spent < MEASURE_NANOS) {
            DatagramOpener opener = datagramKey.newOpener(1 << 16);
            long start = System.nanoTime();
            for (ByteBuffer datagram : sealed) {
                datagram.rewind();
                plain.clear();
                if (opener.open(header, datagram, plain, 0) != DatagramOpener.Status.OK) throw new AssertionError();
                bytes += size;
            }
            spent += System.nanoTime() - start;
        }
        return bytes / (spent / 1e9) / 1e6;
    }
}

package weft.crypto;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * The AES-256-GCM key chain of one sleeve direction ({@link DatagramEpoch}: key and 4-byte nonce prefix per epoch),
 * with that direction's sequence counter and fragment token. The sending side moves to the next key on its own
 * ({@link #SLEEVE_REKEY}); the receiving side follows the epoch each datagram names. Sealers and openers are made
 * from it; {@link SessionKeys} makes one per direction.
 *
 * <p>The fragment token is a secret of the direction that the sleeve writes in clear into every fragment of a frame
 * sealed as a whole: a fragment is authenticated only once its frame is complete, and the token lets the receiver
 * refuse, before reassembly, fragments made by anyone who has not seen the pair's traffic.
 *
 * <p>Forward secrecy within the session: nothing here keeps an epoch's key once it is not needed. The sending side
 * holds only its current epoch (each next one is derived from it, and an older one cannot be computed from a newer);
 * the receiving side hands epoch 0 to its one opener ({@link #newOpener}, which may be called once), which keeps only
 * the epochs a datagram may still name. So a heap taken later in a long session does not open what was sent before.
 *
 * <p>Thread-safe. Every {@link DatagramSealer} of one key draws its sequence numbers from the same atomic
 * counter, so several sending threads can seal under one key without ever reusing a nonce.
 */
public final class DatagramKey {
    /**
     * A sleeve direction moves to its next key after 2^22 seals (a seal covers up to a 64 KiB segment, so this stays
     * well inside AES-GCM's usage limits for one key) or 10 minutes, whichever comes first.
     */
    static final RekeyPolicy SLEEVE_REKEY = new RekeyPolicy(1L << 22, java.time.Duration.ofMinutes(10));

    private final AtomicReference<DatagramEpoch> unopened; // epoch 0 until the opener takes it or the sender moves on
    private final long fragmentToken;
    private final RekeyPolicy policy;
    private final LongSupplier nanoClock;
    private final AtomicLong nextSequence = new AtomicLong();
    private final AtomicReference<DatagramEpoch> sending;

    DatagramKey(byte[] key, int noncePrefix, long fragmentToken) {
        this(key, noncePrefix, fragmentToken, SLEEVE_REKEY, System::nanoTime);
    }

    /** With its own rekey policy and clock, for tests. */
    DatagramKey(byte[] key, int noncePrefix, long fragmentToken, RekeyPolicy policy, LongSupplier nanoClock) {
        DatagramEpoch first = new DatagramEpoch(0, key, noncePrefix, nanoClock.getAsLong(), 0);
        this.unopened = new AtomicReference<>(first);
        this.fragmentToken = fragmentToken;
        this.policy = policy;
        this.nanoClock = nanoClock;
        this.sending = new AtomicReference<>(first);
    }

    /** The token the fragments of this direction carry. */
    public long fragmentToken() {
        return fragmentToken;
    }

    /** A sealer for one sending thread, with the {@linkplain GcmEngine#preferred preferred} AES-GCM. */
    public DatagramSealer newSealer() {
        return newSealer(GcmEngine.preferred());
    }

    /** A sealer for one sending thread. */
    public DatagramSealer newSealer(GcmEngine engine) {
        return new DatagramSealer(this, engine);
    }

    /**
     * The opener of this direction, for the receiving thread, with its own replay window of
     * {@link ReplayWindow#DEFAULT_SIZE}. There is one: all datagrams of one direction must reach the same opener,
     * since two would each accept a copy of the same datagram, and it takes epoch 0 with it.
     *
     * @throws IllegalStateException when this direction already has its opener (or has sealed past epoch 0)
     */
    public DatagramOpener newOpener(GcmEngine engine) {
        return newOpener(ReplayWindow.DEFAULT_SIZE, engine);
    }

    /** {@link #newOpener(GcmEngine)} with the {@linkplain GcmEngine#preferred preferred} AES-GCM. */
    public DatagramOpener newOpener() {
        return newOpener(GcmEngine.preferred());
    }

    /** {@link #newOpener(GcmEngine)} with a replay window of its own size, for tests. */
    DatagramOpener newOpener(int replayWindowSize, GcmEngine engine) {
        DatagramEpoch first = unopened.getAndSet(null);
        if (first == null) {
            throw new IllegalStateException("this sleeve direction already has its opener (two would each accept a copy of a datagram)");
        }
        return new DatagramOpener(first, new ReplayWindow(replayWindowSize), engine);
    }

    /**
     * The epoch the next seal uses: the current one, or, once that has sealed its share or grown old, the next one,
     * which then becomes current for every sealer of this direction.
     */
    DatagramEpoch sendingEpoch() {
        DatagramEpoch current = sending.get();
        long now = nanoClock.getAsLong(), sequence = nextSequence.get();
        if (sequence - current.firstSequence < policy.afterMessages() && now - current.startNanos < policy.afterTime().toNanos()) {
            return current;
        }
        DatagramEpoch next = current.next(now, sequence);
        if (!sending.compareAndSet(current, next)) return sending.get();
        if (current.number == 0) unopened.set(null); // a sending direction never opens: epoch 0 goes with the move
        return next;
    }

    /** The next sequence number; every sealer of this direction draws from it, whatever the epoch. */
    AtomicLong sequences() {
        return nextSequence;
    }

    @Override
    public String toString() {
        return "DatagramKey[epoch " + sending.get().number + ", next sequence " + nextSequence.get() + ", key redacted]";
    }
}

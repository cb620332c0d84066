package weft.crypto;

import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-256-GCM key and 4-byte nonce prefix of one sleeve direction, with that direction's sequence counter and
 * fragment token. Sealers and openers are made from it; {@link SessionKeys} makes one per direction.
 *
 * <p>The fragment token is a secret of the direction that the sleeve writes in clear into every fragment of a frame
 * sealed as a whole: a fragment is authenticated only once its frame is complete, and the token lets the receiver
 * refuse, before reassembly, fragments made by anyone who has not seen the pair's traffic.
 *
 * <p>Thread-safe. Every {@link DatagramSealer} of one key draws its sequence numbers from the same atomic
 * counter, so several sending threads can seal under one key without ever reusing a nonce.
 */
public final class DatagramKey {

    private final SecretKeySpec key;
    private final int noncePrefix;
    private final long fragmentToken;
    private final AtomicLong nextSequence = new AtomicLong();

    DatagramKey(byte[] key, int noncePrefix, long fragmentToken) {
        if (key.length != 32) throw new IllegalArgumentException("key must be 32 bytes");
        this.key = new SecretKeySpec(key, "AES");
        this.noncePrefix = noncePrefix;
        this.fragmentToken = fragmentToken;
    }

    /** The token the fragments of this direction carry. */
    public long fragmentToken() {
        return fragmentToken;
    }

    /** A sealer for one sending thread. */
    public DatagramSealer newSealer() {
        return new DatagramSealer(key, noncePrefix, nextSequence);
    }

    /**
     * An opener for the receiving thread, with its own replay window. All datagrams of one direction must reach
     * the same opener: two openers would each accept a copy of the same datagram.
     */
    public DatagramOpener newOpener(int replayWindowSize) {
        return new DatagramOpener(key, noncePrefix, new ReplayWindow(replayWindowSize));
    }

    /** {@link #newOpener(int)} with {@link ReplayWindow#DEFAULT_SIZE}. */
    public DatagramOpener newOpener() {
        return newOpener(ReplayWindow.DEFAULT_SIZE);
    }

    @Override
    public String toString() {
        return "DatagramKey[next sequence " + nextSequence.get() + ", key redacted]";
    }
}

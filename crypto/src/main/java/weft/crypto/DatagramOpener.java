package weft.crypto;

import java.lang.foreign.MemorySegment;

/**
 * Opens sleeve datagrams of one direction sealed by {@link DatagramSealer}, and refuses replays.
 *
 * <p>Order of checks: the replay window is consulted first without changing it (a replayed or stale datagram
 * costs no AES work, which matters under a replay flood), then the tag is verified, and only then is the
 * sequence number marked in the window. So a forged datagram can never move the window.
 *
 * <p>Key epochs: each datagram names the epoch it was sealed under ({@link DatagramSealer#prepare}, 0 to 31 on the
 * wire). The opener follows its current epoch, keeps the one before (for datagrams sealed just before the sender
 * moved on), and derives up to {@link #MOST_AHEAD} epochs ahead; it moves forward only when a datagram of a later
 * epoch authenticates, so a forged epoch number cannot move it either.
 *
 * <p>Never throws on bad input: every refusal is a {@link Status} for the caller to count.
 *
 * <p>Not thread-safe: one per direction, owned by the receiving thread that gets that peer's datagrams.
 */
public final class DatagramOpener {

    /** What became of one datagram. */
    public enum Status {
        OK,
        /** Shorter than the sequence number and a tag. */
        TOO_SHORT,
        /** Wrong key, or any byte of header, sequence, ciphertext or tag changed. */
        AUTHENTICATION_FAILED,
        /** Its sequence number was already accepted. */
        REPLAYED,
        /** Its sequence number is below the replay window. */
        TOO_OLD
    }

    /** How many epochs past the current one a datagram may name: a sender moves one epoch per rekey. */
    static final int MOST_AHEAD = 4;

    private final ReplayWindow window;
    private final AesGcm cipher;
    private final byte[] nonce = new byte[AesGcm.NONCE_LENGTH];
    private DatagramEpoch current, previous;
    /** Epochs after {@link #current}, derived when a datagram first named them: ahead[0] is current + 1. */
    private final DatagramEpoch[] ahead = new DatagramEpoch[MOST_AHEAD];

    DatagramOpener(DatagramEpoch first, ReplayWindow window, GcmEngine engine) {
        this.current = first;
        this.window = window;
        this.cipher = engine.opening();
    }

    /** The epoch a datagram naming {@code wireEpoch} was sealed under, or null when it names none this opener takes. */
    private DatagramEpoch epochNamed(int wireEpoch) {
        int distance = Math.floorMod(wireEpoch - current.onWire(), DatagramEpoch.WIRE_EPOCHS);
        if (distance == 0) return current;
        if (distance == DatagramEpoch.WIRE_EPOCHS - 1) return previous;
        if (distance > MOST_AHEAD) return null;
        for (int i = 0; i < distance; i++) {
            if (ahead[i] == null) ahead[i] = (i == 0 ? current : ahead[i - 1]).next(0, 0);
        }
        return ahead[distance - 1];
    }

    /** After a datagram of {@code epoch}, ahead of the current one, authenticated: it becomes current. */
    private void moveTo(DatagramEpoch epoch) {
        int distance = (int) (epoch.number - current.number);
        previous = distance == 1 ? current : ahead[distance - 2];
        current = epoch;
        java.util.Arrays.fill(ahead, null);
    }

    /** The epoch datagrams are opened under now; for status pages and tests. */
    public long currentEpoch() {
        return current.number;
    }

    /**
     * Checks {@code sealed} ({@code [sequence][ciphertext][tag]}, as written by the sealer under the epoch the datagram
     * names, {@code wireEpoch}) against {@code header} as AAD, and on {@link Status#OK} writes the payload into
     * {@code out}, which is either apart from {@code sealed} or exactly its ciphertext (at 8: opening in place). On any
     * other status, {@code out} holds bytes nobody may use.
     *
     * @throws IllegalArgumentException if {@code out} cannot hold the payload (the caller sizes its buffers for the
     *                                  largest datagram it receives), or overlaps {@code sealed} elsewhere
     */
    public Status open(MemorySegment header, MemorySegment sealed, MemorySegment out, int wireEpoch) {
        long length = sealed.byteSize() - DatagramSealer.OVERHEAD;
        if (length < 0) return Status.TOO_SHORT;
        if (out.byteSize() < length) {
            throw new IllegalArgumentException("output has " + out.byteSize() + " bytes, needs " + length);
        }
        MemorySegment ciphertext = sealed.asSlice(8, length), plaintext = out.asSlice(0, length);
        AesGcm.requireInPlaceOrApart(plaintext, ciphertext, sealed);
        long sequence = sealed.get(DatagramSealer.SEQUENCE, 0);
        switch (window.check(sequence)) {
            case REPLAYED -> { return Status.REPLAYED; }
            case TOO_OLD -> { return Status.TOO_OLD; }
            case NEW -> { }
        }
        DatagramEpoch epoch = epochNamed(wireEpoch);
        if (epoch == null) return Status.AUTHENTICATION_FAILED;
        for (int i = 0; i < 4; i++) nonce[i] = (byte) (epoch.noncePrefix >>> (24 - 8 * i));
        for (int i = 0; i < 8; i++) nonce[4 + i] = (byte) (sequence >>> (56 - 8 * i));
        if (!cipher.open(epoch, nonce, header, ciphertext, sealed.asSlice(8 + length, AesGcm.TAG_LENGTH), plaintext)) {
            return Status.AUTHENTICATION_FAILED;
        }
        window.accept(sequence);
        if (epoch.number > current.number) moveTo(epoch);
        return Status.OK;
    }

    /**
     * What the replay window says of a datagram numbered {@code sequence}: {@link ReplayWindow.Verdict#NEW} unless the
     * number was accepted already or is below the window. Changes nothing and costs no AES work, so that a receiver
     * can refuse the fragments of a replayed frame before it spends memory on them.
     */
    public ReplayWindow.Verdict admit(long sequence) {
        return window.check(sequence);
    }

    /** The highest sequence number accepted so far, or -1; for status pages. */
    public long highestSequence() {
        return window.highest();
    }
}

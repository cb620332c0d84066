package weft.crypto;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

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

    private static final int TAG_BITS = 128;

    /** How many epochs past the current one a datagram may name: a sender moves one epoch per rekey. */
    static final int MOST_AHEAD = 4;

    private final ReplayWindow window;
    private final Cipher cipher;
    private final byte[] nonce = new byte[12];
    private DatagramEpoch current, previous;
    /** Epochs after {@link #current}, derived when a datagram first named them: ahead[0] is current + 1. */
    private final DatagramEpoch[] ahead = new DatagramEpoch[MOST_AHEAD];

    DatagramOpener(DatagramEpoch first, ReplayWindow window) {
        this.current = first;
        this.window = window;
        this.cipher = newCipher();
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
     * names, {@code wireEpoch}) against {@code header}'s remaining bytes as AAD, and on {@link Status#OK} writes the
     * payload into {@code out}.
     * On OK, {@code sealed} is consumed to its limit and {@code out} has advanced by the payload length; on any
     * other status the positions of all three buffers are unchanged (bytes after {@code out}'s position may
     * have been overwritten). {@code header} is never moved.
     *
     * @throws IllegalArgumentException if {@code out} cannot hold the payload: the caller sizes its buffers
     *                                  for the largest datagram it receives
     */
    public Status open(ByteBuffer header, ByteBuffer sealed, ByteBuffer out, int wireEpoch) {
        int length = sealed.remaining();
        if (length < DatagramSealer.OVERHEAD) return Status.TOO_SHORT;
        if (out.remaining() < length - DatagramSealer.OVERHEAD) {
            throw new IllegalArgumentException("output has " + out.remaining() + " bytes, needs "
                    + (length - DatagramSealer.OVERHEAD));
        }
        int sealedStart = sealed.position();
        long sequence = 0;
        for (int i = 0; i < 8; i++) {
            byte b = sealed.get(sealedStart + i);
            nonce[4 + i] = b;
            sequence = (sequence << 8) | (b & 0xff);
        }
        switch (window.check(sequence)) {
            case REPLAYED -> { return Status.REPLAYED; }
            case TOO_OLD -> { return Status.TOO_OLD; }
            case NEW -> { }
        }
        DatagramEpoch epoch = epochNamed(wireEpoch);
        if (epoch == null) return Status.AUTHENTICATION_FAILED;
        for (int i = 0; i < 4; i++) nonce[i] = (byte) (epoch.noncePrefix >>> (24 - 8 * i));
        int headerStart = header.position();
        int outStart = out.position();
        try {
            cipher.init(Cipher.DECRYPT_MODE, epoch.key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(header);
            sealed.position(sealedStart + 8);
            cipher.doFinal(sealed, out);
        } catch (AEADBadTagException e) {
            sealed.position(sealedStart);
            out.position(outStart);
            return Status.AUTHENTICATION_FAILED;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM open failed for a reason other than the tag", e);
        } finally {
            header.position(headerStart);
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

    static Cipher newCipher() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding missing; the JDK should always provide it", e);
        }
    }
}

package weft.router.sleeve;

import weft.crypto.DatagramKey;
import weft.crypto.DatagramOpener;
import weft.crypto.DatagramSealer;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * The {@link SleeveCipher} of a pair whose session keys say their datagrams must be sealed: AES-256-GCM with the
 * pair's per-direction sleeve keys, the header up to the sequence number as associated data, and a replay window
 * on the receiving side. The sealer writes the sequence number right where {@link SleeveHeader} keeps it, so the
 * datagram layout is the header, then the sealed payload and its tag. The fragment tokens are the ones the session
 * derived with each direction's key. The key epoch each datagram was sealed under travels in the header's flags
 * ({@link SleeveHeader#keyEpoch}), so the receiving side follows the sender's rekeying.
 *
 * <p>The cipher runs out of place, between two heap arrays per thread: the datagram's bytes are copied in, the
 * result is copied back. The JDK's AES-GCM handles {@code byte[]}-backed buffers with its intrinsic directly;
 * given direct (segment) buffers it goes through two fresh 768-byte arrays per call, and for overlapping regions
 * a fresh copy of the output, which was most of the sleeve's garbage. The two copies cost less than that.
 */
public final class SealedPair implements SleeveCipher {
    private static final int INITIAL_BYTES = 4096;
    private static final int SEALED_FROM = SleeveHeader.SEQUENCE_OFFSET;
    private static final int OVERHEAD = SleeveHeader.LENGTH - SEALED_FROM + SleeveHeader.TAG_LENGTH;

    private final DatagramKey send;
    /** One sealer and one pair of arrays per lane, made by the lane's own thread when it first seals. */
    private final DatagramSealer[] sealers = new DatagramSealer[SleeveCipher.MAX_LANES];
    private final Work[] sealing = new Work[SleeveCipher.MAX_LANES];
    private final DatagramOpener opener;
    private final Work opening = new Work();
    private final long sendToken, receiveToken;

    /**
     * One thread's arrays: {@code in} holds a copy of the datagram (the associated data at 0, the sequence number
     * at {@link SleeveHeader#SEQUENCE_OFFSET}, the frame at {@link SleeveHeader#LENGTH}); {@code out} takes what
     * the cipher writes. Reusable buffer views over both, repositioned for each call; grown, rarely, for a
     * longer datagram than any before.
     */
    private static final class Work {
        byte[] in, out;
        ByteBuffer header, input, output;

        Work() {
            grow(INITIAL_BYTES);
        }

        void ensure(int bytes) {
            if (bytes > in.length) grow(Math.max(bytes, 2 * in.length));
        }

        private void grow(int bytes) {
            in = new byte[bytes];
            out = new byte[bytes];
            header = ByteBuffer.wrap(in, 0, SEALED_FROM).slice();
            input = ByteBuffer.wrap(in);
            output = ByteBuffer.wrap(out);
        }

        ByteBuffer header() {
            return header.clear();
        }

        ByteBuffer input(int from, int length) {
            return input.limit(from + length).position(from);
        }

        ByteBuffer output(int length) {
            return output.limit(length).position(0);
        }
    }

    public SealedPair(DatagramKey send, DatagramKey receive) {
        this.send = send; // the lanes' sealers share its sequence counter
        this.opener = receive.newOpener();
        this.sendToken = send.fragmentToken();
        this.receiveToken = receive.fragmentToken();
    }

    @Override
    public void seal(MemorySegment clear, MemorySegment sealed, int payloadLength, int lane) {
        Work work = sealing[lane];
        if (work == null) {
            work = sealing[lane] = new Work();
            sealers[lane] = send.newSealer();
        }
        int clearLength = SleeveHeader.LENGTH + payloadLength, sealedLength = payloadLength + OVERHEAD;
        work.ensure(Math.max(clearLength, sealedLength));
        MemorySegment.copy(clear, JAVA_BYTE, 0, work.in, 0, clearLength);
        // The flag and the key epoch must be set before sealing: they are part of the authenticated header.
        int epoch = sealers[lane].prepare();
        work.in[SleeveHeader.FLAGS_OFFSET] = SleeveHeader.sealedFlags(work.in[SleeveHeader.FLAGS_OFFSET], epoch);
        sealers[lane].seal(work.header(), work.input(SleeveHeader.LENGTH, payloadLength), work.output(sealedLength));
        MemorySegment.copy(work.in, 0, sealed, JAVA_BYTE, 0, SEALED_FROM);
        MemorySegment.copy(work.out, 0, sealed, JAVA_BYTE, SEALED_FROM, sealedLength);
    }

    @Override
    public Opened open(MemorySegment datagram, int payloadLength, long sequence) {
        Work work = opening;
        int sealedLength = payloadLength + OVERHEAD;
        work.ensure(SEALED_FROM + sealedLength);
        MemorySegment.copy(datagram, JAVA_BYTE, 0, work.in, 0, SEALED_FROM + sealedLength);
        DatagramOpener.Status status = opener.open(work.header(), work.input(SEALED_FROM, sealedLength), work.output(payloadLength),
                SleeveHeader.keyEpoch(work.in[SleeveHeader.FLAGS_OFFSET]));
        return switch (status) {
            case OK -> {
                MemorySegment.copy(work.out, 0, datagram, JAVA_BYTE, SleeveHeader.LENGTH, payloadLength);
                yield Opened.OK;
            }
            case AUTHENTICATION_FAILED, TOO_SHORT -> Opened.AUTHENTICATION_FAILED;
            case REPLAYED -> Opened.REPLAYED;
            case TOO_OLD -> Opened.TOO_OLD;
        };
    }

    @Override
    public long fragmentToken() {
        return sendToken;
    }

    @Override
    public Opened admitFragment(long token, long sequence) {
        if (token != receiveToken) return Opened.AUTHENTICATION_FAILED;
        return switch (opener.admit(sequence)) {
            case NEW -> Opened.OK;
            case REPLAYED -> Opened.REPLAYED;
            case TOO_OLD -> Opened.TOO_OLD;
        };
    }
}

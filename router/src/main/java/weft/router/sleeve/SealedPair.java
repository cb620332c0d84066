package weft.router.sleeve;

import weft.crypto.DatagramKey;
import weft.crypto.DatagramOpener;
import weft.crypto.DatagramSealer;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The {@link SleeveCipher} of a pair whose session keys say their datagrams must be sealed: AES-256-GCM with the
 * pair's per-direction sleeve keys, the header up to the sequence number as associated data, and a replay window
 * on the receiving side. The sealer writes the sequence number right where {@link SleeveHeader} keeps it, so the
 * datagram layout is the header, then the sealed frame and its tag.
 */
public final class SealedPair implements SleeveCipher {
    private final DatagramSealer[] sealers;
    private final DatagramOpener opener;

    public SealedPair(DatagramKey send, DatagramKey receive) {
        this.sealers = new DatagramSealer[]{send.newSealer(), send.newSealer()}; // one per lane, one shared counter
        this.opener = receive.newOpener();
    }

    @Override
    public void seal(MemorySegment datagram, int frameLength, int lane) {
        // The flag must be set before sealing: it is part of the authenticated header.
        SleeveHeader.markSealed(datagram, 0);
        ByteBuffer whole = datagram.asByteBuffer();
        ByteBuffer header = whole.slice(0, SleeveHeader.SEQUENCE_OFFSET);
        ByteBuffer frame = whole.slice(SleeveHeader.LENGTH, frameLength);
        ByteBuffer out = whole.slice(SleeveHeader.SEQUENCE_OFFSET, SleeveHeader.LENGTH - SleeveHeader.SEQUENCE_OFFSET + frameLength + SleeveHeader.TAG_LENGTH);
        sealers[lane].seal(header, frame, out);
    }

    @Override
    public Opened open(MemorySegment datagram, int frameLength, long sequence) {
        ByteBuffer whole = datagram.asByteBuffer();
        ByteBuffer header = whole.slice(0, SleeveHeader.SEQUENCE_OFFSET);
        ByteBuffer sealed = whole.slice(SleeveHeader.SEQUENCE_OFFSET, SleeveHeader.LENGTH - SleeveHeader.SEQUENCE_OFFSET + frameLength + SleeveHeader.TAG_LENGTH);
        ByteBuffer out = whole.slice(SleeveHeader.LENGTH, frameLength + SleeveHeader.TAG_LENGTH);
        return switch (opener.open(header, sealed, out)) {
            case OK -> Opened.OK;
            case AUTHENTICATION_FAILED, TOO_SHORT -> Opened.AUTHENTICATION_FAILED;
            case REPLAYED -> Opened.REPLAYED;
            case TOO_OLD -> Opened.TOO_OLD;
        };
    }
}

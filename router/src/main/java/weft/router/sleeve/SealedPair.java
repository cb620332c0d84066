package weft.router.sleeve;

import weft.crypto.DatagramKey;
import weft.crypto.DatagramOpener;
import weft.crypto.DatagramSealer;
import weft.crypto.GcmEngine;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * The {@link SleeveCipher} of a pair whose session keys say their datagrams must be sealed: AES-256-GCM with the
 * pair's per-direction sleeve keys, the header up to the sequence number as associated data, and a replay window
 * on the receiving side. The sealer writes the sequence number right where {@link SleeveHeader} keeps it, so the
 * datagram layout is the header, then the sealed payload and its tag. The fragment tokens are the ones the session
 * derived with each direction's key. The key epoch each datagram was sealed under travels in the header's flags
 * ({@link SleeveHeader#keyEpoch}), so the receiving side follows the sender's rekeying.
 *
 * <p>Sealing and opening work on the datagram's own memory: the payload sits at {@link SleeveHeader#LENGTH}, right
 * where the ciphertext goes, so both run in place and copy nothing (with {@link GcmEngine#JDK} the engine copies).
 */
public final class SealedPair implements SleeveCipher {
    private static final int SEALED_FROM = SleeveHeader.SEQUENCE_OFFSET;

    private final DatagramKey send;
    private final GcmEngine engine;
    /** One sealer per lane, made by the lane's own thread when it first seals. */
    private final DatagramSealer[] sealers = new DatagramSealer[SleeveCipher.MAX_LANES];
    private final DatagramOpener opener;
    private final long sendToken, receiveToken;

    public SealedPair(DatagramKey send, DatagramKey receive, GcmEngine engine) {
        this.send = send; // the lanes' sealers share its sequence counter
        this.engine = engine;
        this.opener = receive.newOpener(engine);
        this.sendToken = send.fragmentToken();
        this.receiveToken = receive.fragmentToken();
    }

    @Override
    public void seal(MemorySegment clear, MemorySegment sealed, int payloadLength, int lane) {
        DatagramSealer sealer = sealers[lane];
        if (sealer == null) sealer = sealers[lane] = send.newSealer(engine);
        if (!clear.equals(sealed)) MemorySegment.copy(clear, 0, sealed, 0, SEALED_FROM);
        // The flag and the key epoch must be set before sealing: they are part of the authenticated header.
        int epoch = sealer.prepare();
        sealed.set(JAVA_BYTE, SleeveHeader.FLAGS_OFFSET,
                SleeveHeader.sealedFlags(sealed.get(JAVA_BYTE, SleeveHeader.FLAGS_OFFSET), epoch));
        sealer.seal(sealed.asSlice(0, SEALED_FROM), clear.asSlice(SleeveHeader.LENGTH, payloadLength),
                sealed.asSlice(SEALED_FROM, SleeveHeader.LENGTH - SEALED_FROM + payloadLength + SleeveHeader.TAG_LENGTH));
    }

    @Override
    public Opened open(MemorySegment datagram, int payloadLength, long sequence) {
        DatagramOpener.Status status = opener.open(datagram.asSlice(0, SEALED_FROM),
                datagram.asSlice(SEALED_FROM, SleeveHeader.LENGTH - SEALED_FROM + payloadLength + SleeveHeader.TAG_LENGTH),
                datagram.asSlice(SleeveHeader.LENGTH, payloadLength),
                SleeveHeader.keyEpoch(datagram.get(JAVA_BYTE, SleeveHeader.FLAGS_OFFSET)));
        return switch (status) {
            case OK -> Opened.OK;
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
